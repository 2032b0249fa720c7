"""Endpoint training: deterministic, resumable after a kill, and a divergence names its spec."""

from __future__ import annotations

import numpy as np
import pytest

from deeprates.connectivity import nets

SPEC = nets.NetSpec(sizes=(64, 16, 10), bias=True, seed=3, n_train=120, epochs=4, batch=32)


def _weights(net):
    return np.concatenate([np.ravel(W) for W, _ in net.layers] + [b for _, b in net.layers])


def test_same_spec_same_bytes():
    a, b = nets.train(SPEC, log=lambda m: None), nets.train(SPEC, log=lambda m: None)
    assert nets.to_npz_bytes(a) == nets.to_npz_bytes(b)
    assert a.info["device"] == "cpu" and a.info["torch"] and a.info["dtype"] == "float32"


def test_killed_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    full = nets.train(SPEC, log=lambda m: None)
    monkeypatch.setenv("DEEPRATES_CHECKPOINT_EVERY_S", "0")
    real = nets.learning_rate

    def killed_at_epoch_2(spec, epoch):
        if epoch == 2:
            raise KeyboardInterrupt("killed")
        return real(spec, epoch)

    monkeypatch.setattr(nets, "learning_rate", killed_at_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        nets.train(SPEC, checkpoint_dir=tmp_path, log=lambda m: None)
    monkeypatch.setattr(nets, "learning_rate", real)
    said = []
    resumed = nets.train(SPEC, checkpoint_dir=tmp_path, log=said.append)
    assert any("resuming" in s and "step 2" in s for s in said), said
    assert np.array_equal(_weights(resumed), _weights(full))


def test_divergence_names_the_parameters():
    bad = nets.NetSpec(sizes=(64, 16, 10), bias=True, seed=0, n_train=120, epochs=2, lr=1e6)
    with pytest.raises(nets.TrainingDiverged, match="lr 1000000.0"):
        nets.train(bad, log=lambda m: None)


def test_key_changes_with_every_field_and_corrupt_files_are_named(tmp_path):
    assert SPEC.key != nets.NetSpec(**{**SPEC.to_params(), "epochs": 5}).key
    path = tmp_path / "net.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="net.npz"):
        nets.load(path)


def test_sgd_is_torchs_sgd_bit_for_bit():
    """nets.SGD writes torch.optim.SGD's update out (to keep torch._dynamo out of the training
    jobs): the same weights after steps with a changing learning rate."""
    import torch

    def model():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))

    x = torch.randn(50, 64, generator=torch.Generator().manual_seed(1))
    y = torch.arange(50) % 10
    ours, ref = model(), model()
    opt = nets.SGD(list(ours.parameters()), momentum=0.9, weight_decay=1e-4)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    for step in range(6):
        lr = 0.05 / (1 + step)
        for group in ref_opt.param_groups:
            group["lr"] = lr
        for m, o, go in ((ours, opt, lambda: opt.step(lr)), (ref, ref_opt, ref_opt.step)):
            o.zero_grad()
            torch.nn.functional.cross_entropy(m(x[step::3]), y[step::3]).backward()
            go()
    for a, b in zip(ours.parameters(), ref.parameters()):
        assert torch.equal(a, b)


def test_training_job_does_not_load_dynamo():
    """What a training process imports: torch._dynamo (~1.3 s of CPU) stays out."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import deeprates

    src = str(Path(deeprates.__file__).resolve().parents[1])
    code = ("import sys; from deeprates.connectivity import nets; "
            "nets.train(nets.NetSpec(sizes=(64, 8, 10), bias=True, seed=0, n_train=64, epochs=1), "
            "log=lambda m: None); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": src})
    assert out.stdout.strip() == "False"
