"""Partition of unity times local Taylor polynomials (arXiv:1610.01145, Theorem 1 and its proof).

On the grid m/N, m in {0..N}^d:
  psi(t) = s(t+2) - s(t+1) - s(t-1) + s(t-2),  phi_m(x) = prod_k psi(3N (x_k - m_k/N)),
  sum_m phi_m = 1, phi_m supported on |x_k - m_k/N| < 2/(3N);
  f_1 = sum_m phi_m P_m with P_m the Taylor polynomial of degree n - 1 of f at m/N;
  |f - f_1| <= (d^n/n!) (2/(3N))^n max_{|alpha|=n} sup|D^alpha f|  (a convex combination of the
  local Taylor errors, since phi_m >= 0 sums to 1).
Every product phi_m (x - m/N)^alpha is computed by chained multiplication networks (circuit.product,
error 4^-mp each, with mp ~ (n log2 N + c)/2 so that they stay below the Taylor error), giving a
network of depth O(log N) and W = O(N^d log N): rate p = n/d up to the log factor, which is the
depth's: W / L ~ N^d.

The network is one plain `ReLUNet`: each grid node m is a sub-network ("term") reading x; their
outputs are summed by the last affine map. Here psi is computed as s(2 - |t|) - s(1 - |t|) with
|t| = s(t) + s(-t) (two layers, same function): outside its support it is then exactly 0, every
product with it is exactly 0 (circuit.product), so an inactive term's last hidden layer is all
zeros. `TaylorNet.__call__` therefore evaluates only the <= 2^d active terms per point and
accumulates the last map's row in the full network's column order: bit-identical to evaluating
the assembled network (`TaylorNet.full()`), which is tested at small N.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from deeprates.approximation.circuit import Circuit, Signal, product, run_parallel
from deeprates.approximation.network import Affine, ReLUNet
from deeprates.approximation.supnorm import breakpoints_1d
from deeprates.approximation.targets import RidgeSum, multi_indices

MAX_D = 3
MAX_N = 4
PRODUCT_MARGIN = 8.0


def product_depth(target: RidgeSum, N: int, n: int, margin: float = PRODUCT_MARGIN) -> int:
    """Sawtooth depth mp of each product: the smallest with the products' error bound at most
    1/margin of the Taylor bound (`taylor_bound`), so that the products never set the error.
    This is mp ~ (n log2 N + c)/2 (docs/figures/sobolev-taylor.md) with the constant c taken
    from the target's derivative bounds instead of fixed (c = 7 leaves the products comparable
    to the Taylor remainder at n = 3 for these targets, and the ceil of mp then shows in the
    error)."""
    d = target.d
    if d == 1 and n == 1:
        return 1  # no products at all
    b = taylor_bound(target, N, d, n, 0)  # products part at mp = 0 is the coefficient of 4^-mp
    ratio = margin * b["products"] / b["taylor"]
    return max(1, math.ceil(math.log(ratio, 4.0)))


def grid_sizes(d: int, n: int, N_min: int, N_max: int, per_depth: int, per_decade: int) -> list[int]:
    """Grid sizes of a sweep. With products, mp = ceil(log4(C N^n)) steps up every factor
    4^(1/n) in N; a geometric ladder of ratio 4^(1/(n per_depth)) samples every step of the
    depth at the same `per_depth` phases, so the integer steps (W jumps by ~1/mp at each)
    do not alias into a fitted slope. Without products (d = 1, n = 1): `per_decade` sizes per
    decade."""
    if d == 1 and n == 1:
        k = max(2, int(math.ceil(per_decade * math.log10(N_max / N_min))) + 1)
        return sorted({int(v) for v in np.round(np.geomspace(N_min, N_max, k))})
    ratio = 4.0 ** (1.0 / (n * per_depth))
    k = int(math.floor(math.log(N_max / N_min) / math.log(ratio))) + 1
    return sorted({int(round(N_min * ratio**j)) for j in range(k)})


def term_network(target: RidgeSum, node: tuple[int, ...], N: int, n: int, mp: int) -> ReLUNet:
    """The sub-network of grid node m: x -> phi_m(x) P_m(x) (with products approximated).

    Layers: [s(+-t_k)] -> [psi_k pieces, s_k pairs] -> d - 1 product stages for phi ->
    n - 1 product stages for the monomials phi s^alpha of degree 1..n-1 -> output, where
    t_k = 3N x_k - 3 m_k and s_k = x_k - m_k/N = t_k/(3N). A signed accumulator (a pair) holds
    sum c_alpha phi s^alpha of the degrees done; c_alpha = D^alpha f(m/N)/alpha!.
    """
    d = len(node)
    c = Circuit(d, name=f"taylor term {node}")
    xs = c.inputs()
    halves = []
    for k in range(d):
        t = xs[k] * (3.0 * N) - 3.0 * node[k]
        halves.append((c.unit(t), c.unit(-t)))
    c.step()
    psi: list[Signal] = []
    s: list[Signal] = []
    for k in range(d):
        p, q = halves[k]
        u1 = c.unit(2.0 - p - q)
        u2 = c.unit(1.0 - p - q)
        psi.append(Signal(u1 - u2, nonneg=True))
    if n >= 2:
        for k in range(d):
            p, q = halves[k]
            s.append(c.carry(Signal((p - q) * (1.0 / (3.0 * N)), False)))
    c.step()
    # phi_m = psi_1 ... psi_d by a chain of products, carrying the other factors.
    phi = psi[0]
    for k in range(1, d):
        rest = psi[k + 1:] + s
        (phi,), rest = run_parallel(c, [product(c, phi, psi[k], mp)], rest)
        psi[k + 1:] = rest[: d - k - 1]
        s = rest[d - k - 1:]
    x0 = np.array(node, float)[None, :] / N
    coef = {a: float(target.derivative(x0, a)[0]) / math.prod(map(math.factorial, a))
            for a in multi_indices(d, n)}
    values: dict[tuple[int, ...], Signal] = {(0,) * d: phi}
    acc = None  # Lin of the accumulated sum of the finished degrees
    for deg in range(1, n):
        prev = {a: v for a, v in values.items() if sum(a) == deg - 1}
        acc_lin = c.const(0.0) if acc is None else acc.lin
        for a, v in prev.items():
            acc_lin = acc_lin + v.lin * coef[a]
        programs, keys = [], []
        for a in multi_indices(d, n):
            if sum(a) != deg:
                continue
            k = max(i for i in range(d) if a[i] > 0)
            lower = tuple(a[i] - (i == k) for i in range(d))
            programs.append(product(c, values[lower], s[k], mp))
            keys.append(a)
        carried = [Signal(acc_lin, False)] + (s if deg < n - 1 else [])
        outs, carried = run_parallel(c, programs, carried)
        acc = carried[0]
        s = carried[1:]
        values = {a: v for a, v in zip(keys, outs)}
    out = c.const(0.0) if acc is None else acc.lin
    for a, v in values.items():
        out = out + v.lin * coef[a]
    return c.finish([out], meta={"node": node, "N": N, "n": n, "mp": mp})


def term_W(d: int, n: int, mp: int, zero_coords: int) -> int:
    """Closed-form nonzero weights of `term_network` (structural count; a Taylor coefficient
    that is exactly 0 would drop its weights, which the irrational targets never produce).

    zero_coords = number of k with m_k = 0 (their layer-1 biases -3 m_k vanish).
    """
    W = 4 * d - 2 * zero_coords            # layer 1: s(+-(3N x_k - 3 m_k))
    W += 6 * d                             # layer 2: s(2 - |t|), s(1 - |t|)
    if n >= 2:
        W += 4 * d                         # layer 2: s_k pairs
    per_product = 45 * mp + 25             # fed by two 2-unit forms (pairs or psi)
    carry_layers = mp + 2
    # phi chain: product k (k = 1..d-1) carries psi_{k+2..d} (1 unit reading 2 units, then 1) and
    # the s pairs (4 weights per layer).
    for k in range(1, d):
        W += per_product - (4 if k >= 2 else 0)  # psi_{k+1} was carried: a 1-unit input form
        n_psi = d - k - 1
        W += n_psi * (2 + (carry_layers - 1))
        if n >= 2:
            W += d * 4 * carry_layers
    alphas = multi_indices(d, n)
    for deg in range(1, n):
        prev = [a for a in alphas if sum(a) == deg - 1]
        cur = [a for a in alphas if sum(a) == deg]
        W += len(cur) * per_product
        # accumulator pair: first layer reads the previous accumulator pair (absent at
        # degree 1) and each previous value's pair (phi for d = 1 is two psi units)
        reads = (0 if deg == 1 else 2) + 2 * len(prev)
        W += 2 * reads + 4 * (carry_layers - 1)
        if deg < n - 1:
            W += d * 4 * carry_layers
    n_last = len([a for a in alphas if sum(a) == n - 1])
    W += (0 if n == 1 else 2) + 2 * n_last  # output row: accumulator pair + last values
    return W


def term_depth(d: int, n: int, mp: int) -> int:
    """L (affine maps) of a term, hence of the whole network."""
    return 3 + (n_products_stages(d, n)) * (mp + 2)


def n_products_stages(d: int, n: int) -> int:
    return (d - 1) + (n - 1)


def network_W(N: int, d: int, n: int, mp: int) -> int:
    """W of the whole network: (N+1)^d terms, of which d (N+1)^(d-1) * (number of zero
    coordinates) have zero biases; summed exactly over the count of zero coordinates."""
    total = 0
    for z in range(d + 1):
        count = math.comb(d, z) * N ** (d - z)  # nodes with exactly z coordinates equal to 0
        total += count * term_W(d, n, mp, z)
    return total


def taylor_bound(target: RidgeSum, N: int, d: int, n: int, mp: int) -> dict:
    """Upper bound of sup |f - network| on [0,1]^d: Taylor part + products part.

    Taylor: (d^n/n!) (2/(3N))^n max|D^n f| (convex combination of local Taylor errors).
    Products: each of the 2^d active terms contributes sum_alpha |c_alpha| (d - 1 + |alpha|) 4^-mp
    (a chain of j products with factors in [-1, 1] errs by at most j 4^-mp); |c_alpha| is
    bounded by sup|D^alpha f|/alpha! over the cube, itself bounded termwise.
    """
    taylor = d**n / math.factorial(n) * (2.0 / (3.0 * N)) ** n * target.derivative_bound(n)
    delta = 4.0 ** (-mp)
    prod = 0.0
    for a in multi_indices(d, n):
        j = sum(a)
        if d - 1 + j == 0:
            continue
        ua = np.abs(np.prod(np.asarray(target.u, float) ** np.asarray(a, float), axis=1))
        # sup |rho^(j)| on the cube: |t| <= |u| sqrt(d) + |a| bounds |t|^(beta - j)
        tmax = np.linalg.norm(target.u, axis=1) * math.sqrt(d) + np.abs(target.a)
        from deeprates.approximation.targets import falling

        dmax = float(np.sum(np.abs(target.c) * ua * abs(falling(target.beta, j))
                            * tmax ** (target.beta - j)))
        prod += dmax / math.prod(map(math.factorial, a)) * (d - 1 + j) * delta
    return {"taylor": taylor, "products": 2**d * prod, "total": taylor + 2**d * prod}


@dataclass
class TaylorNet:
    """All terms of the construction; `__call__` is the active-terms evaluation."""

    N: int
    d: int
    n: int
    mp: int
    nodes: np.ndarray  # (T, d) integer grid nodes, in the full network's order
    terms: list[ReLUNet]

    @property
    def W(self) -> int:
        return sum(t.W for t in self.terms)

    @property
    def L(self) -> int:
        return self.terms[0].L

    @property
    def width(self) -> int:
        return sum(t.width for t in self.terms)

    def full(self) -> ReLUNet:
        """The assembled plain network (all terms side by side, one output). For small N."""
        L = self.L
        layers = []
        first = sp.vstack([sp.csr_matrix(t.layers[0].A) for t in self.terms], format="csr")
        layers.append(Affine(first, np.concatenate([t.layers[0].b for t in self.terms])))
        for i in range(1, L - 1):
            A = sp.block_diag([sp.csr_matrix(t.layers[i].A) for t in self.terms], format="csr")
            layers.append(Affine(A, np.concatenate([t.layers[i].b for t in self.terms])))
        last = sp.hstack([sp.csr_matrix(t.layers[-1].A) for t in self.terms], format="csr")
        layers.append(Affine(last, np.array([sum(float(t.layers[-1].b[0]) for t in self.terms)])))
        for layer in layers:
            layer.A.sort_indices()
        return ReLUNet(layers, name=f"taylor(N={self.N}, d={self.d}, n={self.n}, mp={self.mp})")

    def active_pairs(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, term index) for every active term of every point, sorted by term.

        A term is active at x iff every |t_k| < 2 with t_k computed exactly as the network's
        first map does (fl(fl(3N x_k) - 3 m_k)): then and only then psi_k > 0.
        """
        X = np.asarray(X, float)
        N = self.N
        base = np.floor(N * X + 2.0 / 3.0).astype(np.int64)
        pts, tids = [], []
        idx = np.arange(X.shape[0])
        for combo in itertools.product((0, 1), repeat=self.d):
            node = base - np.array(combo)
            ok = np.all((node >= 0) & (node <= N), axis=1)
            t = (3.0 * N) * X + (-3.0 * node.astype(float))
            ok &= np.all(np.abs(t) < 2.0, axis=1)
            flat = np.ravel_multi_index(tuple(np.clip(node, 0, N).T), (N + 1,) * self.d)
            pts.append(idx[ok])
            tids.append(flat[ok])
        pts = np.concatenate(pts)
        tids = np.concatenate(tids)
        order = np.lexsort((pts, tids))
        return pts[order], tids[order]

    def __call__(self, X: np.ndarray, dtype=np.float64) -> np.ndarray:
        """Network output at the points X (n, d) (or (n,) for d = 1), evaluating only active
        terms; returns (n,)."""
        X = np.asarray(X, float)
        if X.ndim == 1:
            X = X[:, None]
        out = np.zeros(X.shape[0], dtype=dtype)
        pts, tids = self.active_pairs(X)
        if pts.size == 0:
            return out + dtype(0)
        bounds = np.flatnonzero(np.diff(tids)) + 1
        for g_pts, g_tid in zip(np.split(pts, bounds), tids[np.r_[0, bounds]]):
            term = self.terms[int(g_tid)]
            h = term.hidden(X[g_pts], term.L - 1, dtype)
            row = sp.csr_matrix(term.layers[-1].A)
            for j, a in zip(row.indices, row.data.astype(dtype)):
                out[g_pts] = out[g_pts] + a * h[:, j]
        bias = dtype(sum(float(t.layers[-1].b[0]) for t in self.terms))
        return out + bias

    # ------------------------------------------------------------------ 1-D exact sup support
    def breakpoints(self) -> np.ndarray:
        """d = 1: all breakpoints on [0, 1], the union of each term's over its support."""
        if self.d != 1:
            raise ValueError("breakpoints are for d = 1")
        out = [np.array([0.0, 1.0])]
        for node, term in zip(self.nodes[:, 0], self.terms):
            lo = max(0.0, (node - 2.0 / 3.0) / self.N)
            hi = min(1.0, (node + 2.0 / 3.0) / self.N)
            out.append(breakpoints_1d(term, lo, hi))
        return np.unique(np.concatenate(out))


def build(target: RidgeSum, N: int, n: int, mp: int | None = None, progress=None) -> TaylorNet:
    """The construction for grid size N and Taylor degree n - 1 on [0, 1]^d (d = target.d)."""
    d = target.d
    if not 1 <= d <= MAX_D:
        raise ValueError(f"Taylor construction: d = {d} not implemented (1..{MAX_D})")
    if not 1 <= n <= MAX_N:
        raise ValueError(f"Taylor construction: n = {n} not implemented (1..{MAX_N})")
    mp = product_depth(target, N, n) if mp is None else mp
    nodes = np.array(list(itertools.product(range(N + 1), repeat=d)), dtype=np.int64)
    it = [tuple(int(v) for v in node) for node in nodes]
    if progress is not None:
        it = progress(it)
    terms = [term_network(target, node, N, n, mp) for node in it]
    return TaylorNet(N, d, n, mp, nodes, terms)
