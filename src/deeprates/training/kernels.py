"""Two-layer ReLU kernels: the infinite-width NTK and random-feature kernels, and the empirical
NTK of a finite network at initialisation (the kernel of its linearisation).

Network (standard parameterisation, bias through x~ = (x, 1)):
    f(x) = m^-1/2 sum_i a_i relu(w_i . x~),   w_i ~ N(0, I_{d+1}),  a_i ~ N(0, 1).
Its tangent kernel is  Theta = (1/m) sum_i [relu(w_i.x~) relu(w_i.x~') + a_i^2 1{w_i.x~ > 0}
1{w_i.x~' > 0} x~.x~'];  the first term alone is the random-feature kernel (output layer trained).
As m -> oo (arc-cosine kernels, Cho & Saul 2009), with theta the angle between x~ and x~':
    k_RF  = |x~||x~'| (sin theta + (pi - theta) cos theta) / (2 pi)
    k_NTK = k_RF + (x~.x~') (pi - theta) / (2 pi).
Their diagonal singularities are |x - x'|^3 (RF, alpha = 3) and |x - x'| (NTK, alpha = 1), which
set nu = 1 + alpha/d (arXiv:2105.00507).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

KINDS = ("ntk", "rf")


def augment(x: torch.Tensor) -> torch.Tensor:
    """x -> x~ = (x, 1): the bias as a weight on a constant input."""
    return torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)], dim=1)


def analytic_gram(x: torch.Tensor, kind: str, chunk: int = 4096) -> torch.Tensor:
    """The infinite-width kernel matrix k(x_i, x_j), (n, n), in x's dtype and device."""
    if kind not in KINDS:
        raise ValueError(f"kernel kind must be one of {KINDS}, got {kind!r}")
    xt = augment(x)
    norms = xt.norm(dim=1)
    out = torch.empty(x.shape[0], x.shape[0], dtype=x.dtype, device=x.device)
    for s in range(0, x.shape[0], chunk):
        dot = xt[s:s + chunk] @ xt.T
        nn = norms[s:s + chunk, None] * norms[None, :]
        cos = (dot / nn).clamp(-1.0, 1.0)
        theta = torch.arccos(cos)
        k = nn * (torch.sqrt(1.0 - cos * cos) + (math.pi - theta) * cos) / (2 * math.pi)
        if kind == "ntk":
            k = k + dot * (math.pi - theta) / (2 * math.pi)
        out[s:s + chunk] = k
    return 0.5 * (out + out.T)  # exact symmetry for eigh


@dataclass
class TwoLayerReLU:
    """Initial parameters of a width-m network: W (m, d+1) with the bias as last column, a (m,)."""

    W: torch.Tensor
    a: torch.Tensor

    @classmethod
    def init(cls, d: int, width: int, gen: torch.Generator, dtype=torch.float64,
             device: torch.device | str = "cpu") -> "TwoLayerReLU":
        W = torch.randn(width, d + 1, generator=gen, dtype=torch.float64)
        a = torch.randn(width, generator=gen, dtype=torch.float64)
        return cls(W.to(dtype=dtype, device=device), a.to(dtype=dtype, device=device))

    @property
    def width(self) -> int:
        return self.W.shape[0]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(augment(x) @ self.W.T) @ self.a / math.sqrt(self.width)


def empirical_gram(x: torch.Tensor, net: TwoLayerReLU, kinds=KINDS,
                   chunk: int = 2048) -> dict[str, torch.Tensor]:
    """Empirical kernels of the network at its parameters: {'ntk': Theta, 'rf': output-layer part}.

    d = 1 uses an exact O(n^2 + m log m) evaluation (`_empirical_gram_1d`), so widths of 10^5
    and more cost no more than the analytic kernel; d >= 2 sums neurons in chunks of matmuls.
    """
    W, a = net.W.to(x.dtype), net.a.to(x.dtype)
    if x.shape[1] == 1:
        return _empirical_gram_1d(x[:, 0], W, a, kinds)
    xt = augment(x)
    n, m = x.shape[0], W.shape[0]
    rf = torch.zeros(n, n, dtype=x.dtype, device=x.device)
    act = torch.zeros(n, n, dtype=x.dtype, device=x.device) if "ntk" in kinds else None
    for s in range(0, m, chunk):
        u = xt @ W[s:s + chunk].T
        A = torch.relu(u)
        rf += A @ A.T
        if act is not None:
            B = (u > 0).to(x.dtype) * a[s:s + chunk]
            act += B @ B.T
    out = {}
    if "rf" in kinds:
        out["rf"] = rf / m
    if "ntk" in kinds:
        out["ntk"] = (rf + act * (xt @ xt.T)) / m
    return {k: 0.5 * (v + v.T) for k, v in out.items()}


