"""Deterministic optimisers on diagonal quadratics (arXiv:2202.00992, Velikanov & Yarotsky).

All act on the error e = w - w* of a `spectra.Problem`, e_0 = sqrt(rho / lambda), and log the
loss 1/2 sum lambda e^2 at the requested steps:
- GD with a constant learning rate (closed form, `Problem.gd_loss`, and the iteration here for
  the tests);
- steepest descent: exact line search lr_t = |g|^2 / g^T H g;
- Heavy Ball with the Jacobi schedule: the residual polynomials are normalised Jacobi polynomials
  P_n^(a,b)(1 - lr lambda) / P_n^(a,b)(1), so lr = 2 / lambda_max maps the spectrum onto [-1, 1];
- conjugate gradients, as its exact-arithmetic loss (the Christoffel function of the spectral
  measure at 0, from the measure's recurrence coefficients): see `conjugate_gradients`.
Theory (the paper's power-law analysis): loss ~ t^-zeta for GD and steepest descent, t^-2 zeta for
the Jacobi Heavy Ball (when a > zeta - 1/2) and for CG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deeprates.optimization.divergence import Outcome, first_blowup
from deeprates.optimization.spectra import Problem


@dataclass(frozen=True)
class Trajectory:
    steps: np.ndarray
    loss: np.ndarray
    outcome: Outcome

    def to_dict(self) -> dict:
        return {"steps": self.steps, "loss": self.loss, "outcome": self.outcome.to_dict()}


def _check_steps(steps: np.ndarray) -> np.ndarray:
    steps = np.asarray(steps, dtype=np.int64)
    if steps.ndim != 1 or steps.size == 0 or steps[0] < 0 or np.any(np.diff(steps) <= 0):
        raise ValueError("log steps must be a non-empty increasing array of non-negative integers")
    return steps


def _loss(lam: np.ndarray, e: np.ndarray) -> float:
    return 0.5 * float(np.dot(lam, e * e))


def _finish(steps: np.ndarray, losses: list[float], loss0: float) -> Trajectory:
    loss = np.full(steps.size, np.nan)
    loss[: len(losses)] = losses
    return Trajectory(steps, loss, first_blowup(steps[: len(losses)], np.array(losses), loss0))


def jacobi_schedule(n_steps: int, lr: float, a: float, b: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Learning rates alpha_n and momenta beta_n of Heavy Ball with the Jacobi schedule.

    alpha_n = lr (2n+a+b+1)(2n+a+b+2) / (2 (n+a+1)(n+a+b+1)),
    beta_n  = n (n+b)(2n+a+b+2) / ((n+a+1)(n+a+b+1)(2n+a+b))   (beta_0 = 0),
    the three-term recurrence of P_n^(a,b)(1 - lr lambda) / P_n^(a,b)(1) (FIGURES.md C1; checked
    against scipy's Jacobi polynomials in the tests).
    """
    n = np.arange(n_steps, dtype=float)
    s = 2 * n + a + b
    alpha = lr * (s + 1) * (s + 2) / (2 * (n + a + 1) * (n + a + b + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.where(n > 0, n * (n + b) * (s + 2) / ((n + a + 1) * (n + a + b + 1) * s), 0.0)
    return alpha, beta


def jacobi_a(zeta: float) -> float:
    """The Jacobi parameter a used when the config says `auto`: max(1/2, zeta).

    The rate 2 zeta needs a > zeta - 1/2: the normalised Jacobi polynomial decays like
    (n^2 lambda)^-(a/2 + 1/4) beyond lambda ~ n^-2, so int P_n^2 lambda^(zeta-1) d lambda
    ~ n^-2 zeta only if a + 1/2 > zeta (at equality a log factor appears). a = zeta is the weight
    lambda d rho / d lambda ~ lambda^zeta of the loss-optimal (CG) polynomials; the floor 1/2 is
    the catalog's lower limit.
    """
    return max(0.5, zeta)


def gradient_descent(problem: Problem, steps: np.ndarray, lr: float, progress=None) -> Trajectory:
    """Iterated GD e <- (1 - lr lambda) e (the closed form is Problem.gd_loss)."""
    steps = _check_steps(steps)
    lam = problem.eigenvalues
    e = problem.e0.copy()
    factor = 1.0 - lr * lam
    losses, j = [], 0
    it = range(int(steps[-1]) + 1)
    for t in (progress(it, "GD steps") if progress else it):
        if t == steps[j]:
            losses.append(_loss(lam, e))
            j += 1
        if t == steps[-1]:
            break
        e *= factor
    return _finish(steps, losses, problem.loss0)


def steepest_descent(problem: Problem, steps: np.ndarray, progress=None) -> Trajectory:
    """Exact line search along the gradient: lr_t = g.g / g.Hg, g = H e."""
    steps = _check_steps(steps)
    lam = problem.eigenvalues
    e = problem.e0.copy()
    g = np.empty_like(e)
    losses, j = [], 0
    it = range(int(steps[-1]) + 1)
    for t in (progress(it, "steepest descent") if progress else it):
        if t == steps[j]:
            losses.append(_loss(lam, e))
            j += 1
        if t == steps[-1]:
            break
        np.multiply(lam, e, out=g)
        gg = float(np.dot(g, g))
        gHg = float(np.dot(lam, g * g))
        if gHg == 0.0:  # exact solution reached
            e[:] = 0.0
            continue
        e -= (gg / gHg) * g
    return _finish(steps, losses, problem.loss0)


def heavy_ball(problem: Problem, steps: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
               progress=None) -> Trajectory:
    """Heavy Ball e_{n+1} = e_n - alpha_n lambda e_n + beta_n (e_n - e_{n-1}), schedule given."""
    steps = _check_steps(steps)
    T = int(steps[-1])
    if alpha.size < T or beta.size < T:
        raise ValueError(f"schedule has {alpha.size} steps, {T} needed")
    lam = problem.eigenvalues
    e = problem.e0.copy()
    e_prev = e.copy()
    tmp = np.empty_like(e)
    losses, j = [], 0
    it = range(T + 1)
    for n in (progress(it, "Heavy Ball") if progress else it):
        if n == steps[j]:
            losses.append(_loss(lam, e))
            j += 1
            if not np.isfinite(losses[-1]):
                break
        if n == T:
            break
        # tmp = (1 + beta - alpha lam) e - beta e_prev
        np.multiply(lam, e, out=tmp)
        tmp *= -alpha[n]
        tmp += (1.0 + beta[n]) * e
        tmp -= beta[n] * e_prev
        e_prev, e, tmp = e, tmp, e_prev
    return _finish(steps, losses, problem.loss0)


def lanczos_coefficients(nodes: np.ndarray, weights: np.ndarray, m: int,
                         progress=None) -> tuple[np.ndarray, np.ndarray]:
    """First m recurrence coefficients (alpha_j, beta_j) of the measure sum_k w_k delta(x - x_k).

    Monic orthogonal polynomials pi_{j+1} = (x - alpha_j) pi_j - beta_j pi_{j-1}, beta_0 = sum w.
    The RKPW algorithm (Gragg & Harrod, Numer. Math. 44 (1984) 317; W. Gautschi, "Orthogonal
    Polynomials: Computation and Approximation" (2004) Sec. 2.2.3, OPQ `lanczos.m`): nodes are
    added one at a time, each by a chain of Givens-like rotations down the Jacobi matrix. It is
    backward stable, unlike the Stieltjes procedure or the Lanczos/CG vector recurrences, whose
    loss of orthogonality on a spectrum with isolated top eigenvalues changes the results from
    the ~10th step on (docs/reproducibility.md). Row k of node n depends only on rows < k of the
    same node and on row k after node n-1, so rows beyond m are never needed, and all (node,
    row) pairs on one anti-diagonal are independent: each anti-diagonal is one vectorised
    step. Only elementwise IEEE operations, no reductions: the result does not depend on the
    BLAS, the thread count or the CPU's SIMD width (bit for bit).
    """
    x = np.asarray(nodes, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 1 or x.shape != w.shape or x.size == 0 or np.any(w < 0):
        raise ValueError("nodes and weights: equal 1-d arrays, weights >= 0")
    n_nodes = x.size
    m = min(int(m), n_nodes)
    alpha = x[:m].copy()          # p0 in OPQ: row k starts at the node that first reaches it
    beta = np.zeros(m)            # p1
    beta[0] = w[0]
    gam = np.ones(n_nodes)        # per-node state of its rotation chain
    sig = np.zeros(n_nodes)
    t = np.zeros(n_nodes)
    pn = w.copy()
    diagonals = range(1, n_nodes + m - 1)
    for d in (progress(diagonals, "Lanczos coefficients (RKPW)") if progress else diagonals):
        # node n (>= 1) meets row k = d - n, with k <= n and k < m
        lo, hi = max(1, (d + 1) // 2, d - m + 1), min(n_nodes - 1, d)
        if lo > hi:
            continue
        ns = slice(lo, hi + 1)
        ks = slice(d - lo, d - hi - 1 if d > hi else None, -1)
        b_k, a_k, p_n, s_n, t_n = beta[ks], alpha[ks], pn[ns], sig[ns], t[ns]
        rho = b_k + p_n
        pos = rho > 0
        safe = np.where(pos, rho, 1.0)
        g_new = np.where(pos, b_k / safe, 1.0)
        s_new = np.where(pos, p_n / safe, 0.0)
        t_new = s_new * (a_k - x[ns]) - g_new * t_n
        beta[ks] = gam[ns] * rho
        alpha[ks] = a_k - (t_new - t_n)
        pn[ns] = np.where(s_new > 0, (t_new * t_new) / np.where(s_new > 0, s_new, 1.0), s_n * b_k)
        gam[ns], sig[ns], t[ns] = g_new, s_new, t_new
    return alpha, beta


def conjugate_gradients(problem: Problem, steps: np.ndarray, progress=None) -> Trajectory:
    """CG on H e = 0 from e_0 (equivalently H w = H w* from w = 0), in exact arithmetic.

    CG's error after t steps is P_t(H) e_0 with P_t the degree-t polynomial, P_t(0) = 1, that
    minimises the loss 1/2 sum_k rho_k P(lambda_k)^2 (rho_k = lambda_k e_0k^2). That minimum is
    the Christoffel function of the measure rho at 0: L_t = 1/2 / sum_{j<=t} q_j(0)^2 with q_j
    the orthonormal polynomials of rho (Gautschi 2004, Sec. 1.2 and 3.1.1.3), evaluated at 0 by
    their three-term recurrence (0 lies below the spectrum, q_j(0) grows: the forward recurrence
    is stable). The coefficients come from `lanczos_coefficients`, so L_t is the exact-arithmetic
    CG loss to ~1e-12 (tests), where the float64 vector recurrences of CG drift from it after a
    few steps on spectra with isolated top eigenvalues (loss of orthogonality).
    """
    steps = _check_steps(steps)
    if problem.mult is not None or problem.frozen:
        raise ValueError("conjugate_gradients: explicit modes only (no node multiplicities or frozen mass)")
    keep = problem.rho > 0
    lam, rho = problem.eigenvalues[keep], problem.rho[keep]
    m = min(int(steps[-1]) + 1, lam.size)
    alpha, beta = lanczos_coefficients(lam, rho, m, progress)
    # log of sum_{j<=t} q_j(0)^2, rescaling q when the sum grows: on a discrete spectrum the exact
    # loss falls super-exponentially once t^2 ~ N (to ~1e-500 at N = 10^4, t = 3000)
    log_inv = np.zeros(m)
    q_prev, q = 0.0, 1.0 / math.sqrt(beta[0])
    acc, log_scale = q * q, 0.0
    log_inv[0] = math.log(acc)
    for j in range(m - 1):
        q_prev, q = q, (-alpha[j] * q - (math.sqrt(beta[j]) * q_prev if j else 0.0)) / math.sqrt(beta[j + 1])
        acc += q * q
        if acc > 1e150:
            q, q_prev, acc, log_scale = q * 1e-75, q_prev * 1e-75, acc * 1e-150, log_scale + math.log(1e150)
        log_inv[j + 1] = math.log(acc) + log_scale
    log_loss = math.log(0.5) - log_inv[np.minimum(steps, m - 1)]
    # after as many steps as the spectrum has points CG has solved the problem exactly; a loss
    # below float64's normal range is written as 0 (subnormals would carry fewer digits)
    tiny = np.finfo(float).tiny
    with np.errstate(under="ignore"):
        loss = np.where(steps < m, np.exp(log_loss), 0.0)
    loss[loss < tiny] = 0.0
    return Trajectory(steps, loss, first_blowup(steps, loss, problem.loss0))
