"""deeprates.warm_start: jobs forked from one warm process give the same bytes as fresh ones.

Each test starts a real server (with a small preload, so it starts in well under a second) and
runs real `python -m deeprates` commands against it, as the workflow's jobs do.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from deeprates import warm_start, workflow_support as ws
from tiny_size import REPO, tiny_params

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


@pytest.fixture
def server(tmp_path):
    # torch preloaded as in a run: a numpy-only job must still not record torch in its provenance
    path = warm_start.start(str(REPO / "src"), tmp_path / "warm.log", modules=("numpy", "torch"))
    assert path is not None, (tmp_path / "warm.log").read_text()
    os.environ.pop(warm_start.ENV)  # start() points this process's children at it; the tests choose
    yield path
    os.environ[warm_start.ENV] = path
    warm_start.stop()
    assert not os.path.exists(path)


def _deeprates(args, warm: str | None, cwd, **kw):
    env = dict(ENV)
    env.pop(warm_start.ENV, None)
    if warm:
        env[warm_start.ENV] = warm
    return subprocess.run([sys.executable, "-m", "deeprates", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, **kw)


def _compute_args(fig, case, out, threads=1):
    params = tiny_params(fig)
    return ["compute", fig, case, "--params", ws.params_json({"figures": {fig: params}}, fig),
            "--seed", "0", "--threads", str(threads), "--device", "cpu", "--out", str(out)]


@pytest.mark.parametrize("fig,case", [
    ("relu-product", "exact"),           # numpy only
    ("free-knot-splines", "exp2-N6"),    # torch: its provenance must still record torch
])
def test_a_warm_job_writes_the_same_bytes_as_a_fresh_one(server, tmp_path, fig, case):
    fresh, warm = tmp_path / "fresh.json", tmp_path / "warm.json"
    a = _deeprates(_compute_args(fig, case, fresh), None, REPO)
    b = _deeprates(_compute_args(fig, case, warm), server, REPO)
    assert a.returncode == 0 and b.returncode == 0, (a.stderr[-2000:], b.stderr[-2000:])
    assert fresh.read_bytes() == warm.read_bytes()
    # the warm child ran it (its cost line says so) and the fresh process did not
    assert "cost (warm start: imports not counted):" in b.stderr
    assert "cost (warm start" not in a.stderr and "cost: wall_s=" in a.stderr


def test_output_and_exit_status_come_back(server, tmp_path):
    a = _deeprates(["list"], None, tmp_path)
    b = _deeprates(["list"], server, tmp_path)
    assert (b.returncode, b.stdout) == (a.returncode, a.stdout) == (0, a.stdout) and a.stdout
    bad = _deeprates(["compute", "no-such-figure", "x", "--out", str(tmp_path / "x.json")],
                     server, tmp_path)
    ref = _deeprates(["compute", "no-such-figure", "x", "--out", str(tmp_path / "x.json")],
                     None, tmp_path)
    assert bad.returncode == ref.returncode != 0
    assert bad.stderr.strip().splitlines()[-1] == ref.stderr.strip().splitlines()[-1]


def test_the_job_runs_in_its_own_folder_and_environment(server, tmp_path):
    """A relative output path lands in the job's folder, not the server's."""
    out = _deeprates(_compute_args("relu-product", "exact", "rel.json"), server, tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "rel.json").is_file()


def test_what_a_fork_cannot_give_runs_fresh(server, tmp_path):
    assert warm_start.delegate(["compute", "x", "y", "--threads", "2"], server) is None
    assert warm_start.delegate(["compute", "x", "y", "--threads=4"], server) is None
    assert warm_start.delegate(["list"], str(tmp_path / "no-server")) is None
    # and a job with two threads, sent to the server's environment, still runs (fresh)
    out = _deeprates(_compute_args("relu-product", "exact", tmp_path / "t2.json", threads=2),
                     server, REPO)
    assert out.returncode == 0 and "cost: wall_s=" in out.stderr


def test_a_signal_reaches_the_job(server, tmp_path):
    """Snakemake stops a job by signalling its process; the warm child must stop with it."""
    import time

    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)  # `deeprates fit` blocks reading it: a job that does not end by itself
    env = {**ENV, warm_start.ENV: server}
    proc = subprocess.Popen([sys.executable, "-m", "deeprates", "fit", str(fifo)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert proc.poll() is None
    proc.terminate()
    assert proc.wait(timeout=20) == 128 + 15  # SIGTERM, as the child's status


def test_the_server_stops_when_snakemake_is_gone(tmp_path):
    """An owner that died (Snakemake killed hard) leaves no server behind."""
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    path = str(tmp_path / "sock")
    srv = subprocess.Popen([sys.executable, "-m", "deeprates.warm_start", "serve", path,
                            str(owner.pid), "numpy"], env=ENV, cwd=tmp_path)
    owner.wait()
    assert srv.wait(timeout=15) == 0
    assert not os.path.exists(path)


def _forks_of(server_path: str) -> int:
    """Processes whose command line names the server's socket: the server and its children."""
    n = 0
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                n += server_path.encode() in f.read()
        except OSError:
            continue
    return n


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts processes through /proc")
def test_a_job_killed_outright_takes_its_child_with_it(server, tmp_path):
    """SIGKILL cannot be forwarded: the server sees the job's connection close instead."""
    import time

    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-m", "deeprates", "fit", str(fifo)],
                            env={**ENV, warm_start.ENV: server}, cwd=tmp_path)
    deadline = time.time() + 30
    while _forks_of(server) < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert _forks_of(server) == 2  # the server and the job's child
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while _forks_of(server) > 1 and time.time() < deadline:
        time.sleep(0.1)
    assert _forks_of(server) == 1
