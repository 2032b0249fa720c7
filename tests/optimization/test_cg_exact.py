"""CG as its exact-arithmetic loss: checked against a 200-digit reference, stable under rounding."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from deeprates.optimization import quadratic, spectra


def _exact_cg_losses(lam, rho, m, dps=200):
    """Stieltjes procedure in 200-digit arithmetic (unstable, but 200 digits outlast 60 steps),
    then the Christoffel function at 0: the CG loss in exact arithmetic."""
    mp.mp.dps = dps
    x = [mp.mpf(float(v)) for v in lam]
    w = [mp.mpf(float(v)) for v in rho]
    p_prev, p = [mp.mpf(0)] * len(x), [mp.mpf(1)] * len(x)
    alpha, beta, norm_prev = [], [], None
    for j in range(m):
        norm = mp.fsum(wi * pi * pi for wi, pi in zip(w, p))
        a = mp.fsum(wi * xi * pi * pi for wi, xi, pi in zip(w, x, p)) / norm
        b = norm if j == 0 else norm / norm_prev
        alpha.append(a)
        beta.append(b)
        p_prev, p = p, [(xi - a) * pi - (b * qi if j else 0) for xi, pi, qi in zip(x, p, p_prev)]
        norm_prev = norm
    q_prev, q = mp.mpf(0), 1 / mp.sqrt(beta[0])
    acc, out = q * q, [0.5 / (q * q)]
    for j in range(m - 1):
        q_prev, q = q, (-alpha[j] * q - (mp.sqrt(beta[j]) * q_prev if j else 0)) / mp.sqrt(beta[j + 1])
        acc += q * q
        out.append(0.5 / acc)
    return np.array([float(v) for v in out])


def test_cg_loss_is_the_exact_arithmetic_one():
    prob = spectra.discrete_power_law(150, 2.0, 1.0)
    steps = np.arange(60)
    ref = _exact_cg_losses(prob.eigenvalues, prob.rho, 60)
    got = quadratic.conjugate_gradients(prob, steps).loss
    np.testing.assert_allclose(got, ref, rtol=1e-11)
    # the float64 vector recurrences of CG leave it within a few dozen steps (what this replaced)
    assert ref[-1] < 1e-6 * ref[20]


def test_cg_loss_moves_at_rounding_level_when_its_inputs_do():
    steps = np.unique(np.geomspace(1, 400, 60).astype(int))
    a = quadratic.conjugate_gradients(spectra.discrete_power_law(2000, 2.0, 1.0), steps).loss
    b = quadratic.conjugate_gradients(spectra.discrete_power_law(2000, 2.0 * (1 + 1e-15),
                                                                 1.0 * (1 - 1e-15)), steps).loss
    assert np.all(a > 0) and np.max(np.abs(b / a - 1)) < 1e-10


def test_cg_beats_heavy_ball_and_solves_a_small_problem_exactly():
    prob = spectra.discrete_power_law(40, 2.0, 1.0)
    steps = np.arange(0, 60)
    alpha, beta = quadratic.jacobi_schedule(60, 2.0, 0.5)
    hb = quadratic.heavy_ball(prob, steps, alpha, beta).loss
    cg = quadratic.conjugate_gradients(prob, steps).loss
    assert cg[0] == pytest.approx(prob.loss0, rel=1e-14) and np.all(cg <= hb * (1 + 1e-12))
    assert np.all(cg[40:] == 0.0)  # 40 distinct eigenvalues: solved in 40 steps


def test_lanczos_coefficients_of_a_two_point_measure():
    # sum of two deltas: alpha_0 = mean, beta_0 = mass, beta_1 = variance
    alpha, beta = quadratic.lanczos_coefficients(np.array([1.0, 3.0]), np.array([1.0, 1.0]), 2)
    assert alpha[0] == 2.0 and beta[0] == 2.0 and math.isclose(beta[1], 1.0, rel_tol=1e-15)
    assert math.isclose(alpha[1], 2.0, rel_tol=1e-15)
