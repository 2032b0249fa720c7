"""The beam operator (its roots: tests/test_beam_roots.py): exact spectrum, discretisation error, gradient-flow exponent and prefactor."""

import math

import numpy as np
import pytest

from deeprates.training import beam, spectral


def test_kernel_closed_form_matches_quadrature():
    s = np.array([0.0, 0.2, 0.7])
    x = np.linspace(0, 1, 200001)
    for a in s:
        for b in s:
            num = np.trapezoid(np.maximum(x - a, 0) * np.maximum(x - b, 0), x)
            assert beam.kernel(np.array([a]), np.array([b]))[0, 0] == pytest.approx(num, rel=1e-8)


def test_discretised_eigenvalues_match_xi_to_the_minus_4():
    n = 600
    spec = spectral.decompose(beam.gram(n), beam.interval_target(n, 0.25, 0.75))
    exact = beam.exact_eigenvalues(n // 20)
    assert np.max(np.abs(spec.lam[: n // 20] / exact - 1)) < 1e-4


def test_gradient_flow_exponent_and_prefactor():
    n = 800
    spec = spectral.decompose(beam.gram(n), beam.interval_target(n, 0.25, 0.75))
    t = spec.time_grid()
    loss = spec.flow_loss(t)
    fits = spectral.fit_spectrum(spec, t, loss, tol=0.01)
    assert fits.xi.exponent == pytest.approx(0.25, abs=0.01)
    w = (t >= fits.xi.window[0]) & (t <= fits.xi.window[1])
    pred = beam.predicted_loss(t[w], beam.jump_constant(0.25, 0.75))
    assert np.max(np.abs(loss[w] / pred - 1)) < 0.03
    assert beam.jump_constant(0.0, 0.5) == pytest.approx(1 / math.pi ** 2)
