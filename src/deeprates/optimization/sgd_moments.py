"""Mini-batch SGD with momentum: the exact second-moment recursion and the noise sum U_Sigma.

Setting (arXiv:2206.11124, Velikanov, Kuznedelev & Yarotsky, eq. 1): w_{t+1} = w_t + v_{t+1},
v_{t+1} = -alpha grad L_B(w_t) + beta v_t on a linear model with eigenvalues lambda_k. Per mode the
error e_k and velocity v_k have second moments x = E e^2, y = E e v, z = E v^2; the mini-batch
gradient is lambda e + n with conditionally centred noise of variance

    E[n_k^2 | state] = gamma (lambda_k * 2 L - tau lambda_k^2 x_k),     L = 1/2 sum_k lambda_k x_k,

the paper's "spectrally expressible" form. It is exact, with no approximation, for
- Gaussian features x ~ N(0, diag lambda), batches of b fresh samples: gamma = 1/b, tau = -1
  (the fourth moment of a Gaussian, E[x x^T M x x^T] = 2 Lambda M Lambda + Lambda tr(Lambda M));
- the translation-invariant finite problem (features sqrt(lambda_k) exp(2 pi i k x / N) on the
  N points x of Z_N, batches of b distinct points): gamma = (N - b) / ((N - 1) b) (sampling without
  replacement), tau = +1, because |feature_k(x)|^2 = lambda_k at every x.
With it the diagonal second moments close, so the loss is computed exactly, in float64.

Noise sum (derived here from the recursion and checked against it in the tests):
    U_Sigma = gamma alpha sum_k lambda_k (1 + beta) /
              (alpha beta lambda_k (tau gamma + 1) + alpha lambda_k (tau gamma - 1) - 2 beta^2 + 2).
The loss obeys L_t = V_t + sum_{s<t} U_{t-s} L_s (V: the noise-free part), so it converges iff
every mode is stable and U_Sigma < 1. In the signal-dominated phase L_t ~ V_t / (1 - U_Sigma) with
V_t ~ L_GF(alpha_eff t), alpha_eff = alpha / (1 - beta); in the noise-dominated phase
L_t ~ U_t sum_s L_s / (1 - U_Sigma) (the tail of a renewal sequence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprates.optimization.divergence import BLOWUP_FACTOR, Outcome
from deeprates.optimization.spectra import Problem


@dataclass(frozen=True)
class NoiseModel:
    gamma: float
    tau: float
    label: str

    @classmethod
    def gaussian(cls, batch: int) -> NoiseModel:
        """Online Gaussian features, batch b: gamma = 1/b, tau = -1."""
        return cls(1.0 / batch, -1.0, f"Gaussian features, batch {batch}")

    @classmethod
    def translation_invariant(cls, n_points: int, batch: int) -> NoiseModel:
        """Finite translation-invariant problem of N points, batches of b distinct points."""
        if not 1 <= batch <= n_points:
            raise ValueError(f"batch {batch} must be in [1, N={n_points}]")
        gamma = (n_points - batch) / ((n_points - 1) * batch) if n_points > 1 else 0.0
        return cls(gamma, 1.0, f"translation-invariant, N={n_points}, batch {batch}")


def mode_matrices(lam: np.ndarray, alpha: float, beta: float, noise: NoiseModel) -> np.ndarray:
    """The homogeneous 3x3 maps (x, y, z) -> (x', y', z') per mode, shape (N, 3, 3).

    The noise's own-mode part -tau gamma alpha^2 lambda^2 x enters every row (e' and v' both carry
    -alpha n); the shared part 2 gamma alpha^2 lambda L is the injection (see U_Sigma).
    """
    lam = np.asarray(lam, dtype=float)
    a = alpha * lam
    c = -noise.tau * noise.gamma * a * a
    A = np.empty(a.shape + (3, 3))  # alpha, beta may be arrays of shape (..., 1): (..., N, 3, 3)
    b2 = beta * beta
    A[..., 0, 0] = (1 - a) ** 2 + c
    A[..., 0, 1] = 2 * (1 - a) * beta
    A[..., 0, 2] = b2
    A[..., 1, 0] = -a * (1 - a) + c
    A[..., 1, 1] = beta * (1 - 2 * a)
    A[..., 1, 2] = b2
    A[..., 2, 0] = a * a + c
    A[..., 2, 1] = -2 * a * beta
    A[..., 2, 2] = b2
    return A


def modes_stable(lam: np.ndarray, alpha: float, beta: float, noise: NoiseModel) -> bool:
    """Every mode's homogeneous second-moment map has spectral radius < 1."""
    A = mode_matrices(lam, alpha, beta, noise)
    return bool(np.max(np.abs(np.linalg.eigvals(A))) < 1.0)


