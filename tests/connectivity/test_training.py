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
