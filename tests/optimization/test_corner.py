"""Corner GD (C4): generating functions vs time domain, Parseval noise sum, finite memory, beam."""

import math

import numpy as np
import pytest

from deeprates.beam_roots import cantilever_roots
from deeprates.optimization import beam, corner, spectra


LAM = np.geomspace(1e-3, 1.0, 7)


@pytest.mark.parametrize("theta", [1.0, 1.3, 1.8])
def test_generating_functions_equal_time_domain(theta):
    c, T = 1.0, 300
    E = corner.time_domain_ideal(theta, c, LAM, np.ones_like(LAM), T)
    P, h = corner.residual_and_noise(corner.ideal_kernel(theta), LAM, c, T + 1)
    np.testing.assert_allclose(P.T, E, atol=1e-9)
    impulse = corner.time_domain_ideal(theta, c, LAM, np.zeros_like(LAM), T,
                                       noise=lambda t: np.ones_like(LAM) * (t == 0))
    np.testing.assert_allclose(h.T, impulse, atol=1e-9 * np.abs(impulse).max())


def test_theta_one_is_plain_gd():
    c = 2.0
    P, _ = corner.residual_and_noise(corner.ideal_kernel(1.0), LAM, c, 50)
    t = np.arange(50)
    np.testing.assert_allclose(P, (1 - LAM[:, None] / c) ** t[None, :], atol=1e-10)


def test_time_domain_coefficients_sum_rule():
    # sum_{j<=t} a_j = b_t: the fixed point w = w* is kept (why b_t multiplies w_0)
    a = corner.power_series(1.6, 200)
    b = corner.power_series(0.6, 200)
    np.testing.assert_allclose(np.cumsum(a), b, atol=1e-13)


@pytest.mark.parametrize("theta", [1.0, 1.5, 1.8])
def test_parseval_noise_energy_equals_bruteforce_sum(theta):
    lam = np.array([1e-2, 0.1, 0.7])
    kern = corner.ideal_kernel(theta)
    pars = corner.impulse_energy(kern, lam, 1.0)
    _, h = corner.residual_and_noise(kern, lam, 1.0, 60_000)
    brute = np.sum(h * h, axis=1)
    np.testing.assert_allclose(brute, pars, rtol=1e-7)


def test_noise_sum_discrete_matches_renewal_kernel_sum():
    prob = spectra.discrete_power_law(30, 2.0, 1.0)
    kern = corner.ideal_kernel(1.4)
    seq = corner.loss_sequences(kern, 1.0, prob.eigenvalues, prob.rho, np.ones(30), 4.0, 40_000)
    U = corner.noise_sum_discrete(kern, 1.0, prob.eigenvalues, np.ones(30), 4.0)
    assert seq.U.sum() == pytest.approx(U, rel=1e-6)


def test_continuous_noise_sum_converges_and_diverges_at_theta_nu():
    kern = corner.ideal_kernel(1.5)
    U1 = corner.noise_sum_continuous(kern, 1.0, 3.0, 10.0)
    U2 = corner.noise_sum_continuous(kern, 1.0, 3.0, 10.0, lam_min=1e-60, per_decade=8)
    assert U1 == pytest.approx(U2, rel=1e-6)
    assert corner.noise_sum_continuous(corner.ideal_kernel(1.9), 1.0, 1.8, 10.0) == math.inf


def test_renewal_fft_equals_direct_recursion():
    rng = np.random.default_rng(0)
    V = np.exp(-np.arange(400) / 50.0) * (1 + 0.1 * rng.random(400))
    U = np.concatenate([[0.0], 0.3 * np.arange(1, 400, dtype=float) ** -1.5 / 2.6])
    seq = corner.Sequences(V, U)
    np.testing.assert_allclose(corner.renewal_loss(seq), corner.renewal_loss_direct(seq),
                               rtol=1e-8)


def test_finite_memory_tracks_ideal_and_runs_in_time_domain():
    theta, T, c = 1.7, 2000, 1.0
    fk = corner.finite_memory_kernel(theta, 24, T)
    assert corner.kernel_error(fk, T) < 5e-3
    lam = np.geomspace(1e-5, 1, 9)
    E = corner.time_domain_finite(fk, c, lam, np.ones_like(lam), T)
    P, _ = corner.residual_and_noise(fk, lam, c, T + 1)
    np.testing.assert_allclose(P.T, E, atol=1e-9)
    Pi, _ = corner.residual_and_noise(corner.ideal_kernel(theta), lam, c, T + 1)
    assert np.max(np.abs(P - Pi)) < 0.01


def test_deterministic_rate_theta_zeta_on_continuous_measure():
    theta, zeta, T = 1.5, 0.4, 4000
    meas = spectra.ContinuousPowerLaw(2.0, zeta, 1e-4 * T**-theta)
    seq = corner.loss_sequences(corner.ideal_kernel(theta), 1.0, meas.nodes, meas.rho_weights(),
                                meas.mu_weights(), None, T + 1, frozen_rho=meas.rho_below_min())
    t1, t2 = 400, 4000
    slope = -math.log(seq.V[t2] / seq.V[t1]) / math.log(t2 / t1)
    assert slope == pytest.approx(theta * zeta, abs=0.01)


def test_theta_max_phases():
    assert corner.theta_max(4.0, 0.25) == 2.0 and corner.theta_max_phase(4.0, 0.25) == "I"
    assert corner.theta_max(1.5, 0.1) == 1.5 and corner.theta_max_phase(1.5, 0.1) == "II"
    assert corner.theta_max(3.0, 1.0) == pytest.approx(1.5)
    assert corner.theta_max_phase(3.0, 1.0) == "III"
    assert corner.sgd_exponent(1.8, 3.0, 1.0) == pytest.approx(1.4)


def test_beam_spectrum_and_indicator_coefficients():
    xi = cantilever_roots(60)
    assert xi[0] == pytest.approx(1.8751040687, abs=1e-9)
    assert np.all(np.abs(1 + np.cos(xi) * np.cosh(xi)) < 1e-6 * np.cosh(xi))
    y = np.linspace(0, 1, 40_001)
    phi = beam.mode_shapes(xi[[0, 3, 59]], y)
    np.testing.assert_allclose(np.trapezoid(phi**2, y, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(phi[:, 0], 0.0, atol=1e-12)  # clamped end
    mask = (y >= 0.25) & (y <= 0.75)
    num = np.trapezoid(phi * mask, y, axis=1)
    np.testing.assert_allclose(beam.indicator_coefficients(xi[[0, 3, 59]]), num, atol=1e-4)
    lam, rho, frozen = beam.beam_problem(400)
    assert rho.sum() + frozen == pytest.approx(0.5)
    k = np.arange(1, 401)
    tail = np.cumsum(rho[::-1])[::-1] + frozen
    assert tail[99] * 100 == pytest.approx(tail[199] * 200, rel=0.1)  # kappa = 1
