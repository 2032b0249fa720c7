"""The beam operator of arXiv:1810.03974 (appendix; reused by 2504.12519) and its exact spectrum.

k(s, s') = int_0^1 (x - s)_+ (x - s')_+ dx on L2[0, 1] is the Gram kernel of the ReLU features
(x - s)_+ and the Green's function of u'''' = mu^-1 u for a cantilever (clamped at s = 1, free
at s = 0): its eigenvalues are exactly xi_k^-4 with 1 + cos(xi) cosh(xi) = 0,
xi_0 = 1.87510..., xi_k -> (k + 1/2) pi. So nu = 4. A target with jumps J_i inside (0, 1) has
coefficients c_k^2 ~ (sum J_i^2) / (pi k)^2 on average (eigenfunctions ~ sqrt 2 sin(xi_k x + phi)),
i.e. tail K k^-1 with K = sum J_i^2 / pi^2, kappa = 1 and zeta = 1/4; gradient flow then gives
L(t) ~ (K/2) Gamma(5/4) (2 Lambda t)^-1/4 with Lambda = pi^-4 (arXiv:2105.00507).
"""

from __future__ import annotations

import math

import numpy as np

from deeprates.beam_roots import cantilever_roots

# torch is imported where a tensor is made (not at the top): figure jobs measure and draw
# from this module's numpy functions without paying torch's ~2 s start-up.


def exact_eigenvalues(count: int) -> np.ndarray:
    return cantilever_roots(count) ** -4.0


def kernel(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """k(s, t) = int_{max(s,t)}^1 (x - s)(x - t) dx, vectorised over the outer product."""
    m = np.maximum(s[:, None], t[None, :])
    S = s[:, None] + t[None, :]
    P = s[:, None] * t[None, :]

    def F(x):
        return x ** 3 / 3 - S * x ** 2 / 2 + P * x

    return F(1.0) - F(m)


def midpoints(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def gram(n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """k(s_i, s_j) on the n midpoints, float64 on `device`. The eigenvalues of gram/n (the
    midpoint Nystrom discretisation) approximate the operator's; `spectral.decompose` uses them
    and c_k = u_k . f(s) / sqrt n, so the loss is the midpoint rule for 1/2 int (f_t - f)^2."""
    import torch

    s = torch.tensor(midpoints(n), dtype=torch.float64, device=device)
    out = torch.empty(n, n, dtype=torch.float64, device=device)
    for i in range(0, n, 2048):  # row blocks: no n x n temporaries (paper size n = 20000)
        a = s[i:i + 2048, None]
        m = torch.maximum(a, s[None, :])
        S, P = a + s[None, :], a * s[None, :]
        out[i:i + 2048] = (1 / 3 - S / 2 + P) - (m ** 3 / 3 - S * m ** 2 / 2 + P * m)
    return out


def interval_target(n: int, lo: float, hi: float) -> np.ndarray:
    s = midpoints(n)
    return ((s >= lo) & (s < hi)).astype(np.float64)


def jump_constant(lo: float, hi: float) -> float:
    """K = sum of squared interior jumps / pi^2 for the indicator of [lo, hi]."""
    jumps = sum(1 for p in (lo, hi) if 0.0 < p < 1.0)
    return jumps / math.pi ** 2


def predicted_loss(t: np.ndarray, K: float) -> np.ndarray:
    """(K/2) Gamma(5/4) (2 t / pi^4)^-1/4: nu = 4, Lambda = pi^-4, zeta = 1/4."""
    return 0.5 * K * math.gamma(1.25) * (2 * np.asarray(t) / math.pi ** 4) ** -0.25
