"""SGD with momentum (C2, C3): exact recursion, noise sum, Monte-Carlo, divergence as data."""

import itertools
import math

import numpy as np
import pytest

from deeprates.optimization import sgd_moments as sm
from deeprates.optimization import sgd_montecarlo as mc
from deeprates.optimization import spectra
from deeprates.optimization.divergence import UnexpectedDivergence, require_converged


@pytest.mark.parametrize("alpha,beta,noise", [
    (0.5, 0.5, sm.NoiseModel.gaussian(10)),
    (1.0, -0.3, sm.NoiseModel.translation_invariant(100, 3)),
    (0.3, 0.9, sm.NoiseModel(0.02, 0.5, "generic")),
])
def test_noise_sum_closed_form_equals_bruteforce(alpha, beta, noise):
    lam = np.arange(1, 61, dtype=float) ** -1.5
    exact = sm.noise_sum(lam, alpha, beta, noise)
    brute = sm.noise_sum_bruteforce(lam, alpha, beta, noise, 60_000)
    assert math.isclose(exact, brute, rel_tol=1e-6)


def test_noise_sum_infinite_where_a_mode_is_unstable():
    lam = np.array([1.0, 0.1])
    assert sm.noise_sum(lam, 4.5, 0.0, sm.NoiseModel.gaussian(100)) == math.inf


def test_translation_invariant_noise_is_exactly_spectrally_expressible():
    # N points of Z_N, complex features sqrt(lam_k) exp(2 pi i k x / N), batches of b distinct
    # points: the diagonal of the gradient-noise covariance is gamma (lam_k 2L - lam_k^2 |e_k|^2)
    N, b = 6, 2
    rng = np.random.default_rng(0)
    lam = rng.uniform(0.1, 1.0, N)
    e = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    x = np.arange(N)
    Phi = np.sqrt(lam)[None, :] * np.exp(2j * np.pi * np.outer(x, np.arange(N)) / N)  # (x, k)
    grads = []
    for batch in itertools.combinations(range(N), b):
        B = Phi[list(batch)]
        grads.append(B.conj().T @ (B @ e) / b)
    grads = np.array(grads)
    mean = grads.mean(axis=0)
    np.testing.assert_allclose(mean, lam * e, atol=1e-12)
    var = np.mean(np.abs(grads - mean) ** 2, axis=0)
    noise = sm.NoiseModel.translation_invariant(N, b)
    L = 0.5 * np.sum(lam * np.abs(e) ** 2)
    np.testing.assert_allclose(var, noise.gamma * (lam * 2 * L - noise.tau * lam**2 * np.abs(e) ** 2),
                               atol=1e-12)


@pytest.mark.parametrize("sampler", ["projected", "features"])
def test_recursion_equals_montecarlo_mean(sampler):
    prob = spectra.discrete_power_law(40, 1.5, 1.0)
    steps = np.array([0, 1, 3, 10, 30, 80])
    alpha, beta, b = 0.6, 0.4, 10
    rec = sm.sgd_second_moments(prob, alpha, beta, sm.NoiseModel.gaussian(b), steps)
    run = mc.sgd_montecarlo(prob, alpha, beta, b, steps, 1500, seed=7, sampler=sampler)
    mean = run.loss.mean(axis=0)
    se = run.loss.std(axis=0, ddof=1) / math.sqrt(run.loss.shape[0])
    assert mean[0] == pytest.approx(rec.loss[0], rel=1e-12)
    assert np.all(np.abs(mean[1:] - rec.loss[1:]) <= 4 * se[1:])
    assert run.n_diverged == 0


def test_montecarlo_is_deterministic_given_the_seed():
    prob = spectra.discrete_power_law(20, 1.5, 1.0)
    steps = np.array([0, 5, 20])
    a = mc.sgd_montecarlo(prob, 0.5, 0.5, 10, steps, 8, seed=3)
    b = mc.sgd_montecarlo(prob, 0.5, 0.5, 10, steps, 8, seed=3)
    assert np.array_equal(a.loss, b.loss)