def stability_margin(lam: np.ndarray, alpha: np.ndarray, beta: np.ndarray, noise: NoiseModel,
                     check_modes: int | None = None) -> np.ndarray:
    """How far (alpha, beta) is from the edges `noise_sum` tests, in the quantities it compares:
    min(|1 - spectral radius| over the first `check_modes` modes, |den| / 2 over all modes)
    (den = 2 at alpha = beta = 0). Near 0 (a few eps) the test's answer, finite or +inf, is the
    rounding of alpha and beta: e.g. batch 1, alpha = 1, beta = 0, lambda = 1 is exactly
    marginal (spectral radius 1), and a second machine got inf where the first got 1.27.
    alpha, beta: arrays of one shape (a grid of cells), the margin per cell."""
    lam = np.asarray(lam, dtype=float)
    al, be = np.asarray(alpha, float)[..., None], np.asarray(beta, float)[..., None]
    g, tau = noise.gamma, noise.tau
    den = al * be * lam * (tau * g + 1) + al * lam * (tau * g - 1) - 2 * be**2 + 2
    A = mode_matrices(lam[:check_modes], al, be, noise)
    rho = np.abs(np.linalg.eigvals(A)).max(axis=(-2, -1))
    return np.minimum(np.abs(1.0 - rho), np.abs(den).min(axis=-1) / 2)


def noise_sum(lam: np.ndarray, alpha: float, beta: float, noise: NoiseModel,
              mult: np.ndarray | None = None, check_modes: int | None = None) -> float:
    """U_Sigma in closed form (arXiv:2206.11124). +inf where a mode is unstable.

    `mult`: modes per eigenvalue (quadrature nodes of an infinite tail). `check_modes`: check
    each mode's own stability on the first (largest) `check_modes` eigenvalues only; it depends
    on alpha lambda_k, which is tiny beyond them, and the eigenvalue check dominates the cost on
    grids of thousands of (alpha, beta) cells.
    """
    lam = np.asarray(lam, dtype=float)
    mult = np.ones_like(lam) if mult is None else np.asarray(mult, dtype=float)
    g, tau = noise.gamma, noise.tau
    den = alpha * beta * lam * (tau * g + 1) + alpha * lam * (tau * g - 1) - 2 * beta**2 + 2
    if not modes_stable(lam[:check_modes], alpha, beta, noise) or np.any(den <= 0):
        return float("inf")
    return float(g * alpha * np.sum(mult * lam * (1 + beta) / den))


def boundary_alpha(lam: np.ndarray, beta: float, noise: NoiseModel, alpha_hi: float,
                   check_modes: int | None = None) -> float:
    """The learning rate where U_Sigma(alpha, beta) = 1 (U grows with alpha), or alpha_hi if it
    is never reached below it: the edge of the stability region at this momentum."""
    from scipy.optimize import brentq

    def f(a: float) -> float:
        return min(noise_sum(lam, a, beta, noise, check_modes=check_modes), 10.0) - 1.0

    if f(alpha_hi) < 0:
        return alpha_hi
    return brentq(f, 1e-9, alpha_hi, xtol=1e-10)


def deterministic_boundary_alpha(lam_max: float, beta: float) -> float:
    """Heavy ball without gradient noise is stable iff |beta| < 1 and alpha lambda_max <
    2 (1 + beta) (Polyak): the boundary SGD would have if the noise did not matter."""
    return 2.0 * (1.0 + beta) / lam_max


@dataclass(frozen=True)
class BestRate:
    """The final loss minimised over the learning rate at one momentum."""

    alpha_grid: np.ndarray
    final_grid: np.ndarray
    best_alpha: float
    best_final: float


