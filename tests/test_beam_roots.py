"""The cantilever roots shared by the kernel and optimisation tracks."""

import numpy as np
import pytest

from deeprates.beam_roots import cantilever_roots


def test_cantilever_roots():
    xi = cantilever_roots(200)
    assert xi[0] == pytest.approx(1.8751040687, abs=1e-9)
    assert xi[1] == pytest.approx(4.6940911330, abs=1e-9)
    assert np.all(np.abs(1 + np.cos(xi) * np.cosh(xi)) < 1e-6 * np.cosh(xi))
    assert np.all(np.diff(xi) > 0)
    k = np.arange(1, 201)
    assert np.allclose(xi[10:], (k[10:] - 0.5) * np.pi, atol=1e-6)  # exponentially close
