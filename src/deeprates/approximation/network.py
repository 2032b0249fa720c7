"""Explicit ReLU networks: a list of affine maps with ReLU between them, evaluated literally.

Counting: W = number of nonzero weights and biases, L = number of
affine maps (depth), width = the largest hidden layer. Wide layers are stored as scipy sparse
matrices; sparse products sum each row's nonzeros in a fixed order, which also makes results
that the theory says are equal (e.g. the product network's exact zeros) bitwise equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sp


@dataclass
class Affine:
    A: np.ndarray | sp.spmatrix  # (out, in)
    b: np.ndarray  # (out,)

    def __post_init__(self) -> None:
        self.b = np.asarray(self.b, dtype=float).reshape(-1)
        if self.A.shape[0] != self.b.size:
            raise ValueError(f"affine map: A has {self.A.shape[0]} rows but b has {self.b.size}")

    @property
    def nnz(self) -> int:
        a = self.A.nnz if sp.issparse(self.A) else int(np.count_nonzero(self.A))
        return a + int(np.count_nonzero(self.b))


@dataclass
class ReLUNet:
    """x -> A_L sigma(... sigma(A_1 x + b_1) ...) + b_L, with sigma = ReLU between maps."""

    layers: list[Affine]
    name: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, (a, b) in enumerate(zip(self.layers[:-1], self.layers[1:])):
            if a.A.shape[0] != b.A.shape[1]:
                raise ValueError(
                    f"{self.name or 'network'}: layer {i} outputs {a.A.shape[0]} values but "
                    f"layer {i + 1} expects {b.A.shape[1]}"
                )

    @property
    def W(self) -> int:
        return sum(layer.nnz for layer in self.layers)

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def width(self) -> int:
        return max((layer.A.shape[0] for layer in self.layers[:-1]), default=0)

    @property
    def d_in(self) -> int:
        return self.layers[0].A.shape[1]

    def hidden(self, x: np.ndarray, upto: int, dtype=np.float64) -> np.ndarray:
        """Post-ReLU activations after `upto` affine maps; x is (n, d_in). upto=0 gives x."""
        h = np.asarray(x, dtype=dtype)
        if h.ndim == 1:
            h = h[:, None]
        for layer in self.layers[:upto]:
            h = np.maximum(_apply(layer, h, dtype), 0)
        return h

    def chunk_rows(self) -> int:
        """Rows per evaluation chunk: keeps one chunk's widest activation near BLOCK_NUMBERS."""
        return rows_per_block(max(layer.A.shape[0] for layer in self.layers))

    def __call__(self, x: np.ndarray, dtype=np.float64, chunk: int | None = None) -> np.ndarray:
        """Evaluate literally in `dtype` (weights are cast to it too). Returns (n, d_out)."""
        x = np.asarray(x, dtype=dtype)
        if x.ndim == 1:
            x = x[:, None]
        chunk = chunk or self.chunk_rows()
        out = []
        for s in range(0, x.shape[0], chunk):
            h = self.hidden(x[s : s + chunk], self.L - 1, dtype)
            out.append(_apply(self.layers[-1], h, dtype))
        return np.concatenate(out, axis=0) if out else np.zeros((0, self.layers[-1].A.shape[0]))


# Numbers in one block of activations (2^22 float64 = 32 MiB): evaluation and the breakpoint
# search work this many at a time, small enough for many jobs side by side.
BLOCK_NUMBERS = 1 << 22


def evaluate_exact(net: ReLUNet, x) -> list[Fraction]:
    """The network's outputs at one input point in exact rational arithmetic (every float64
    weight and input is a dyadic rational, so nothing is rounded). Slow (Python fractions, ~ms
    per weight at depth): for checking a few float64 evaluations whose rounding is in question,
    e.g. the product network's error near 2^-48, where float64's few units of 2^-52 matter."""
    h = [Fraction(float(v)) for v in np.ravel(x)]
    for i, layer in enumerate(net.layers):
        A = sp.csr_matrix(layer.A)
        out = []
        for r in range(A.shape[0]):
            lo, hi = A.indptr[r], A.indptr[r + 1]
            s = Fraction(float(layer.b[r]))
            for j, a in zip(A.indices[lo:hi], A.data[lo:hi]):
                s += Fraction(float(a)) * h[j]
            out.append(s if i == len(net.layers) - 1 else max(s, Fraction(0)))
        h = out
    return h


def rows_per_block(width: int) -> int:
    """Rows of a `width`-wide activation array that fit one block (at least 1)."""
    return max(1, BLOCK_NUMBERS // width)


def _apply(layer: Affine, h: np.ndarray, dtype) -> np.ndarray:
    if sp.issparse(layer.A):
        # astype copies even when the dtype matches; these calls are the inner loop of the
        # breakpoint propagation, so skip the copy when it is not needed.
        A = layer.A if layer.A.dtype == dtype else layer.A.astype(dtype)
    else:
        A = np.asarray(layer.A, dtype=dtype)
    # h @ A.T, keeping the sparse product sparse-times-dense.
    z = np.asarray((A @ h.T).T) if sp.issparse(A) else h @ A.T
    return z + layer.b.astype(dtype)


def stack_parallel(nets: list[ReLUNet], name: str = "") -> ReLUNet:
    """Run equal-depth networks side by side on the concatenation of their inputs
    (block-diagonal maps); outputs are concatenated."""
    depth = {n.L for n in nets}
    if len(depth) != 1:
        raise ValueError(f"stack_parallel needs equal depths, got {sorted(depth)}")
    layers = []
    for i in range(nets[0].L):
        A = sp.block_diag([sp.csr_matrix(n.layers[i].A) for n in nets], format="csr")
        b = np.concatenate([n.layers[i].b for n in nets])
        layers.append(Affine(A, b))
    return ReLUNet(layers, name=name)