def best_final_loss(problem: Problem, beta: float, noise: NoiseModel, alpha_edge: float,
                    points: int, steps: int) -> BestRate:
    """min over alpha in (0, alpha_edge) of the loss after `steps` steps: a grid of `points`
    learning rates, then Brent's method between the best grid point's neighbours (the gains
    between momenta are a few percent, finer than a grid resolves)."""
    from scipy.optimize import minimize_scalar

    grid = np.linspace(alpha_edge / points, alpha_edge, points)[:-1]
    run = grid_final_losses(problem, grid, np.full(grid.size, beta), noise, steps)
    F = np.where(run.diverged, np.inf, run.final)
    i = int(np.argmin(F))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]

    def final(a: float) -> float:
        r = grid_final_losses(problem, np.array([a]), np.array([beta]), noise, steps)
        return float(r.final[0]) if not r.diverged[0] else np.inf

    opt = minimize_scalar(final, bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-5 * alpha_edge})
    if opt.fun <= F[i]:
        return BestRate(grid, run.final, float(opt.x), float(opt.fun))
    return BestRate(grid, run.final, float(grid[i]), float(F[i]))


def noise_sum_bruteforce(lam: np.ndarray, alpha: float, beta: float, noise: NoiseModel,
                         steps: int) -> float:
    """sum_{t=1}^{steps} U_t by iterating the recursion's impulse response (for tests)."""
    A = mode_matrices(lam, alpha, beta, noise)
    s = np.ones((lam.size, 3))
    w = noise.gamma * alpha**2 * np.asarray(lam, dtype=float) ** 2
    total = 0.0
    for _ in range(steps):
        total += float(np.dot(w, s[:, 0]))
        s = np.einsum("kij,kj->ki", A, s)
    return total


@dataclass(frozen=True)
class MomentRun:
    steps: np.ndarray
    loss: np.ndarray  # NaN after a divergence
    outcome: Outcome
    noise_kernel: np.ndarray | None  # U_t at `steps` when requested

    def to_dict(self) -> dict:
        d = {"steps": self.steps, "loss": self.loss, "outcome": self.outcome.to_dict()}
        if self.noise_kernel is not None:
            d["noise_kernel"] = self.noise_kernel
        return d


def sgd_second_moments(problem: Problem, alpha: float, beta: float, noise: NoiseModel,
                       steps: np.ndarray, *, noise_kernel: bool = False, inject: bool = True,
                       progress=None) -> MomentRun:
    """Expected loss of SGD with momentum from w = 0, v = 0, exactly, at the logged `steps`.

    Per node: x(0) = rho / (mult lambda); the loss is 1/2 sum mult lambda x + frozen/2 (frozen
    modes are too slow to move but their error still feeds the gradient noise). Stops at the first
    blow-up (loss non-finite or above BLOWUP_FACTOR x L_0) and records its step. With
    `noise_kernel`, also runs the impulse response giving U_t (t >= 1) at the logged steps. With
    `inject=False` the shared noise is switched off: the loss is then V_t, the noise-free part of
    the renewal equation L_t = V_t + sum_s U_{t-s} L_s.
    """
    lam = problem.eigenvalues
    mult = problem.multiplicity
    steps = np.asarray(steps, dtype=np.int64)
    a = alpha * lam
    c = -noise.tau * noise.gamma * a * a
    b2 = beta * beta
    # rows of the homogeneous map; the injection inj_k * L is added to every component
    cxx, cxy = (1 - a) ** 2 + c, 2 * (1 - a) * beta
    cyx, cyy = -a * (1 - a) + c, beta * (1 - 2 * a)
    czx, czy = a * a + c, -2 * a * beta
    inj = 2.0 * noise.gamma * alpha**2 * lam * (1.0 if inject else 0.0)
    half_lam = 0.5 * lam * mult
    frozen_half = 0.5 * problem.frozen

    def evolve(x, y, z, L):
        shared = b2 * z + inj * L
        return (cxx * x + cxy * y + shared, cyx * x + cyy * y + shared, czx * x + czy * y + shared)

    x = problem.rho / (mult * lam)
    y = np.zeros_like(x)
    z = np.zeros_like(x)
    L0 = float(np.dot(half_lam, x)) + frozen_half
    if noise_kernel:  # impulse response: unit L injected at time 0 -> U_t = 1/2 sum lambda x_t
        unit = 2.0 * noise.gamma * alpha**2 * lam
        ux, uy, uz = unit.copy(), unit.copy(), unit.copy()
        kern = np.full(steps.size, np.nan)
    losses = np.full(steps.size, np.nan)
    outcome = Outcome(False, None)
    j = 0
    T = int(steps[-1])
    it = range(T + 1)
    for t in (progress(it, "SGD moment recursion") if progress else it):
        L = float(np.dot(half_lam, x)) + frozen_half
        if t == steps[j]:
            losses[j] = L
            if noise_kernel:
                kern[j] = float(np.dot(half_lam, ux)) if t >= 1 else 0.0
            j += 1
        if not np.isfinite(L) or L > BLOWUP_FACTOR * L0:
            what = "non-finite" if not np.isfinite(L) else f"above {BLOWUP_FACTOR:g} x initial"
            outcome = Outcome(True, t, f"loss {what} at step {t}")
            break  # later logged losses stay NaN
        if t == T:
            break
        x, y, z = evolve(x, y, z, L)
        if noise_kernel and t >= 1:
            ux, uy, uz = evolve(ux, uy, uz, 0.0)
    return MomentRun(steps, losses, outcome, kern if noise_kernel else None)


