"""Linear free-knot splines trained by gradient descent (B3; arXiv:1810.03974, main experiment).

Model: s(x) = b0 + b1 x + sum_n c_n (x - a_n)_+ on [0, 1], knots a_n and coefficients trained.
The same function is the continuous piecewise-linear interpolant of its nodal values v_n at
0 = a_0 < a_1 < ... < a_N < a_{N+1} = 1 (c_n is the slope jump at a_n). Training runs gradient
descent on the knots and on the nodal residuals w_n = v_n - f(a_n), with the Jacobi (diagonal
Gauss-Newton) preconditioner:  theta <- theta - eta grad L / diag(J^T J).
Why these coordinates: in the truncated-power coordinates (a, c) plain GD has a condition
number ~N^4 (the Gram matrix of (x - a)_+ is the beam operator of B2), and moving a knot at
fixed nodal value is a large change of s, so the knot direction is nearly degenerate with the
values; with residual values a knot moves along the target's graph. The stationary points,
which is what the figure checks, are those of the loss and do not depend on coordinates.

Loss L = 1/2 int_0^1 (s - f)^2 dx, by 8-point Gauss-Legendre on every interval (s - f is smooth
there, so this is exact to rounding for the targets used).

Theory (classical; e.g. de Boor, "A practical guide to splines"): the L2 error of the best
linear spline on an interval of length h where f'' ~ const is h^5 f''^2 / 720 (the best linear
fit of a parabola leaves its Legendre P2 part), so with M intervals of density rho the loss is
L ~ (1/1440) M^-4 int f''^2 rho^-4, minimised by rho ~ |f''|^(2/5) with
L_opt = (int |f''|^(2/5))^5 / (1440 M^4),  M = N + 1 intervals.
Where f'' changes sign, knots do not cross its zeros in training (the density vanishes there),
so a stationary point has its own knot count N_r in each interval of constant sign and is
equidistributed within it; its loss is sum_r I_r^5 / (1440 M_r^4) with I_r = int_r |f''|^(2/5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sys

import numpy as np
from scipy.optimize import brentq

from deeprates.training.checkpoint import Checkpoint
from deeprates.training.loop import train

# ---------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A smooth target on [0, 1] with analytic f, f', f''; `param` is its shape parameter."""

    name: str
    param: float

    def __post_init__(self):
        if self.name not in TARGETS:
            raise ValueError(f"spline target must be one of {sorted(TARGETS)}, got {self.name!r}")

    def f(self, x):
        return TARGETS[self.name][0](x, self.param)

    def fp(self, x):
        return TARGETS[self.name][1](x, self.param)

    def fpp(self, x):
        return TARGETS[self.name][2](x, self.param)

    @property
    def label(self) -> str:
        return TARGETS[self.name][3].format(p=self.param)


def _is_tensor(x) -> bool:
    # torch is imported only where tensors are made (SplineModel, train_spline), so that figure
    # jobs evaluate targets on numpy arrays without loading it; a tensor implies torch is loaded.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _tanh_fpp(x, p):
    t = _lib(x).tanh(p * (x - 0.4))
    return -2 * p * p * t * (1 - t * t)


def _lib(x):
    return sys.modules["torch"] if _is_tensor(x) else np


TARGETS = {
    # name: (f, f', f'', label); p is the shape parameter
    "inverse": (lambda x, p: 1 / (x + p), lambda x, p: -1 / (x + p) ** 2,
                lambda x, p: 2 / (x + p) ** 3, "1/(x + {p:g})"),
    "exp": (lambda x, p: _lib(x).exp(p * x), lambda x, p: p * _lib(x).exp(p * x),
            lambda x, p: p * p * _lib(x).exp(p * x), "exp({p:g} x)"),
    "tanh": (lambda x, p: _lib(x).tanh(p * (x - 0.4)),
             lambda x, p: p * (1 - _lib(x).tanh(p * (x - 0.4)) ** 2),
             _tanh_fpp, "tanh({p:g} (x - 0.4))"),
    "sin": (lambda x, p: _lib(x).sin(p * x), lambda x, p: p * _lib(x).cos(p * x),
            lambda x, p: -p * p * _lib(x).sin(p * x), "sin({p:g} x)"),
}

