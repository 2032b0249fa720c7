"""Gradient flow on a kernel through the eigendecomposition of its Gram matrix.

For the loss L = (1/2n) |f - y|^2 and gradient flow df/dt = -(1/n) K (f - y) from f = 0, the
residual is exp(-t K/n) y, so with K/n = sum_k lambda_k u_k u_k^T (u_k orthonormal in R^n)
    L(t) = 1/2 sum_k c_k^2 exp(-2 lambda_k t),   c_k^2 = (u_k . y)^2 / n        (exact),
and gradient descent with step lr gives (1 - lr lambda_k)^(2s) in place of exp(-2 lambda_k t).
The power-law frame of arXiv:2105.00507: lambda_k = Lambda k^-nu, sum_{j>=k} c_j^2 = K k^-kappa give
L(t) ~ (K/2) Gamma(zeta + 1) (2 Lambda t)^-zeta with zeta = kappa/nu.
With several targets (columns of Y) c_k^2 and the loss are averaged over them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# torch is imported where a tensor is made (not at the top): figure jobs measure and draw
# from this module's numpy functions without paying torch's ~2 s start-up.
from deeprates.fitting import (PowerLawFit, fit_power_law, geometric_grid, geometric_indices,
                               resolved_modes, spectral_window)


@dataclass
class Spectrum:
    lam: np.ndarray  # eigenvalues of K/n, descending, negatives (rounding) clipped to 0
    c2: np.ndarray  # target weights per mode, averaged over targets; sums to mean |y|^2 / n

    @property
    def n(self) -> int:
        return self.lam.size

    def tail(self) -> np.ndarray:
        """sum_{j >= k} c_j^2 for k = 1..n."""
        return np.cumsum(self.c2[::-1])[::-1]

    @property
    def floor(self) -> float:
        """Rounding floor of the computed eigenvalues: a float64 symmetric eigensolver is
        backward stable, |lambda_k error| <= p(n) eps ||K/n||_2 with p(n) <= n (the rank
        tolerance of numpy.linalg.matrix_rank). Eigenvalues below it are not resolved: rounding
        noise of either sign (d = 1 random features: ~1e-17 of the top one, clipped to 0)."""
        return self.n * float(np.finfo(float).eps) * float(self.lam[0])

    def window(self, k_lo: int = 10, k_hi_fraction: float = 1 / 20) -> tuple[float, float]:
        """Fit window in time: mode k_lo learned .. mode n k_hi_fraction learned (rate 2 lambda),
        ending by the last resolved eigenvalue."""
        return spectral_window(self.lam, rate=2.0, k_lo=k_lo, k_hi_fraction=k_hi_fraction,
                               floor=self.floor)

    def mode_range(self, k_lo: int = 10, k_hi_fraction: float = 1 / 20) -> tuple[int, int]:
        """The modes the exponent fits use: as `window`, k_lo .. n k_hi_fraction, resolved."""
        n, resolved = resolved_modes(self.lam, self.floor)
        return k_lo, min(int(n * k_hi_fraction), resolved)

    def flow_loss(self, t: np.ndarray) -> np.ndarray:
        """Exact gradient-flow loss at times t."""
        t = np.asarray(t, dtype=float)
        out = np.empty_like(t)
        for i in range(0, t.size, 64):
            out[i:i + 64] = 0.5 * (self.c2[None, :] * np.exp(-2.0 * np.outer(t[i:i + 64], self.lam))).sum(1)
        return out

    def gd_loss(self, steps: np.ndarray, lr: float) -> np.ndarray:
        """Exact loss of gradient descent with step lr after `steps` steps."""
        q = (1.0 - lr * self.lam) ** 2
        if np.any(q > 1.0 + 1e-12):
            raise ValueError(f"lr = {lr:g} is unstable: above 2 / lambda_max = {2 / self.lam[0]:g}")
        steps = np.asarray(steps, dtype=float)
        return np.array([0.5 * float((self.c2 * q ** s).sum()) for s in steps])

    def time_grid(self, k_lo: int = 10, k_hi_fraction: float = 1 / 20, margin_decades: float = 1.0,
                  per_decade: int = 40) -> np.ndarray:
        lo, hi = self.window(k_lo, k_hi_fraction)
        f = 10.0 ** margin_decades
        return geometric_grid(lo / f, hi * f, per_decade)


def decompose(K: torch.Tensor, Y: np.ndarray | torch.Tensor) -> Spectrum:
    """Eigendecomposition of K/n (float64, on K's device) and the targets' mode weights."""
    import torch

    if K.dtype != torch.float64:
        raise ValueError("spectral computations need float64 (eigenvalues span ~10 decades)")
    n = K.shape[0]
    evals, evecs = torch.linalg.eigh(K / n)
    evals, evecs = evals.flip(0), evecs.flip(1)
    Yt = torch.as_tensor(np.asarray(Y) if not isinstance(Y, torch.Tensor) else Y,
                         dtype=torch.float64, device=K.device)
    if Yt.ndim == 1:
        Yt = Yt[:, None]
    proj = evecs.T @ Yt
    c2 = (proj * proj).mean(dim=1) / n
    lam = evals.clamp_min(0.0).cpu().numpy()
    return Spectrum(lam, c2.cpu().numpy())


@dataclass
class SpectralFits:
    xi: PowerLawFit  # loss vs time
    nu: PowerLawFit  # eigenvalues vs k
    kappa: PowerLawFit  # tail sums vs k

    @property
    def ratio(self) -> float:
        """kappa_hat / nu_hat: the exponent the measured spectrum predicts."""
        return self.kappa.exponent / self.nu.exponent

    def predicted_loss(self, t: np.ndarray) -> np.ndarray:
        """(K/2) Gamma(zeta+1) (2 Lambda t)^-zeta from the fitted spectrum (arXiv:2105.00507)."""
        zeta = self.ratio
        return (0.5 * self.kappa.prefactor * math.gamma(zeta + 1)
                * (2 * self.nu.prefactor * np.asarray(t)) ** (-zeta))


def fit_spectrum(spec: Spectrum, t: np.ndarray, loss: np.ndarray, *, tol: float,
                 k_lo: int = 10, k_hi_fraction: float = 1 / 20,
                 window: tuple[float, float] | None = None) -> SpectralFits:
    """xi from the loss on the spectral window; nu, kappa on modes k in [k_lo, n k_hi_fraction].

    `loss` may be (n_seeds, len(t)) for a bootstrap over seeds.
    """
    win = window or spec.window(k_lo, k_hi_fraction)
    kr = spec.mode_range(k_lo, k_hi_fraction)
    k = geometric_indices(kr[1], per_decade=40, start=kr[0])  # every decade of k weighs the same
    return SpectralFits(
        xi=fit_power_law(t, loss, win, tol=tol),
        nu=fit_power_law(k, spec.lam[k - 1], kr),
        kappa=fit_power_law(k, spec.tail()[k - 1], kr),
    )


def fits_summary(f: SpectralFits) -> dict:
    return {"xi": f.xi.to_dict(), "nu": f.nu.to_dict(), "kappa": f.kappa.to_dict(),
            "kappa_over_nu": f.ratio}
