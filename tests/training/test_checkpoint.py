"""Checkpoints: a training run killed mid-way resumes where it stopped, with identical results."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from deeprates.training.checkpoint import Checkpoint, job_dir
from deeprates.training.loop import train

ROOT = Path(__file__).resolve().parents[2]


class Killed(Exception):
    pass


def _run(ckpt, kill_at=None):
    state = {"x": torch.tensor([1.0, -2.0], dtype=torch.float64)}
    count = {"n": 0}

    def step(st):
        count["n"] += 1
        if kill_at is not None and count["n"] == kill_at:
            raise Killed
        st["x"] = st["x"] - 0.01 * st["x"] ** 3

    def record(st, k):
        return {"loss": float((st["x"] ** 4).sum())}

    return train(state, step, record, 500, checkpoint=ckpt)


def test_interrupted_run_resumes_identically(tmp_path):
    ref_state, ref = _run(None)
    ck = Checkpoint(tmp_path, "run", {"a": 1}, interval_s=0.0)
    with pytest.raises(Killed):
        _run(ck, kill_at=300)
    ck2 = Checkpoint(tmp_path, "run", {"a": 1}, interval_s=0.0)
    state, recs = _run(ck2)
    assert ck2.resumed_step == 299
    assert recs == ref and torch.equal(state["x"], ref_state["x"])
    # a finished run's snapshot is marked done and reloaded without training
    ck3 = Checkpoint(tmp_path, "run", {"a": 1}, interval_s=0.0)
    state3, recs3 = _run(ck3, kill_at=1)
    assert recs3 == ref


def test_checkpoint_of_other_parameters_is_ignored(tmp_path):
    Checkpoint(tmp_path, "run", {"a": 1}, interval_s=0.0).save(3, {"state": {}, "records": [], "step": 3})
    assert Checkpoint(tmp_path, "run", {"a": 2}).load(torch.device("cpu")) is None
    assert Checkpoint(tmp_path, "run", {"a": 1}).load(torch.device("cpu")) is not None
    assert Checkpoint(None, "run", {}).load(torch.device("cpu")) is None


PARAMS = {"targets": [{"name": "inverse", "param": 0.1}], "knots": [16], "steps_per_knot2": 30,
          "eta": 0.9, "per_decade": 40}
CASE = "inverse0.1-N16"


def _compute(out: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "deeprates", "compute", "free-knot-splines", CASE,
         "--params", json.dumps(PARAMS), "--device", "cpu", "--out", str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _snapshot(out: Path) -> Path | None:
    """The job's snapshot: <out>.ckpt/<hash of the job's code>/<case>.pt."""
    found = sorted((out.parent / f"{out.name}.ckpt").glob(f"*/{CASE}.pt"))
    return found[0] if found else None


def _kill_after_first_snapshot(out: Path, env: dict) -> Path:
    proc = _compute(out, env)
    deadline = time.monotonic() + 120
    while _snapshot(out) is None:
        assert proc.poll() is None, "the job finished before its first checkpoint: make it longer"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    snap = _snapshot(out)
    assert not out.exists() and snap is not None
    return snap


def test_sigkilled_job_resumes_from_its_checkpoint(tmp_path):
    """A real compute job is SIGKILLed after its first snapshot, rerun, and must write the same
    bytes as an uninterrupted run; the snapshot directory is gone afterwards."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DEEPRATES_CHECKPOINT_EVERY_S": "0.2",
           "OMP_NUM_THREADS": "1"}
    out = tmp_path / "killed" / f"{CASE}.json"
    snap = _kill_after_first_snapshot(out, env)

    resumed = _compute(out, env)
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert "resuming from checkpoint" in err
    step = int(err.split("resuming from checkpoint")[1].split("at step")[1].split()[0])
    assert 0 < step < 16 * 16 * 30
    assert not snap.parent.parent.exists()

    ref_out = tmp_path / "straight" / f"{CASE}.json"
    straight = _compute(ref_out, {**env, "DEEPRATES_CHECKPOINT_EVERY_S": "1000"})
    _, err = straight.communicate(timeout=300)
    assert straight.returncode == 0, err
    assert out.read_bytes() == ref_out.read_bytes()
    doc = json.loads(out.read_text())
    assert doc["result"]["run"]["device"] == "cpu" and doc["result"]["run"]["dtype"] == "float64"
    assert np.isfinite(doc["result"]["loss"]).all()


def test_job_dir_drops_snapshots_of_other_code(tmp_path):
    old = tmp_path / "aaaa"
    old.mkdir()
    (old / "run.pt").write_bytes(b"x")
    assert job_dir(tmp_path, "aaaa") == old and (old / "run.pt").exists()
    assert job_dir(tmp_path, "bbbb") == tmp_path / "bbbb"
    assert not old.exists()


def test_killed_job_does_not_resume_after_its_code_changed(tmp_path):
    """Issue 12 item 3: kill free-knot-splines after a checkpoint, edit training/splines.py,
    rerun: it resumed "from checkpoint ... at step 923", a result mixing old and new code."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {**os.environ, "PYTHONPATH": str(src), "DEEPRATES_CHECKPOINT_EVERY_S": "0.2",
           "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run" / f"{CASE}.json"
    old_snap = _kill_after_first_snapshot(out, env)
    splines = src / "deeprates" / "training" / "splines.py"
    splines.write_text(splines.read_text() + "\nEDITED = True\n")
    rerun = _compute(out, env)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert "resuming from checkpoint" not in err
    assert not old_snap.exists() and out.exists()


def test_ntk_indicator_kernel_job_resumes_after_its_finished_seeds(tmp_path, monkeypatch):
    """Issue 12 item 3: ntk-indicator's d1-d3 jobs, the slowest, wrote no checkpoints. Now each
    finished seed is saved; a job killed during seed 2 redoes only seed 2, with the same result."""
    from deeprates import config, runtime
    from deeprates.figures import ntk_indicator
    from deeprates.training import kernels

    default = config.load_yaml(ROOT / "config" / "config.yaml")["figures"]["ntk-indicator"]
    p = {k: v for k, v in default.items() if k != "resources"}
    p.update(n=120, seeds=2, targets=4, k_lo=2, dims=[{"d": 2, "domain": "ball", "width": 64}])

    def ctx(directory):
        return runtime.RunContext(seed=5, threads=1, device_request="cpu", label="t", checkpoint_dir=directory)

    reference = ntk_indicator.compute("d2", p, ctx(None))
    real, calls = kernels.empirical_gram, {"n": 0}

    def dies_in_seed_2(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real(*a, **k)

    monkeypatch.setattr(kernels, "empirical_gram", dies_in_seed_2)
    with pytest.raises(Killed):
        ntk_indicator.compute("d2", p, ctx(tmp_path))
    monkeypatch.setattr(kernels, "empirical_gram", real)
    logs = []
    resumed_ctx = ctx(tmp_path)
    monkeypatch.setattr(resumed_ctx, "log", logs.append)
    resumed = ntk_indicator.compute("d2", p, resumed_ctx)
    assert any("resuming from checkpoint" in m for m in logs)
    assert not any("seed 1/2" in m for m in logs)
    assert json.dumps(resumed, default=str) == json.dumps(reference, default=str)