_FINE = 1 << 16  # grid for the |f''|^(2/5) CDF


def curvature_regions(target: Target) -> list[tuple[float, float]]:
    """Maximal subintervals of [0, 1] on which f'' keeps its sign (zeros refined by brentq)."""
    x = np.linspace(0.0, 1.0, _FINE + 1)
    g = target.fpp(x)
    cuts = [0.0]
    for i in np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]:
        cuts.append(brentq(lambda z: float(target.fpp(np.float64(z))), x[i], x[i + 1], xtol=1e-14))
    cuts.append(1.0)
    return list(zip(cuts[:-1], cuts[1:]))


def density_cdf(target: Target, lo: float = 0.0, hi: float = 1.0):
    """(grid, CDF) of |f''|^(2/5) on [lo, hi], normalised, and its integral I."""
    x = np.linspace(lo, hi, _FINE + 1)
    rho = np.abs(target.fpp(x)) ** 0.4
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (rho[1:] + rho[:-1]) * np.diff(x))])
    return x, cum / cum[-1], float(cum[-1])


# ---------------------------------------------------------------- the model


_GL_Z, _GL_W = np.polynomial.legendre.leggauss(8)


class SplineModel:
    def __init__(self, target: Target, device: torch.device):
        import torch

        self.target = target
        self.z = torch.tensor((_GL_Z + 1) / 2, dtype=torch.float64, device=device)
        self.wq = torch.tensor(_GL_W / 2, dtype=torch.float64, device=device)
        self.ends = (torch.zeros(1, dtype=torch.float64, device=device),
                     torch.ones(1, dtype=torch.float64, device=device))

    def nodes(self, a):
        import torch

        return torch.cat([self.ends[0], a, self.ends[1]])

    def loss(self, a, w):
        nodes = self.nodes(a)
        v = self.target.f(nodes) + w
        h = nodes[1:] - nodes[:-1]
        x = nodes[:-1, None] + h[:, None] * self.z[None, :]
        s = v[:-1, None] + (v[1:] - v[:-1])[:, None] * self.z[None, :]
        e = s - self.target.f(x)
        return 0.5 * (h[:, None] * self.wq[None, :] * e * e).sum()

    def jacobi(self, a, w):
        """diag(J^T J) of the residual s - f: int phi_n^2 for values, int (f'(a_n) - s')^2 phi_n^2
        for knots (moving a node along the target's graph changes s by (f'(a_n) - s') phi_n)."""
        nodes = self.nodes(a)
        v = self.target.f(nodes) + w
        h = nodes[1:] - nodes[:-1]
        slope = (v[1:] - v[:-1]) / h
        import torch

        dw = torch.zeros_like(v)
        dw[:-1] += h / 3
        dw[1:] += h / 3
        fpn = self.target.fp(nodes)[1:-1]
        da = (fpn - slope[:-1]) ** 2 * h[:-1] / 3 + (fpn - slope[1:]) ** 2 * h[1:] / 3
        tiny = torch.finfo(torch.float64).tiny
        return da.clamp_min(tiny), dw

    def coefficients(self, a, w) -> tuple[np.ndarray, float, float]:
        """Truncated-power form: (c_n slope jumps, b0, b1)."""
        nodes = self.nodes(a)
        v = self.target.f(nodes) + w
        slope = (v[1:] - v[:-1]) / (nodes[1:] - nodes[:-1])
        c = (slope[1:] - slope[:-1]).cpu().numpy()
        return c, float(v[0]), float(slope[0])


def initial_knots(n_knots: int, seed: int, jitter: float = 0.25) -> np.ndarray:
    """Uniform spacing with a seeded jitter of +-jitter spacing: far from the optimum when f''
    varies, so training has to move the knots."""
    rng = np.random.default_rng(seed)
    k = np.arange(1, n_knots + 1) + rng.uniform(-jitter, jitter, n_knots)
    return np.sort(k / (n_knots + 1))


