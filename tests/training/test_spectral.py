"""Gradient flow and GD through the eigendecomposition vs direct integration."""

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from deeprates.training import spectral


def _problem(n=30, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    K = A @ A.T / n
    Y = rng.normal(size=(n, 2))
    return K, Y


def test_flow_loss_equals_matrix_exponential():
    K, Y = _problem()
    n = K.shape[0]
    spec = spectral.decompose(torch.tensor(K), Y)
    for t in (0.0, 0.3, 2.0, 11.0):
        R = scipy.linalg.expm(-t * K / n) @ Y
        direct = 0.5 * (R ** 2).sum(0).mean() / n
        assert spec.flow_loss(np.array([t]))[0] == pytest.approx(direct, rel=1e-9)


def test_gd_loss_equals_explicit_iteration():
    K, Y = _problem(seed=1)
    n = K.shape[0]
    spec = spectral.decompose(torch.tensor(K), Y)
    lr = 1.5 / spec.lam[0]
    f = np.zeros_like(Y)
    losses = []
    for _ in range(40):
        losses.append(0.5 * ((f - Y) ** 2).sum(0).mean() / n)
        f = f - lr * (K / n) @ (f - Y)
    assert np.allclose(spec.gd_loss(np.arange(40), lr), losses, rtol=1e-9)
    with pytest.raises(ValueError, match="unstable"):
        spec.gd_loss(np.arange(3), 2.5 / spec.lam[0])


def test_power_law_spectrum_gives_xi_kappa_over_nu_and_the_prefactor():
    """Synthetic lambda_k = k^-nu, c_k^2 with tail k^-kappa: the fits recover nu, kappa, xi and the
    predicted curve (K/2) Gamma(zeta+1) (2 Lambda t)^-zeta matches the loss in the window."""
    nu, kappa, n = 2.0, 1.0, 20000
    k = np.arange(1, n + 1, dtype=float)
    tail = k ** -kappa
    c2 = tail - np.append(tail[1:], 0.0)
    spec = spectral.Spectrum(k ** -nu, c2)
    t = spec.time_grid()
    loss = spec.flow_loss(t)
    fits = spectral.fit_spectrum(spec, t, loss, tol=0.04)
    assert fits.nu.exponent == pytest.approx(nu, abs=1e-9)
    assert fits.kappa.exponent == pytest.approx(kappa, abs=0.01)
    assert fits.xi.exponent == pytest.approx(kappa / nu, abs=0.01)
    assert fits.xi.asymptotic
    mid = np.sqrt(fits.xi.window[0] * fits.xi.window[1])
    w = (t >= mid) & (t <= fits.xi.window[1])  # first window half: discrete-sum corrections ~5%
    assert np.allclose(fits.predicted_loss(t[w]), loss[w], rtol=0.02)
    assert math.isclose(fits.ratio, kappa / nu, abs_tol=0.01)


def test_decompose_requires_float64():
    K, Y = _problem()
    with pytest.raises(ValueError, match="float64"):
        spectral.decompose(torch.tensor(K, dtype=torch.float32), Y)


def test_ensemble_record_fits_xi_kappa_over_nu_with_a_bootstrap_over_seeds():
    """kernel_runs: the compact record keeps what the fits need; fit_record recovers nu, kappa
    and xi = kappa/nu from it, with a bootstrap over seeds when there are several."""
    from deeprates.training import kernel_runs

    nu, kappa, n = 2.0, 1.0, 4000
    k = np.arange(1, n + 1, dtype=float)
    tail = k ** -kappa
    c2 = tail - np.append(tail[1:], 0.0)
    specs = [spectral.Spectrum(k ** -nu * s, c2) for s in (0.9, 1.0, 1.1)]
    rec = kernel_runs.flow_ensemble(specs)
    assert rec["seeds"] == 3 and len(rec["loss_per_seed"]) == 3
    fits = kernel_runs.fit_record(rec, tol=0.04)
    assert fits.nu.exponent == pytest.approx(nu, abs=1e-6)
    assert fits.kappa.exponent == pytest.approx(kappa, abs=0.02)
    assert fits.xi.exponent == pytest.approx(kappa / nu, abs=0.02) and fits.xi.asymptotic
    assert fits.xi.stat_err is not None
