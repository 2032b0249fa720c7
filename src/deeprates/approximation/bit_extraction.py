"""Deep narrow networks with discontinuous weight selection: the digit chain.

A construction of our own in the spirit of arXiv:1802.03620 (Theorem 2 and its proof) and
arXiv:1906.09477 (the phase diagram for smoothness r <= 1), as documented in docs/figures/phase-diagram.md:

- coarse: the values F_i = f(i/N), and f_1 = their piecewise-linear interpolant;
- fine: each patch [i/N, (i+1)/N] has M cells of width h = 1/(NM). f - F_i at the cell nodes is
  tracked by a walk v_0 = 0, v_j = v_{j-1} + s_j eps with s_j = +-1 toward f(x_j) - F_i; with
  eps = omega_f(h) >= every increment of f across a cell, the walk stays within eps of it at every
  node (induction), and Y = F_i + (linear interpolation of the walk) is within ~2 eps of f;
- the M signs of patch i are stored in ONE weight, w_i = sum_k d_k 3^-k + 3^-(M+1), digits
  d_k = 1 + s_k in {0, 2} and a terminal digit 1 that keeps every partial remainder a margin of
  3^-(M-k) away from the decision thresholds;
- a narrow chain (two layers per digit) extracts the digits, beta_k = s(3t - 1) - s(3t - 2),
  t <- 3t - 2 beta_k, and adds s_k eps rho_k(u) where rho_k(u) = clamp(u - k + 1, 0, 1) ramps up
  across fine cell k (u = M y, y the position in the patch); beta_k rho_k = s(beta_k + rho_k - 1)
  is exact for a bit, and sum_k rho_k = u, so the correction is 2 eps sum_k beta_k rho_k - eps u.

The weight w_i and the value F_i are selected by exact indicators of the patch: steps in the
clamp form s(1 - s(K (x - a))) are exactly 0 or 1 outside a zone of width tau = 1/K, so
w = sum_i w_i I_i has one nonzero term and is exact. (A one-layer ramp s(Kz) - s(Kz - 1)
combined linearly loses the low digits to cancellation.) Inside a selection zone the decoded bits
and F are garbage, so the output is f_1 + gate(Y - f_1) with a gate g that is exactly 0 on
[b - 2 tau, b + tau] around each patch boundary b (the selection ramp lies in [b - tau, b]):
there the output is f_1, whose error is tiny because f_1(b) = f(b); in the gate ramps it lies
between f_1 and Y, both within ~eps of f(b). (Tracking f - f_1 instead would add f_1's slope to
every increment: eps = omega(h) + omega(1/N)/M, a pre-asymptotic M^(beta-1) bias for beta < 1.)

Depth 2M + 5 (affine maps), W ~ 24 N + 24 M: with M = N^alpha the error eps ~ (NM)^-beta
~ W^-(1 + alpha) beta at depth ~ W^alpha, the rate of the deep discontinuous phase.

Precision: decoding needs w_i to about M log2 3 bits; float64 decodes up to M ~ 33, float32
up to M ~ 15 (A5 precision-budget). `BitNet.codes` keeps the exact rationals; `evaluate_mp`
(multiprecision.py) evaluates the same network with them in mpmath.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from deeprates.approximation.circuit import Circuit, Signal
from deeprates.approximation.network import ReLUNet

FLOAT64_MAX_M = 33  # 3^-33 ~ 2^-52.3: the last digit's margin reaches float64's resolution
FLOAT32_MAX_M = 15  # 3^-15 ~ 2^-23.8
ZONE_FRACTION = 2.0**-12  # tau / h: selection and gate ramps are this small against a fine cell


@dataclass
class Walk:
    """The quantised fine part of every patch: signs (N, M), eps, the walk values."""

    signs: np.ndarray  # (N, M) in {-1, +1}
    eps: float
    values: np.ndarray  # (N, M + 1) walk values v_j
    remainder: np.ndarray  # (N, M + 1) f(x_j) - F_i at the cell nodes
    f1_coef: np.ndarray  # slope changes: f_1 = F_0 + sum_i c_i s(x - i/N)
    F: np.ndarray  # f at i/N, i = 0..N


def coarse_interpolant(target, N: int) -> tuple[np.ndarray, np.ndarray]:
    """f at i/N and the coefficients c_i of f_1 = F_0 + sum_i c_i s(x - i/N).

    A slope change below 1e-12 of the largest slope is set to exactly 0: it is 0 in exact
    arithmetic (f is linear across that knot, as a piecewise-linear target is between its
    kinks), and whether rounding leaves it at 0 or at 1e-16 would otherwise decide at random
    whether the weight counts in W."""
    F = np.asarray(target(np.arange(N + 1) / N), float)
    slopes = np.diff(F) * N
    c = np.concatenate([[slopes[0]], np.diff(slopes)])
    c[np.abs(c) <= 1e-12 * max(float(np.max(np.abs(slopes))), 1e-300)] = 0.0
    return F, c


def quantum(target, N: int, M: int) -> float:
    """eps = omega_f(1/(NM)): every increment of f across a fine cell is at most eps."""
    return max(float(target.modulus(1.0 / (N * M))), np.finfo(float).tiny)


def make_walk(target, N: int, M: int, probes: int = 8) -> Walk:
    """The walk of every patch, greedy min-max: at each cell, of the two steps +-eps those that
    keep tracking (|v_j - (f(x_j) - F_i)| <= eps) are kept, and the one whose linear piece
    errs least on the cell (at `probes` interior points and any singularity inside) is taken.
    One of the two always keeps tracking (induction, eps >= every increment of f)."""
    F, c = coarse_interpolant(target, N)
    j = np.arange(M + 1)
    x = (np.arange(N)[:, None] + j[None, :] / M) / N  # (N, M + 1) cell nodes
    r = np.asarray(target(x.ravel()), float).reshape(x.shape) - F[:-1, None]
    eps = quantum(target, N, M)
    h = 1.0 / (N * M)
    t = (np.arange(probes) + 0.5) / probes
    kinks = target.kinks(0.0, 1.0)
    signs = np.empty((N, M), dtype=np.int64)
    v = np.zeros((N, M + 1))
    for k in range(1, M + 1):  # vectorised over patches, sequential over cells
        x0 = x[:, k - 1]
        xs = x0[:, None] + h * t[None, :]
        # a singularity inside the cell is where the chord errs most: probe it too
        ki = np.searchsorted(kinks, x0)
        inside = (ki < kinks.size) & (kinks[np.minimum(ki, kinks.size - 1)] < x0 + h)
        xk = np.where(inside, kinks[np.minimum(ki, max(kinks.size - 1, 0))] if kinks.size else x0, x0)
        xs = np.concatenate([xs, xk[:, None]], axis=1)
        fx = np.asarray(target(xs.ravel()), float).reshape(xs.shape) - F[:-1, None]
        lam = (xs - x0[:, None]) / h
        best = None
        for s in (1, -1):
            cand = v[:, k - 1] + s * eps
            ok = np.abs(cand - r[:, k]) <= eps * (1 + 1e-12)
            line = v[:, k - 1][:, None] * (1 - lam) + cand[:, None] * lam
            err = np.max(np.abs(fx - line), axis=1)
            score = np.where(ok, err, np.inf)
            best = (s, score) if best is None else best
            if s == -1:
                s_plus, score_plus = best
                choose_plus = score_plus <= score
                # neither keeps tracking only through rounding: fall back to the sign rule
                none = ~np.isfinite(score_plus) & ~np.isfinite(score)
                choose_plus = np.where(none, r[:, k] >= v[:, k - 1], choose_plus)
                sk = np.where(choose_plus, 1, -1)
        signs[:, k - 1] = sk
        v[:, k] = v[:, k - 1] + sk * eps
    return Walk(signs, eps, v, r, c, F)


def code_word(signs: np.ndarray) -> Fraction:
    """w = sum_k d_k 3^-k + 3^-(M+1), d_k = 1 + s_k in {0, 2}: exact."""
    M = len(signs)
    num = 0
    for s in signs:
        num = 3 * num + (1 + int(s))
    num = 3 * num + 1
    return Fraction(num, 3 ** (M + 1))


def decode_digits(w: float, M: int, dtype=np.float64) -> np.ndarray:
    """The chain's arithmetic on its own (tests): bits beta_k from w, in `dtype`."""
    t = dtype(w)
    one, two, three = dtype(1), dtype(2), dtype(3)
    bits = []
    for _ in range(M):
        a = max(three * t - one, dtype(0))
        b = max(three * t - two, dtype(0))
        beta = a - b
        bits.append(beta)
        t = three * t - two * beta
    return np.array(bits, dtype=float)


