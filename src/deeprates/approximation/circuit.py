"""Build plain `ReLUNet`s layer by layer from linear forms (the constructions' wiring tool).

A construction is easier to write as "this unit is sigma(3 t - 1) where t = ..." than as
matrices. `Circuit` keeps the current top layer; `unit(form)` adds sigma(form) to the next
layer and returns a `Lin` (a linear form) over it; `step()` closes that layer. `finish()` turns
the rows into the same `ReLUNet` of `Affine` maps everything else uses (sparse CSR), so counts
(W, L, width) and literal evaluation are those of network.py.

Signed values that must survive a ReLU are carried as a pair sigma(v), sigma(-v) (exact: one of
the two is zero); values known to be >= 0 as one unit. A pair of a value that is exactly 0 is
two exact zeros, so anything read from it later is exactly 0 too: the partition-of-unity
constructions rely on this (inactive terms contribute exact zeros, docs/figures/sobolev-taylor.md).

Column order inside a row is unit creation order (CSR rows are sorted), so the floating-point
summation order of every row is fixed by the construction. `product` interleaves its three
channels so that equal channels cancel term by term, making x(0, y) = x(x, 0) = 0 bitwise for
every y, not only for dyadic inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator

import numpy as np
import scipy.sparse as sp

from deeprates.approximation.network import Affine, ReLUNet


@dataclass
class Lin:
    """sum_j coef[j] * unit_j + const over the units of one layer (`depth`; 0 = the inputs)."""

    depth: int
    coef: dict[int, float] = field(default_factory=dict)
    const: float = 0.0

    def _combine(self, other: Lin | float, sign: float) -> Lin:
        if isinstance(other, Lin):
            if other.depth != self.depth:
                raise ValueError(f"cannot combine forms of layers {self.depth} and {other.depth}")
            coef = dict(self.coef)
            for j, c in other.coef.items():
                v = coef.get(j, 0.0) + sign * c
                if v == 0.0:
                    coef.pop(j, None)  # a weight that cancels is not a weight
                else:
                    coef[j] = v
            return Lin(self.depth, coef, self.const + sign * other.const)
        return Lin(self.depth, dict(self.coef), self.const + sign * float(other))

    def __add__(self, other: Lin | float) -> Lin:
        return self._combine(other, 1.0)

    __radd__ = __add__

    def __sub__(self, other: Lin | float) -> Lin:
        return self._combine(other, -1.0)

    def __rsub__(self, other: float) -> Lin:
        return (-1.0) * self + other

    def __mul__(self, k: float) -> Lin:
        k = float(k)
        if k == 0.0:
            return Lin(self.depth, {}, 0.0)
        return Lin(self.depth, {j: c * k for j, c in self.coef.items()}, self.const * k)

    __rmul__ = __mul__

    def __neg__(self) -> Lin:
        return self * -1.0


@dataclass
class Signal:
    """A value available at the circuit's top layer, with what is known of its sign.

    `nonneg`: the value is >= 0 wherever the network is used, so one ReLU carries it exactly;
    otherwise it is carried as a pair.
    """

    lin: Lin
    nonneg: bool = False


class Circuit:
    """Builder of one plain ReLU network; see the module docstring."""

    def __init__(self, d_in: int, name: str = ""):
        self.name = name
        self.widths = [d_in]
        self._rows: list[list[tuple[dict[int, float], float]]] = []
        self._pending: list[tuple[dict[int, float], float]] = []

    @property
    def depth(self) -> int:
        """Index of the top (finished) layer; 0 = the inputs."""
        return len(self._rows)

    def inputs(self) -> list[Lin]:
        return [Lin(0, {i: 1.0}) for i in range(self.widths[0])]

    def const(self, value: float = 0.0) -> Lin:
        return Lin(self.depth, {}, float(value))

    def unit(self, form: Lin) -> Lin:
        """Add sigma(form) to the next layer; returns the form that reads it."""
        if form.depth != self.depth:
            raise ValueError(
                f"{self.name}: a unit of layer {self.depth + 1} must read layer {self.depth}, "
                f"got a form over layer {form.depth}"
            )
        self._pending.append((dict(sorted(form.coef.items())), form.const))
        return Lin(self.depth + 1, {len(self._pending) - 1: 1.0})

    def carry(self, s: Signal) -> Signal:
        """The same value one layer up: one unit if >= 0, else a pair (both exact)."""
        if s.nonneg:
            return Signal(self.unit(s.lin), True)
        p = self.unit(s.lin)
        n = self.unit(-s.lin)
        return Signal(p - n, False)

    def step(self) -> None:
        if not self._pending:
            raise ValueError(f"{self.name}: layer {self.depth + 1} has no units")
        self._rows.append(self._pending)
        self.widths.append(len(self._pending))
        self._pending = []

    def finish(self, outputs: list[Lin], meta: dict | None = None) -> ReLUNet:
        """The network x -> outputs (forms over the top layer): the last affine map."""
        if self._pending:
            raise ValueError(f"{self.name}: layer {self.depth + 1} was started but not closed")
        for o in outputs:
            if o.depth != self.depth:
                raise ValueError(f"{self.name}: outputs must read the top layer {self.depth}")
        layers = []
        for i, rows in enumerate([*self._rows, [(dict(sorted(o.coef.items())), o.const)
                                                for o in outputs]]):
            layers.append(_affine(rows, self.widths[i]))
        return ReLUNet(layers, name=self.name, meta=meta or {})


def _affine(rows: list[tuple[dict[int, float], float]], n_in: int) -> Affine:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for coef, _ in rows:
        for j, c in coef.items():
            if c != 0.0:
                indices.append(j)
                data.append(c)
        indptr.append(len(indices))
    A = sp.csr_matrix(
        (np.array(data, float), np.array(indices, np.int64), np.array(indptr, np.int64)),
        shape=(len(rows), n_in),
    )
    A.has_sorted_indices = True
    return Affine(A, np.array([b for _, b in rows], float))


# ----------------------------------------------------------------------------- multi-layer blocks

Program = Generator[None, None, object]


def run_parallel(c: Circuit, programs: list[Program], carried: list[Signal]) -> tuple[list, list[Signal]]:
    """Run programs (generators that add one layer of units per `yield`) side by side, carrying
    `carried` through every layer they take. All programs must take the same number of layers.
    Returns their return values and the carried signals at the new top layer."""
    results: list[object] = [None] * len(programs)
    done = [False] * len(programs)
    layers = 0
    while True:
        progressed = False
        for i, g in enumerate(programs):
            if done[i]:
                continue
            try:
                next(g)
                progressed = True
            except StopIteration as stop:
                results[i] = stop.value
                done[i] = True
        if not progressed:
            break
        if not all(not d for d in done):
            raise ValueError(f"{c.name}: parallel blocks of unequal depth")
        carried = [c.carry(s) for s in carried]
        c.step()
        layers += 1
    return results, carried


def product(c: Circuit, a: Signal, b: Signal, m: int, M: float = 1.0) -> Program:
    """The multiplication network of arXiv:1610.01145 Prop. 3 as a block of m + 2 layers:
    x(a, b) = 2M^2 [f_m(|a+b|/2M) - f_m(|a|/2M) - f_m(|b|/2M)] for |a|, |b| <= M, its output
    materialised as a pair so that an exact 0 stays an exact 0 downstream.

    Layer 1 forms s(+-s/2M) for s in (a+b, a, b); layers 2..m+1 run f_m (sawtooth.deep_square)
    on the three |s| = s(s/2M) + s(-s/2M) with the channels' units interleaved; layer m+2 is the
    output pair. If a == 0 exactly, channels (a+b) and b compute bitwise-equal values and
    channel a is all zeros; interleaving makes the output row cancel term by term, so the
    product is exactly 0 (likewise for b == 0). W = 45m + 25 when a and b are pairs.
    """
    if m < 1:
        raise ValueError(f"product needs m >= 1, got m={m}")
    k = 1.0 / (2.0 * M)
    srcs = [a.lin + b.lin, a.lin, b.lin]
    halves = []
    for s in srcs:
        halves.append((c.unit(s * k), c.unit(s * -k)))
    yield
    # f_m (sawtooth.deep_square) on |s|: units [s(g), s(g - 1/2), s(g - 1), acc].
    tooth = (2.0, -4.0, 2.0)
    cur: list[list[Lin]] = [[], [], []]
    for j, bias in enumerate((0.0, -0.5, -1.0, 0.0)):
        for ch, (p, n) in enumerate(halves):
            cur[ch].append(c.unit(p + n + bias))
    yield
    for s in range(1, m):
        nxt: list[list[Lin]] = [[], [], []]
        for j, bias in enumerate((0.0, -0.5, -1.0, 0.0)):
            for ch in range(3):
                u = cur[ch]
                g = tooth[0] * u[0] + tooth[1] * u[1] + tooth[2] * u[2]
                if j < 3:
                    nxt[ch].append(c.unit(g + bias))
                else:
                    nxt[ch].append(c.unit(u[3] - g * (1.0 / 4.0**s)))
        cur = nxt
        yield
    out = c.const(0.0)
    scale = 2.0 * M * M
    for j in range(4):
        w = (-tooth[j] / 4.0**m) if j < 3 else 1.0
        for ch, sign in enumerate((1.0, -1.0, -1.0)):
            out = out + cur[ch][j] * (scale * sign * w)
    pair = c.carry(Signal(out, False))
    yield
    return pair


def product_W(m: int) -> int:
    """Nonzero weights of `product` fed by two pairs: 16 (|.| layer) + 30 (f_m's first layer on
    three channels) + 45 (m - 1) (three f_m's middle layers) + 24 (output pair)."""
    return 45 * m + 25