def train_spline(target: Target, n_knots: int, n_steps: int, *, eta: float = 0.5, seed: int = 0,
                 device: torch.device | str = "cpu", checkpoint: Checkpoint | None = None,
                 log=None, per_decade: int = 40) -> dict:
    """Jacobi-preconditioned GD on (knots, nodal residuals) from `initial_knots` and s = the
    interpolant of f (w = 0). A step that would reorder knots is halved until it does not."""
    import torch

    device = torch.device(device)
    model = SplineModel(target, device)
    a0 = torch.tensor(initial_knots(n_knots, seed), dtype=torch.float64, device=device)
    state = {"a": a0, "w": torch.zeros(n_knots + 2, dtype=torch.float64, device=device),
             "halvings": torch.zeros((), dtype=torch.int64, device=device)}

    def step(st):
        a = st["a"].detach().requires_grad_(True)
        w = st["w"].detach().requires_grad_(True)
        ga, gw = torch.autograd.grad(model.loss(a, w), [a, w])
        with torch.no_grad():
            da, dw = model.jacobi(a, w)
            a, w = a.detach(), w.detach()
            stepa = eta * ga / da
            for _ in range(60):
                new = a - stepa
                nodes = model.nodes(new)
                if bool((nodes[1:] > nodes[:-1]).all()):
                    break
                stepa = stepa / 2
                st["halvings"] += 1
            st["a"] = new
            st["w"] = w - eta * gw / dw

    def record(st, _step):
        with torch.no_grad():
            return {"loss": float(model.loss(st["a"], st["w"])), "knots": st["a"].cpu().numpy()}

    st, recs = train(state, step, record, n_steps, per_decade=per_decade, checkpoint=checkpoint,
                     device=device, log=log)
    a = st["a"].detach()
    c, b0, b1 = model.coefficients(a, st["w"].detach())
    return {
        "step": np.array([r["step"] for r in recs]),
        "loss": np.array([r["loss"] for r in recs]),
        "knot_paths": np.array([r["knots"] for r in recs]),
        "knots": a.cpu().numpy(),
        "initial_knots": a0.cpu().numpy(),
        "values": (target.f(model.nodes(a)) + st["w"]).detach().cpu().numpy(),
        "coefficients": c, "b0": b0, "b1": b1,
        "halvings": int(st["halvings"]),
    }


# ---------------------------------------------------------------- comparison with theory


def ks_distance(points: np.ndarray, grid: np.ndarray, cdf: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between the empirical CDF of `points` and a tabulated CDF."""
    p = np.sort(points)
    n = p.size
    if n == 0:
        return math.nan
    F = np.interp(p, grid, cdf)
    i = np.arange(1, n + 1)
    return float(max(np.max(np.abs(i / n - F)), np.max(np.abs((i - 1) / n - F))))


def equidistribution(target: Target, knots: np.ndarray) -> dict:
    """Per interval of constant sign of f'': knot count, KS distance of the knots to the
    |f''|^(2/5) CDF restricted there, and the intervals' share M_r of the N + 1 spline pieces.

    Also the predicted stationary loss sum_r I_r^5/(1440 M_r^4) for the trained split and the
    global optimum (sum I_r)^5 / (1440 (N+1)^4)."""
    regions = []
    total_I = 0.0
    for lo, hi in curvature_regions(target):
        inside = knots[(knots > lo) & (knots <= hi)]
        grid, cdf, integral = density_cdf(target, lo, hi)
        ends = (lo == 0.0) + (hi == 1.0)
        pieces = inside.size - 1 + ends + 0.5 * (2 - ends)
        regions.append({"lo": lo, "hi": hi, "knots": int(inside.size), "pieces": float(pieces),
                        "domain_ends": int(ends), "I": integral,
                        "ks": ks_distance(inside, grid, cdf)})
        total_I += integral
    n_pieces = knots.size + 1
    for r in regions:
        r["optimal_pieces"] = n_pieces * r["I"] / total_I
        r["optimal_knots"] = r["optimal_pieces"] - r["domain_ends"] / 2
    pred = sum(r["I"] ** 5 / (1440 * r["pieces"] ** 4) for r in regions if r["pieces"] > 0)
    grid, cdf, _ = density_cdf(target)
    return {"regions": regions, "predicted_loss": pred,
            "optimal_loss": total_I ** 5 / (1440 * n_pieces ** 4),
            "ks_global": ks_distance(knots, grid, cdf)}
