"""Exact sup-norm errors of 1-D piecewise-linear networks, and brackets in 2-D.

A 1-D ReLU network is piecewise linear; between consecutive breakpoints the error
target - network is target minus an affine function, whose extrema on a piece lie at the piece's
ends, at the target's singular points, or where target' equals the piece's slope (critical
points). Evaluating at exactly those candidates gives the sup norm (never
trust a grid aligned with the network's dyadic breakpoints; it returns false zeros).

Breakpoints are found by pushing the candidate set through the network layer by layer: within a
segment every pre-activation is affine, so a ReLU adds a breakpoint exactly where one changes sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from deeprates.approximation.network import ReLUNet, _apply, rows_per_block


class Target(Protocol):
    """A 1-D target function with what the exact sup norm needs."""

    def __call__(self, x: np.ndarray) -> np.ndarray: ...

    def singular_points(self, lo: float, hi: float) -> np.ndarray: ...

    def critical_points(self, a: np.ndarray, b: np.ndarray, slope: np.ndarray) -> np.ndarray:
        """Points x in (a_i, b_i) with target'(x) = slope_i (any number per segment; NaN = none)."""
        ...


@dataclass(frozen=True)
class Square:
    """x^2: convex, smooth; target' = slope at x = slope / 2."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=float) ** 2

    def singular_points(self, lo: float, hi: float) -> np.ndarray:
        return np.empty(0)

    def critical_points(self, a: np.ndarray, b: np.ndarray, slope: np.ndarray) -> np.ndarray:
        x = slope / 2.0
        return np.where((x > a) & (x < b), x, np.nan)


def breakpoints_1d(
    net: ReLUNet,
    lo: float,
    hi: float,
    extra: np.ndarray | None = None,
    holes: np.ndarray | None = None,
    return_values: bool = False,
    chunk: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """All breakpoints of a 1-D-input network on [lo, hi] (sorted, including lo and hi).

    Exact up to float64 rounding of the zero crossings; cost grows with the number of linear
    pieces, which for deep sawtooth-like networks is exponential in depth (2^m for f_m).
    `holes` (k, 2): open intervals not searched (their ends are kept as points), for networks
    whose output is known to be affine there although hidden units are not.
    With `return_values` the network's float64 outputs at the points come too (the
    propagation has the last hidden layer at hand, so this saves an evaluation pass).

    Memory: a layer's pre-activations at all n points are never held at once; they are
    computed `chunk` points at a time (at least 2; default: `rows_per_block` of the layer's
    width, 2^22 numbers, 32 MiB). Only the activations a later hidden layer reads are kept
    (n x width of every layer but the last hidden one), so a one-hidden-layer network of P
    units needs O(P + chunk P) memory, not the n x P ~ P^2 of the whole layer at once (137 GB
    at P = 2^17).
    Every number is computed by the same per-row arithmetic as for the whole array at once
    (`_apply` is row-wise for blocks of two rows or more, `_row_blocks`), so the result does not
    depend on `chunk`.
    """
    if net.d_in != 1:
        raise ValueError(f"breakpoints_1d needs a 1-D input network, {net.name} has d_in={net.d_in}")
    if chunk is not None and chunk < 1:
        raise ValueError(f"breakpoints_1d needs chunk >= 1, got {chunk}")
    pts = np.unique(np.concatenate([[lo, hi], [] if extra is None else np.asarray(extra, float)]))
    if holes is not None and len(holes):
        holes = np.asarray(holes, float).reshape(-1, 2)
        pts = np.unique(np.concatenate([pts, holes.ravel()]))
    pts = pts[(pts >= lo) & (pts <= hi)]
    h = pts[:, None].astype(np.float64)  # activations read by `layer`, at every point
    hidden = net.layers[:-1]
    for depth, layer in enumerate(hidden):
        step = chunk or rows_per_block(layer.A.shape[0])
        new = _crossings(layer, pts, h, holes, step)
        if new.size:
            # Evaluate the prefix literally at the new points, then merge.
            h_new = np.concatenate([net.hidden(new[a:b, None], depth)
                                    for a, b in _row_blocks(new.size, chunk or net.chunk_rows())])
            pts = np.concatenate([pts, new])
            h = np.concatenate([h, h_new])
            order = np.argsort(pts, kind="stable")
            pts, h = pts[order], h[order]
        if depth < len(hidden) - 1:  # the next hidden layer reads this one at every point
            h = _blocks(lambda hb, layer=layer: np.maximum(_apply(layer, hb, np.float64), 0),
                        h, layer.A.shape[0], step)
    if not return_values:
        return pts
    if not hidden:
        return pts, _apply(net.layers[-1], h, np.float64)[:, 0]
    top, out = hidden[-1], net.layers[-1]
    step = chunk or rows_per_block(top.A.shape[0])
    values = _blocks(lambda hb: _apply(out, np.maximum(_apply(top, hb, np.float64), 0), np.float64),
                     h, out.A.shape[0], step)
    return pts, values[:, 0]


def _blocks(fn: Callable[[np.ndarray], np.ndarray], h: np.ndarray, width: int, step: int) -> np.ndarray:
    """fn applied to about `step` rows of h at a time (fn is row-wise), into one (n, width) array."""
    out = np.empty((h.shape[0], width))
    for a, b in _row_blocks(h.shape[0], step):
        out[a:b] = fn(h[a:b])
    return out


def _row_blocks(n: int, step: int) -> list[tuple[int, int]]:
    """[a, b) ranges covering 0..n-1, `step` rows each (at least 2) and never a block of one row
    unless n = 1: a single row goes through BLAS gemv or scipy's matvec instead of gemm /
    matvecs, which may round differently (measured on random networks), so a one-row tail joins
    the block before it."""
    step = max(step, 2)
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [(a, b) for a, b in zip(starts, [*starts[1:], n])]


def _crossings(layer, pts: np.ndarray, h: np.ndarray, holes: np.ndarray | None, step: int) -> np.ndarray:
    """Points strictly inside a segment [pts_i, pts_i+1] where a pre-activation of `layer`
    changes sign (linear interpolation of its end values), not yet in pts; sorted, unique.
    Points are read `step` at a time (at least 2: a block's segments are those between its
    points, and consecutive blocks share an end point)."""
    found = []
    seg_step = max(step - 1, 1)
    for s in range(0, max(pts.size - 1, 0), seg_step):
        e = min(s + seg_step, pts.size - 1)  # segments s .. e-1, points s .. e
        pre = _apply(layer, h[s : e + 1], np.float64)
        left, right = pre[:-1], pre[1:]
        cross = (left * right) < 0  # strict sign change inside a segment
        if holes is not None and len(holes):
            mid = 0.5 * (pts[s:e] + pts[s + 1 : e + 1])
            k = np.searchsorted(holes[:, 0], mid) - 1
            inside = (k >= 0) & (mid < holes[np.maximum(k, 0), 1])
            cross[inside] = False
        if cross.any():
            seg, unit = np.nonzero(cross)
            t = left[seg, unit] / (left[seg, unit] - right[seg, unit])
            a, b = pts[s + seg], pts[s + seg + 1]
            found.append(np.unique(a + t * (b - a)))
    if not found:
        return np.empty(0)
    return np.setdiff1d(np.unique(np.concatenate(found)), pts)


@dataclass(frozen=True)
class SupError:
    value: float  # max |target - net|
    argmax: float
    n_candidates: int


def sup_error_1d(
    net: ReLUNet,
    target: Target,
    lo: float,
    hi: float,
    *,
    breakpoints: np.ndarray | None = None,
    dtype=np.float64,
) -> SupError:
    """Exact sup |target - net| on [lo, hi].

    `breakpoints` may be given when known analytically (e.g. k/2^m for the sawtooth); otherwise
    they are computed by `breakpoints_1d`. The network is evaluated in `dtype`; the target and
    the difference in float64.
    """
    bp = breakpoints_1d(net, lo, hi) if breakpoints is None else breakpoints
    return sup_error_pl(lambda x: net(x[:, None], dtype=dtype)[:, 0], target, lo, hi, bp)


def sup_error_pl(
    fn: Callable[[np.ndarray], np.ndarray],
    target: Target,
    lo: float,
    hi: float,
    breakpoints: np.ndarray,
    values: np.ndarray | None = None,
) -> SupError:
    """Exact sup |target - fn| on [lo, hi] for a function `fn` (points (n,) -> values (n,)) that
    is affine between consecutive `breakpoints`: candidates are the breakpoints, the target's
    singular points and, on every segment, the point where target' equals fn's slope.
    `values` = fn at `breakpoints` when already known (sorted, unique breakpoints)."""
    bp = np.asarray(breakpoints, float)
    extra = np.concatenate([target.singular_points(lo, hi), [lo, hi]])
    if values is not None:
        extra = np.setdiff1d(extra, bp)
        bp = np.concatenate([bp, extra])
        yb = np.concatenate([np.asarray(values, float), np.asarray(fn(extra), float)])
        order = np.argsort(bp, kind="stable")
        bp, yb = bp[order], yb[order]
        keep = (bp >= lo) & (bp <= hi)
        bp, yb = bp[keep], yb[keep]
    else:
        bp = np.unique(np.concatenate([bp, extra]))
        bp = bp[(bp >= lo) & (bp <= hi)]
        yb = np.asarray(fn(bp), dtype=np.float64)
    slope = np.diff(yb) / np.diff(bp)
    crit = target.critical_points(bp[:-1], bp[1:], slope)
    crit = crit[np.isfinite(crit)]
    err_b = np.abs(target(bp) - yb)
    err_c = np.abs(target(crit) - np.asarray(fn(crit), dtype=np.float64)) if crit.size else crit
    cand = np.concatenate([bp, crit])
    err = np.concatenate([err_b, err_c])
    i = int(np.argmax(err))
    return SupError(float(err[i]), float(cand[i]), int(cand.size))


@dataclass(frozen=True)
class Bracket:
    """Sup-norm bracket in d >= 2: `lower` is a max over evaluated points (a true lower bound of
    the sup); `upper` is set only where the construction provides an analytic bound."""

    lower: float
    argmax: tuple[float, ...]
    n_points: int
    upper: float | None = None


def offset_grid(n: int, lo: float, hi: float, d: int) -> np.ndarray:
    """Midpoint-offset grid: cell centres of an n^d grid. With n not a power of 2 it also avoids
    the dyadic breakpoints of sawtooth-based networks."""
    g = lo + (hi - lo) * (np.arange(n) + 0.5) / n
    mesh = np.meshgrid(*([g] * d), indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


def sup_error_points(
    fn: Callable[[np.ndarray], np.ndarray],
    target: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    chunk: int = 1 << 18,
) -> Bracket:
    """max |target - fn| over the given points (rows), evaluated in chunks."""
    best, arg = -1.0, None
    for s in range(0, points.shape[0], chunk):
        p = points[s : s + chunk]
        e = np.abs(np.asarray(target(p), float).reshape(-1) - np.asarray(fn(p), float).reshape(-1))
        i = int(np.argmax(e))
        if e[i] > best:
            best, arg = float(e[i]), tuple(float(v) for v in p[i])
    return Bracket(best, arg or (), int(points.shape[0]))


def refine_max(
    fn: Callable[[np.ndarray], np.ndarray],
    target: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    errors: np.ndarray,
    spacing: float,
    lo: float,
    hi: float,
    top: int = 32,
    per_axis: int = 9,
    rounds: int = 3,
) -> Bracket:
    """Local refinement of a sampled maximum (d >= 2): around the `top` largest sampled errors,
    a local grid of per_axis^d points spanning +-spacing, then around the best of those with the
    spacing shrunk by per_axis - 1, `rounds` times. Still a lower bound of the sup, but it
    converges to the local maxima instead of depending on where samples fell."""
    d = points.shape[1]
    order = np.argsort(errors)[::-1][:top]
    centres = points[order]
    best_e = errors[order]
    offs = np.linspace(-1.0, 1.0, per_axis)
    mesh = np.stack([m.reshape(-1) for m in np.meshgrid(*([offs] * d), indexing="ij")], axis=1)
    s = spacing
    n_eval = 0
    for _ in range(rounds):
        cand = np.clip(centres[:, None, :] + s * mesh[None, :, :], lo, hi).reshape(-1, d)
        e = np.abs(np.asarray(target(cand), float).reshape(-1) - np.asarray(fn(cand), float).reshape(-1))
        n_eval += cand.shape[0]
        e = e.reshape(centres.shape[0], -1)
        j = np.argmax(e, axis=1)
        better = e[np.arange(e.shape[0]), j] > best_e
        centres = np.where(better[:, None], cand.reshape(centres.shape[0], -1, d)[np.arange(e.shape[0]), j], centres)
        best_e = np.maximum(best_e, e[np.arange(e.shape[0]), j])
        s = s / (per_axis - 1)
    i = int(np.argmax(best_e))
    return Bracket(float(best_e[i]), tuple(float(v) for v in centres[i]), n_eval)