@dataclass
class BitNet:
    net: ReLUNet
    N: int
    M: int
    walk: Walk
    codes: list[Fraction]
    tau: float
    exact_weights: dict = field(default_factory=dict)  # (layer, row, col) -> Fraction

    @property
    def eps(self) -> float:
        return self.walk.eps

    @property
    def zero_f1(self) -> int:
        """f_1 slope changes that are exactly 0 (dropped weights; see `network_W`)."""
        return int(np.count_nonzero(self.walk.f1_coef == 0.0))

    def holes(self) -> np.ndarray:
        """The selection ramps [b - tau, b]: there the chain decodes a mixture of two codes
        (exponentially many hidden pieces), but the gate is exactly 0, so the output is f_1."""
        b = np.arange(1, self.N) / self.N
        return np.stack([b - self.tau, b], axis=1)

    def breakpoints(self, return_values: bool = False):
        """Breakpoints of the output on [0, 1]: propagated through the network outside the
        selection ramps (`holes`), whose ends are kept. With `return_values`, also the float64
        outputs there."""
        from deeprates.approximation.supnorm import breakpoints_1d

        # Groups of patches per call keep the widest activation (~4N units x points) small.
        per_call = max(1, (1 << 22) // (max(self.net.width, 1) * (self.M + 12)))
        holes = self.holes()
        pts, vals = [], []
        for i0 in range(0, self.N, per_call):
            i1 = min(self.N, i0 + per_call)
            lo, hi = i0 / self.N, i1 / self.N
            sel = holes[(holes[:, 1] > lo) & (holes[:, 0] < hi)]
            p, v = breakpoints_1d(self.net, lo, hi, holes=sel, return_values=True)
            pts.append(p)
            vals.append(v)
        p = np.concatenate(pts)
        p, idx = np.unique(p, return_index=True)
        return (p, np.concatenate(vals)[idx]) if return_values else p

    def sup_error(self, target):
        """Exact sup |f - network| on [0, 1] in float64 (supnorm.SupError)."""
        from deeprates.approximation.supnorm import sup_error_pl

        bp, vals = self.breakpoints(return_values=True)
        return sup_error_pl(lambda x: self.net(x[:, None])[:, 0], target, 0.0, 1.0, bp, vals)

    def candidates(self) -> np.ndarray:
        """The ideal network's breakpoints on [0, 1], for arithmetic in which float64
        propagation cannot be trusted (M beyond float64's digits; multiprecision.py): the cell
        nodes, the zone edges, and 7 interior points of each gate ramp (where the gated output
        has one kink at |Y - f_1| = B (1 - g); between samples the error moves by at most
        omega_f(tau/8) + eps/8, negligible)."""
        N, M, tau = self.N, self.M, self.tau
        nodes = (np.arange(N)[:, None] + np.arange(M + 1)[None, :] / M).ravel() / N
        b = np.arange(1, N) / N
        edges = np.array([-3, -2, -1, 0, 1, 2], float)
        ramps = np.concatenate([-3 + np.arange(1, 8) / 8, 1 + np.arange(1, 8) / 8])
        zones = (b[:, None] + np.concatenate([edges, ramps])[None, :] * tau).ravel()
        pts = np.concatenate([nodes, zones, [0.0, 1.0]])
        return np.unique(pts[(pts >= 0) & (pts <= 1)])


def build(target, N: int, M: int, zone_fraction: float = ZONE_FRACTION) -> BitNet:
    """The digit-chain network for N patches of M fine cells (see the module docstring)."""
    if N < 1 or M < 1:
        raise ValueError(f"bit-extraction network needs N >= 1 and M >= 1, got N={N}, M={M}")
    walk = make_walk(target, N, M)
    eps = walk.eps
    codes = [code_word(walk.signs[i]) for i in range(N)]
    h = 1.0 / (N * M)
    tau = zone_fraction * h
    K = 1.0 / tau
    F_vals = walk.F
    lo = float(min(F_vals.min(), 0.0)) - 1.0  # f_1 - lo >= 1 and F_i - lo >= 1: one ReLU carries
    A = M * eps  # |correction| <= M eps: the accumulator's offset
    B = A + 2.0 * float(np.max(np.abs(F_vals - lo))) + 1.0  # bounds |Y - f_1| even in the zones
    c = Circuit(1, name=f"bit-extraction(N={N}, M={M})")
    (x,) = c.inputs()

    # Layer 1: the coarse interpolant's units (unit 0 is s(x) = x, reused as the x carry) and
    # the first halves of the selection / gate-close / gate-open steps.
    f1_units = [c.unit(x - i / N) for i in range(N)]
    b = np.arange(1, N) / N
    a_sel = [c.unit(K * x - K * (bi - tau)) for bi in b]
    a_close = [c.unit(K * x - K * (bi - 3 * tau)) for bi in b]
    a_open = [c.unit(K * x - K * (bi + tau)) for bi in b]
    c.step()
    # Layer 2: s = s(1 - a) = 1 - step, exactly 0 or 1 outside the ramp; f_1 and x carried.
    s_sel = [c.unit(1.0 - a) for a in a_sel]
    s_close = [c.unit(1.0 - a) for a in a_close]
    s_open = [c.unit(1.0 - a) for a in a_open]
    f1 = F_vals[0] - lo + sum((u * float(ci) for u, ci in zip(f1_units, walk.f1_coef)), c.const())
    F1 = c.carry(Signal(f1, True))
    X = c.carry(Signal(f1_units[0], True))
    c.step()
    # Layer 3: patch indicators I_i = s_sel[i+1] - s_sel[i] (s_sel[0] = 0, s_sel[N] = 1),
    # the local coordinate u = M (N x - i(x)) and the gate g = 1 - sum_i (step_close - step_open).
    edges = [c.const(0.0), *s_sel, c.const(1.0)]
    I = [c.unit(edges[i + 1] - edges[i]) for i in range(N)]
    n_steps = sum(s_sel, c.const(0.0))
    U = c.unit(X.lin * float(M * N) + n_steps * float(M) - float(M * (N - 1)))
    g = c.unit(1.0 - sum((so - sc for so, sc in zip(s_open, s_close)), c.const(0.0)))
    F1 = c.carry(F1)
    c.step()
    code_rows = {}  # rows of layer 4 that read the codes (exact rationals for mpmath)
    t_form = sum((u * float(w) for u, w in zip(I, codes)), c.const(0.0))
    # Y - lo + A = (F_i - lo) + (A - eps u) + 2 eps sum_k beta_k rho_k, accumulated in one unit
    # (>= 0): the ramps are u_k = s(u_{k-1} - 1) = s(u - k), rho_k = u_{k-1} - u_k, and
    # sum_k rho_k = u on [0, M].
    start = sum((u * float(Fi - lo) for u, Fi in zip(I, F_vals[:-1])), c.const(A))
    u_prev = U
    acc = None
    G_prev = None
    for k in range(1, M + 1):
        last = k == M
        # Odd layer: digit k's pieces, the next shifted coordinate, carries.
        row0 = len(c._pending)
        A_k = c.unit(3.0 * t_form - 1.0)
        B_k = c.unit(3.0 * t_form - 2.0)
        T = None if last else c.unit(t_form)
        if k == 1:
            code_rows = {"A": row0, "B": row0 + 1, "T": None if last else row0 + 2}
        u_k = c.unit(u_prev - 1.0)
        u_keep = c.unit(u_prev)
        F1 = c.carry(F1)
        g = c.unit(g)
        acc = c.unit(start - u_prev * eps) if acc is None else c.unit(acc + G_prev * (2.0 * eps))
        c.step()
        # Even layer: next remainder t, beta_k rho_k = s(beta_k + rho_k - 1), carries.
        if not last:
            t_form = c.unit(3.0 * T - 2.0 * A_k + 2.0 * B_k)
        G = c.unit(A_k - B_k + u_keep - u_k - 1.0)
        if not last:
            u_prev = c.unit(u_k)
        acc = c.unit(acc)
        F1 = c.carry(F1)
        g = c.unit(g)
        c.step()
        G_prev = G
    # Output f_1 + gate(Z), Z = Y - f_1 = acc + 2 eps G_M - A - (F1 - lo) + lo - lo; the clamp
    # form gives Z g exactly for g in {0, 1} (|Z| <= B everywhere).
    Z = acc + G_prev * (2.0 * eps) - A - F1.lin
    gP = c.unit(Z + g * B - B)
    gN = c.unit(-Z + g * B - B)
    F1 = c.carry(F1)
    c.step()
    net = c.finish([F1.lin + gP - gN + lo],
                   meta={"N": N, "M": M, "eps": eps, "tau": tau, "K": K})
    exact = {}
    for name, row in code_rows.items():
        if row is None:
            continue
        for i, w in enumerate(codes):
            mult = {"A": 3, "B": 3, "T": 1}[name]
            exact[(3, row, _col_of(I[i]))] = mult * w
    return BitNet(net, N, M, walk, codes, tau, exact)


def _col_of(form) -> int:
    (j,) = form.coef.keys()
    return j


def network_W(N: int, M: int, zero_f1: int = 0) -> int:
    """Closed-form nonzero weights of `build`. Structural count, less `zero_f1`: slope changes
    of f_1 that are exactly 0 (a piecewise-linear target is linear between its kinks, so its
    interpolant's slope changes vanish there up to rounding, sometimes exactly)."""
    Nb = N - 1  # patch boundaries
    W = (2 * N - 1) + 6 * Nb                          # layer 1
    W += 6 * Nb + (N + 1 - zero_f1) + 1               # layer 2: s-units, F1, x carry
    W += (2 * N - 1 if N >= 2 else 1)                 # layer 3: indicators
    W += (N + 1 if N >= 2 else 1)                     # U
    W += 2 * Nb + 1 + 1                               # g, F1 carry
    for k in range(1, M + 1):
        last = k == M
        reads = N if k == 1 else 1                    # t read from the indicators / from t'
        odd = 2 * (reads + 1) + (0 if last else reads)  # A_k, B_k (+ bias), T
        odd += 2 + 1                                  # u_k = s(u_{k-1} - 1), u_{k-1} kept
        odd += 1 + 1                                  # F1, g carries
        odd += (N + 2) if k == 1 else 2               # accumulator: start (F_i, u) / + 2 eps G
        even = (0 if last else 3) + 5                 # t', G_k
        even += (0 if last else 1) + 1 + 1 + 1        # u_k, acc, F1, g carries
        W += odd + even
    W += 2 * (4 + 1) + 1                              # gated pair (acc, G, F1, g, bias), F1
    W += 4                                            # output
    return W


def network_depth(M: int) -> int:
    return 2 * M + 5


def interpolant_network(target, P: int) -> ReLUNet:
    """The shallow reference: one hidden layer, the PL interpolant of f at k/P on [0, 1]
    (continuous weight selection; rate r/d)."""
    F, coef = coarse_interpolant(target, P)
    c = Circuit(1, name=f"interpolant(P={P})")
    (x,) = c.inputs()
    units = [c.unit(x - i / P) for i in range(P)]
    c.step()
    return c.finish([sum((u * float(ci) for u, ci in zip(units, coef)), c.const(float(F[0])))])


def margin_bits(M: int) -> float:
    """Bits the code needs: the last decision's margin is 3^-M relative to w."""
    return M * math.log2(3.0)


def alpha_ladder(alpha: float, N_min: int, N_max: int, M_max: int, per_decade: int) -> list[tuple[int, int]]:
    """Sizes (N, M) with M = N^alpha: depth ~ M ~ W^alpha.

    M is an integer, so M = round(N^alpha) on a geometric N grid would be a staircase (+-1/(2M)
    relative jumps in NM that look like noise in a fit). Instead the grid proposes M values and
    N = round(M^(1/alpha)) is solved for each, so M / N^alpha = 1 up to N's rounding. alpha = 0
    is M = 1 on a geometric N grid.
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    n = max(2, int(math.ceil(per_decade * math.log10(N_max / N_min))) + 1)
    grid = np.unique(np.round(np.geomspace(N_min, N_max, n)).astype(int))
    if alpha == 0:
        return [(int(N), 1) for N in grid]
    Ms = np.unique(np.clip(np.round(grid.astype(float) ** alpha).astype(int), 1, M_max))
    out = []
    for M in Ms:
        N = int(round(M ** (1.0 / alpha)))
        if N_min <= N <= N_max:
            out.append((N, int(M)))
    return sorted(set(out))
