"""Designs, targets, and the bundled digits (offline)."""

import socket

import numpy as np
import pytest

from deeprates.training import data


@pytest.mark.parametrize("kind,d", [("cube", 1), ("ball", 2), ("ball", 3)])
@pytest.mark.parametrize("design", ["qmc", "iid"])
def test_designs_lie_in_the_domain_and_are_deterministic(kind, d, design):
    dom = data.Domain(kind, d)
    x = dom.sample(500, 7, design)
    assert x.shape == (500, d)
    if kind == "ball":
        assert np.all(np.linalg.norm(x, axis=1) <= 1)
    else:
        assert np.all((x >= 0) & (x <= 1))
    assert np.array_equal(x, dom.sample(500, 7, design))
    assert not np.array_equal(x, dom.sample(500, 8, design))
    assert abs(x.mean(axis=0) - dom.centre).max() < 0.1


def test_single_target_is_the_centred_target():
    dom = data.Domain("cube", 1)
    t = data.BallTargets.ensemble(dom, 1, 0)
    x = np.array([[0.2], [0.26], [0.74], [0.8]])
    assert t(x)[:, 0].tolist() == [0, 1, 1, 0]
    tb = data.BallTargets.ensemble(data.Domain("ball", 2), 1, 0)
    assert tb.radii[0] == 0.5 and np.all(tb.centres == 0)


def test_digits_load_offline(monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("load_digits tried to use the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    x, Y = data.digits()
    assert x.shape == (1797, 64) and Y.shape == (1797, 10)
    assert np.linalg.norm(x, axis=1).mean() == pytest.approx(1.0)
    assert np.allclose(Y.mean(axis=0), 0)
