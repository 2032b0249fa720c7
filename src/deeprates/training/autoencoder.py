"""The weight-tied linear autoencoder in the isotropic case (B4; arXiv:2606.05335, our derivation).

f(x) = W^T W x with W in R^(H x d) and population loss under isotropic data x ~ N(0, I_d):
    L(W) = (1/2d) |W^T W - I|_F^2,    grad L = (2/d) W (W^T W - I).
Gradient flow: G = W W^T obeys dG/dt = (4/d)(G - G^2), so every eigenvalue of G follows the
logistic law in tau = 4t/d:  g(tau; s) = s e^tau / (1 - s + s e^tau), with s its initial value.
The nonzero eigenvalues of W^T W are those of G, hence
    L(tau) = (1/2d) [ sum_{s_i > 0} (1 - g(tau; s_i))^2 + d - min(H, d) ]         (exact, finite d)
and for W0 with iid N(0, sigma^2/d) entries, as d -> oo with r = H/d fixed, the spectrum of G0
tends to Marchenko-Pastur MP_{r, sigma^2}:
    L(tau) -> 1/2 [ (1 - r)_+ + r int_{s>0} (1 - g(tau; s))^2 dMP_{r,sigma^2}(s) ].
(For r <= 1 this is the formula of docs/figures/linear-autoencoder.md; for r > 1 MP has an atom
1 - 1/r at 0 whose modes never learn, and the integral runs over the continuous part, of mass 1/r.)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from deeprates.training.checkpoint import Checkpoint
from deeprates.training.loop import record_steps, train

# torch is imported where a tensor is made (not at the top): figure jobs measure and draw
# from this module's numpy functions without paying torch's ~2 s start-up.

# Compare with the d -> oo limit only while at least this many eigenvalues are still unlearned
# (s e^tau < 1): later the loss is carried by a handful of the smallest eigenvalues of one draw,
# whose positions fluctuate at finite d (most visibly at the hard edge s = 0 when r = 1; with
# 20 the mean over 8 draws at d = 400, r = 1 already departs by 0.9%, with 50 by 0.07%).
MIN_UNLEARNED = 50


def logistic(tau: np.ndarray, s: np.ndarray) -> np.ndarray:
    """g(tau; s) for every (tau, s) pair: (len(tau), len(s))."""
    e = np.exp(np.asarray(tau, dtype=float))[:, None]
    s = np.asarray(s, dtype=float)[None, :]
    return s * e / (1.0 - s + s * e)


def loss_logistic(tau: np.ndarray, s0: np.ndarray, d: int, H: int) -> np.ndarray:
    """Exact gradient-flow loss from the initial eigenvalues s0 of G = W W^T (finite d)."""
    s = np.sort(np.asarray(s0, dtype=float))[::-1][: min(H, d)]  # the nonzero ones
    g = logistic(tau, s)
    return (((1.0 - g) ** 2).sum(axis=1) + d - min(H, d)) / (2.0 * d)


def loss_exponential(tau: np.ndarray, s0: np.ndarray, d: int, H: int) -> np.ndarray:
    """The wrong hypothesis the logistic law is tested against: every eigenvalue relaxes as
    g = 1 - (1 - s) e^-tau (the flow linearised at the target G = I), same bookkeeping."""
    s = np.sort(np.asarray(s0, dtype=float))[::-1][: min(H, d)]
    decay = np.exp(-np.asarray(tau, dtype=float))[:, None]
    return ((((1.0 - s)[None, :] * decay) ** 2).sum(axis=1) + d - min(H, d)) / (2.0 * d)


def loss_no_spread(tau: np.ndarray, r: float, sigma2: float) -> np.ndarray:
    """The wrong hypothesis the Marchenko-Pastur limit is tested against: every nonzero
    eigenvalue of G0 at their mean sigma^2 max(1, r) (the trace H sigma^2 over min(H, d) of them)."""
    g = logistic(tau, np.array([sigma2 * max(1.0, r)]))[:, 0]
    return 0.5 * (max(1.0 - r, 0.0) + min(r, 1.0) * (1.0 - g) ** 2)


def mp_edges(r: float, sigma2: float) -> tuple[float, float]:
    return sigma2 * (1 - math.sqrt(r)) ** 2, sigma2 * (1 + math.sqrt(r)) ** 2


@functools.lru_cache(maxsize=8)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


def mp_nodes(r: float, sigma2: float, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature (s_j, w_j) for int h(s) dMP_{r,sigma^2}(s) over the continuous part.

    s = a + (b - a)(1 - cos th)/2 turns the density sqrt((b-s)(s-a)) / (2 pi sigma^2 r s) into a
    smooth function of th (also at the hard edge a = 0 when r = 1), so Gauss-Legendre in th
    converges fast. The weights sum to min(1, 1/r)."""
    a, b = mp_edges(r, sigma2)
    z, w = _gauss_legendre(n)
    th = (z + 1) * math.pi / 2
    s = a + (b - a) * (1 - np.cos(th)) / 2
    sin2 = np.sin(th) ** 2
    # (b-a)^2/4 sin^2 th / s: at s -> 0 (a = 0) use sin^2 th / s = 4 cos^2(th/2) / b
    ratio = np.where(s > 0, sin2 / np.where(s > 0, s, 1.0), 4 * np.cos(th / 2) ** 2 / b)
    dens = (b - a) ** 2 / 4 * ratio / (2 * math.pi * sigma2 * r)
    return s, dens * w * math.pi / 2