def _empirical_gram_1d(x: torch.Tensor, W: torch.Tensor, a: torch.Tensor, kinds) -> dict:
    """Exact empirical kernels for scalar inputs by prefix sums over the neurons' kinks.

    Neuron i is active where w_i x + b_i > 0: right of its kink k_i = -b_i/w_i if w_i > 0, left
    of it if w_i < 0. Both x <= x' are active for w_i > 0 iff k_i < x, for w_i < 0 iff k_i > x'.
    On the active set relu(u)relu(u') = w^2 x x' + w b (x + x') + b^2, so every kernel entry is
    a combination of sums of (w^2, w b, b^2, a^2) over neurons with kinks left of min(x, x') or
    right of max(x, x'): prefix sums over sorted kinks, evaluated at the n data points.
    """
    dev, dt = x.device, x.dtype
    # Sorting and prefix sums run on the CPU in float64 (O(m log m), cheap even for m = 10^6):
    # CUDA's cumsum is not deterministic under torch.use_deterministic_algorithms.
    cpu = torch.device("cpu")
    w, b, a = (v.to(cpu, torch.float64) for v in (W[:, 0], W[:, 1], a))
    feats = torch.stack([w * w, w * b, b * b, a * a], dim=1)  # (m, 4)
    always = (w == 0) & (b > 0)  # constant neurons: active everywhere
    const = feats[always].sum(0)
    xs, order = torch.sort(x.to(cpu, torch.float64))

    def prefix(mask):
        k = -b[mask] / w[mask]
        ks, o = torch.sort(k)
        cum = torch.cat([torch.zeros(1, 4, dtype=torch.float64), torch.cumsum(feats[mask][o], 0)])
        return ks, cum

    ks, cum = prefix(w > 0)  # active right of the kink: both x <= x' active iff kink < x
    left = cum[torch.searchsorted(ks, xs, side="left")]
    ks, cum = prefix(w < 0)  # active left of the kink: both active iff kink > x'
    right = cum[-1] - cum[torch.searchsorted(ks, xs, side="right")]
    left, right, const = (v.to(dev, dt) for v in (left, right, const))
    xs = xs.to(dev, dt)
    n = x.shape[0]
    idx = torch.arange(n, device=dev)
    lo = torch.minimum(idx[:, None], idx[None, :])
    hi = torch.maximum(idx[:, None], idx[None, :])
    m = W.shape[0]
    Q = [left[lo, j] + right[hi, j] + const[j] for j in range(4)]  # (n, n) each, sorted order
    xx = xs[:, None] * xs[None, :]
    rf = (Q[0] * xx + Q[1] * (xs[:, None] + xs[None, :]) + Q[2]) / m
    out = {}
    if "rf" in kinds:
        out["rf"] = rf
    if "ntk" in kinds:
        out["ntk"] = rf + Q[3] * (xx + 1.0) / m
    inv = torch.argsort(order).to(dev)  # back to the input order
    return {k: v[inv][:, inv] for k, v in out.items()}


def monte_carlo_std(x: torch.Tensor, net: TwoLayerReLU, kind: str) -> torch.Tensor:
    """Per-entry standard error of the empirical kernel as a Monte-Carlo mean over neurons:
    sqrt(Var_i[g_i(x, x')] / m), estimated from the same neurons (for the MC error bound test)."""
    xt = augment(x)
    W, a = net.W.to(x.dtype), net.a.to(x.dtype)
    m = W.shape[0]
    chunk = max(1, (1 << 24) // (x.shape[0] ** 2))  # (n, n, chunk) temporaries of ~128 MB
    s1 = torch.zeros(x.shape[0], x.shape[0], dtype=x.dtype, device=x.device)
    s2 = torch.zeros_like(s1)
    dots = xt @ xt.T
    for s in range(0, m, chunk):
        u = xt @ W[s:s + chunk].T  # (n, c)
        A = torch.relu(u)
        g = A[:, None, :] * A[None, :, :]
        if kind == "ntk":
            B = (u > 0).to(x.dtype) * a[s:s + chunk]
            g = g + B[:, None, :] * B[None, :, :] * dots[:, :, None]
        s1 += g.sum(-1)
        s2 += (g * g).sum(-1)
    mean = s1 / m
    var = (s2 / m - mean * mean).clamp_min(0.0)
    return torch.sqrt(var / m)