def effective_lr(alpha: float, beta: float) -> float:
    """alpha_eff = alpha / (1 - beta): heavy ball on slow modes acts as GD with this rate."""
    return alpha / (1.0 - beta)


def _grid_kernel():
    """Compiled lazily: numba is imported only by the jobs that need the grid recursion."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def kernel(lam, mult, x0, frozen_half, alphas, betas, gamma, tau, T, blowup):
        C = alphas.size
        N = lam.size
        final = np.full(C, np.nan)
        half = np.full(C, np.nan)
        blown = np.full(C, -1, dtype=np.int64)
        x = np.empty(N)
        y = np.empty(N)
        z = np.empty(N)
        for c in range(C):
            al = alphas[c]
            be = betas[c]
            b2 = be * be
            L0 = frozen_half
            for k in range(N):
                x[k] = x0[k]
                y[k] = 0.0
                z[k] = 0.0
                L0 += 0.5 * mult[k] * lam[k] * x0[k]
            L = L0
            for t in range(T + 1):
                if t == T // 2:
                    half[c] = L
                if not (L <= blowup * L0):  # catches NaN too
                    blown[c] = t
                    break
                if t == T:
                    final[c] = L
                    break
                Lnew = frozen_half
                for k in range(N):
                    a = al * lam[k]
                    cc = -tau * gamma * a * a
                    shared = b2 * z[k] + 2.0 * gamma * al * a * L
                    xk = x[k]
                    yk = y[k]
                    xn = ((1 - a) * (1 - a) + cc) * xk + 2 * (1 - a) * be * yk + shared
                    yn = (-a * (1 - a) + cc) * xk + be * (1 - 2 * a) * yk + shared
                    zn = (a * a + cc) * xk - 2 * a * be * yk + shared
                    x[k] = xn
                    y[k] = yn
                    z[k] = zn
                    Lnew += 0.5 * mult[k] * lam[k] * xn
                L = Lnew
        return final, half, blown

    return kernel


_KERNEL = None


@dataclass(frozen=True)
class GridRun:
    """Final losses of many (alpha, beta) runs of the same problem and noise model."""

    final: np.ndarray  # loss at step T; NaN where the run blew up
    half: np.ndarray  # loss at step T // 2 (NaN if blown up before)
    blowup_step: np.ndarray  # first step with a blown-up loss, -1 if none
    steps: int

    @property
    def diverged(self) -> np.ndarray:
        """Blown up, or loss higher at the end than at half time (growing: not converging)."""
        return (self.blowup_step >= 0) | (self.final > self.half)


def grid_final_losses(problem: Problem, alphas: np.ndarray, betas: np.ndarray,
                      noise: NoiseModel, steps: int) -> GridRun:
    """The exact recursion for each (alpha_i, beta_i) pair, compiled (numba), float64."""
    global _KERNEL
    if _KERNEL is None:
        _KERNEL = _grid_kernel()
    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    betas = np.ascontiguousarray(betas, dtype=np.float64)
    if alphas.shape != betas.shape or alphas.ndim != 1:
        raise ValueError("alphas and betas must be 1-D arrays of equal length")
    mult = problem.multiplicity
    x0 = problem.rho / (mult * problem.eigenvalues)
    final, half, blown = _KERNEL(problem.eigenvalues, mult, x0, 0.5 * problem.frozen, alphas,
                                 betas, float(noise.gamma), float(noise.tau), int(steps),
                                 float(BLOWUP_FACTOR))
    return GridRun(final, half, blown, int(steps))