def loss_mp(tau: np.ndarray, r: float, sigma2: float) -> np.ndarray:
    s, w = mp_nodes(r, sigma2)
    g = logistic(tau, s)
    return 0.5 * (max(1.0 - r, 0.0) + r * ((1.0 - g) ** 2 * w[None, :]).sum(axis=1))


def comparison_horizon(r: float, sigma2: float, d: int, tau_max: float) -> float:
    """Last tau at which at least MIN_UNLEARNED of the H = r d eigenvalues (in the MP law) satisfy
    s e^tau < 1, i.e. tau = -log s* with H * MP([0, s*]) = MIN_UNLEARNED; capped at tau_max."""
    s, w = mp_nodes(r, sigma2, 800)
    cdf = np.cumsum(w)  # nodes are increasing in s
    need = MIN_UNLEARNED / (r * d)
    if need >= cdf[-1]:
        return 0.0
    s_star = float(np.interp(need, cdf, s))
    return float(min(tau_max, -math.log(s_star))) if s_star > 0 else float(tau_max)


def initial_weights(d: int, H: int, sigma2: float, seed: int) -> torch.Tensor:
    import torch

    gen = torch.Generator().manual_seed(int(seed))
    return torch.randn(H, d, generator=gen, dtype=torch.float64) * math.sqrt(sigma2 / d)


def initial_spectrum(d: int, H: int, sigma2: float, seed: int,
                     device: torch.device | str = "cpu") -> np.ndarray:
    """Eigenvalues of G0 = W0 W0^T, descending (computed on `device`, float64)."""
    import torch

    W = initial_weights(d, H, sigma2, seed).to(device)
    return torch.linalg.eigvalsh(W @ W.T).flip(0).cpu().numpy()


def mean_loss_over_draws(tau: np.ndarray, d: int, H: int, sigma2: float, seeds: list[int],
                         device: torch.device | str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over independent draws of W0 of the exact gradient-flow loss:
    the finite-d quantity whose d -> oo limit is the MP formula (one draw fluctuates by O(1/d))."""
    curves = np.array([loss_logistic(tau, initial_spectrum(d, H, sigma2, s, device), d, H)
                       for s in seeds])
    err = curves.std(axis=0, ddof=1) / math.sqrt(len(seeds)) if len(seeds) > 1 else np.zeros(len(tau))
    return curves.mean(axis=0), err


def train_autoencoder(d: int, H: int, sigma2: float, dtau: float, tau_max: float, *, seed: int,
                      snapshots: tuple[float, ...] = (), device: torch.device | str = "cpu",
                      dtype: torch.dtype | None = None, checkpoint: Checkpoint | None = None,
                      log=None, per_decade: int = 40) -> dict:
    """Euler gradient descent W <- W - lr grad L with lr = d dtau / 4 (one step = dtau in tau).

    Returns tau, the GD loss, the initial spectrum s0 of G and G's spectrum at the recorded
    steps nearest to the `snapshots` times (to compare eigenvalue by eigenvalue with the
    logistic law). dtype: float64 when None."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    device = torch.device(device)
    s0 = initial_spectrum(d, H, sigma2, seed, device)
    W0 = initial_weights(d, H, sigma2, seed).to(dtype=dtype, device=device)
    lr = d * dtau / 4
    n_steps = int(round(tau_max / dtau))
    grid = record_steps(n_steps, per_decade)
    snap_steps = {int(grid[np.argmin(np.abs(grid * dtau - t))]) for t in snapshots}

    def step(st):
        W = st["W"]
        st["W"] = W - lr * (2.0 / d) * ((W @ W.T) @ W - W)

    def record(st, k):
        W = st["W"].to(torch.float64)
        G = W @ W.T
        out = {"loss": float(((G * G).sum() - 2 * G.trace() + d) / (2 * d))}
        if k in snap_steps:
            out["eigenvalues"] = torch.linalg.eigvalsh(G).flip(0).cpu().numpy()
        return out

    _, recs = train({"W": W0}, step, record, n_steps, per_decade=per_decade,
                    checkpoint=checkpoint, device=device, log=log)
    steps = np.array([r["step"] for r in recs])
    tau = steps * dtau
    snaps = [{"tau": float(r["step"] * dtau), "eigenvalues": r["eigenvalues"]}
             for r in recs if "eigenvalues" in r]
    return {"tau": tau, "step": steps, "loss": np.array([r["loss"] for r in recs]),
            "s0": s0, "snapshots": snaps, "lr": lr, "d": d, "H": H, "sigma2": sigma2}