def test_signal_phase_prefactor_and_noise_kernel():
    T = 3000
    prob = spectra.power_law_with_tail(200, 1.5, 0.75, T)
    noise = sm.NoiseModel.gaussian(10)
    steps = np.array([0, 1, 10, 100, 1000, 3000])
    run = sm.sgd_second_moments(prob, 0.5, 0.5, noise, steps, noise_kernel=True)
    U = sm.noise_sum(prob.eigenvalues, 0.5, 0.5, noise, prob.multiplicity)
    pred = prob.gf_loss(sm.effective_lr(0.5, 0.5) * steps[-1]) / (1 - U)
    assert run.loss[-1] / pred[0] == pytest.approx(1.0, abs=0.01)
    # U_1 = gamma alpha^2 sum_k mult lambda^2
    U1 = noise.gamma * 0.25 * np.sum(prob.multiplicity * prob.eigenvalues**2)
    assert run.noise_kernel[1] == pytest.approx(U1, rel=1e-12)


def test_divergence_is_recorded_with_its_step_and_unexpected_one_names_parameters():
    prob = spectra.discrete_power_law(100, 1.5, 1.0)
    noise = sm.NoiseModel.gaussian(1)
    steps = np.arange(0, 2000, 10)
    run = sm.sgd_second_moments(prob, 3.0, 0.0, noise, steps)
    assert run.outcome.diverged and run.outcome.step is not None
    assert np.all(np.isnan(run.loss[steps > run.outcome.step]))
    with pytest.raises(UnexpectedDivergence, match="alpha=3.0"):
        require_converged(run.outcome, "test run", {"alpha": 3.0, "batch": 1})


def test_grid_kernel_equals_single_runs():
    prob = spectra.discrete_power_law(80, 1.5, 0.75)
    noise = sm.NoiseModel.translation_invariant(80, 4)
    alphas = np.array([0.3, 0.9, 3.5])
    betas = np.array([0.2, -0.4, 0.0])
    grid = sm.grid_final_losses(prob, alphas, betas, noise, 200)
    for i in range(3):
        r = sm.sgd_second_moments(prob, alphas[i], betas[i], noise, np.array([0, 100, 200]))
        if r.outcome.diverged:
            assert grid.blowup_step[i] >= 0 and grid.diverged[i]
        else:
            assert grid.final[i] == pytest.approx(r.loss[2], rel=1e-12)
            assert grid.half[i] == pytest.approx(r.loss[1], rel=1e-12)


def test_noise_sum_on_the_top_modes_only_is_the_same_sum():
    lam = np.arange(1, 1001, dtype=float) ** -1.5
    noise = sm.NoiseModel.translation_invariant(1000, 10)
    assert sm.noise_sum(lam, 1.2, 0.3, noise, check_modes=50) == sm.noise_sum(lam, 1.2, 0.3, noise)


def test_boundary_alpha_is_where_the_noise_sum_reaches_one():
    lam = np.arange(1, 201, dtype=float) ** -1.5
    noise = sm.NoiseModel.translation_invariant(200, 1)
    for beta in (-0.5, 0.0, 0.5):
        a = sm.boundary_alpha(lam, beta, noise, 4.0)
        assert a < sm.deterministic_boundary_alpha(1.0, beta)  # noise shrinks the region
        assert math.isclose(sm.noise_sum(lam, a, beta, noise), 1.0, rel_tol=1e-6)


def test_bootstrap_exponents_at_once_equal_one_fit_each():
    from deeprates.fitting import fit_power_law
    from deeprates.optimization.fits import _replicate_exponents

    rng = np.random.default_rng(1)
    x = np.geomspace(1, 1e4, 60)
    reps = x ** -0.7 * np.exp(0.05 * rng.standard_normal((5, x.size)))
    fast = _replicate_exponents(x, reps, (10.0, 1e3))
    slow = [fit_power_law(x, r, (10.0, 1e3)).exponent for r in reps]
    np.testing.assert_allclose(fast, slow, rtol=1e-10)


def test_stability_margin_is_zero_on_a_marginal_mode_and_per_cell_on_a_grid():
    noise = sm.NoiseModel.translation_invariant(100, 1)  # gamma = 1: alpha = 1 is marginal at lambda = 1
    lam = np.array([1.0, 0.5, 0.25])
    assert sm.stability_margin(lam, np.array(1.0), np.array(0.0), noise) <= 1e-15
    A, B = np.meshgrid([0.5, 1.0], [0.0, 0.3], indexing="ij")
    m = sm.stability_margin(lam, A, B, noise)
    assert m.shape == A.shape and m[1, 0] <= 1e-15 and m[0, 0] > 0.1
    # per cell the same as one at a time
    assert m[0, 1] == sm.stability_margin(lam, np.array(0.5), np.array(0.3), noise)
