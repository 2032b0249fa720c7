"""The breakpoint search in blocks of points (supnorm.breakpoints_1d) equals the search over all
points at once, bit for bit, and never builds an array larger than its block."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from deeprates.approximation import network, supnorm
from deeprates.approximation import sawtooth
from deeprates.approximation.bit_extraction import build, interpolant_network
from deeprates.approximation.network import Affine, ReLUNet, _apply
from deeprates.approximation.supnorm import Square, breakpoints_1d, sup_error_1d
from deeprates.approximation.targets import kink_sum


def dense_breakpoints(net, lo, hi, holes=None, return_values=False):
    """The reference: every layer's pre-activations at all points at once (n x width arrays),
    the form breakpoints_1d had before it worked in blocks."""
    pts = np.unique(np.array([lo, hi], float))
    if holes is not None and len(holes):
        holes = np.asarray(holes, float).reshape(-1, 2)
        pts = np.unique(np.concatenate([pts, holes.ravel()]))
    pts = pts[(pts >= lo) & (pts <= hi)]
    h = pts[:, None]
    for depth, layer in enumerate(net.layers[:-1]):
        pre = _apply(layer, h, np.float64)
        left, right = pre[:-1], pre[1:]
        cross = (left * right) < 0
        if holes is not None and len(holes):
            mid = 0.5 * (pts[:-1] + pts[1:])
            k = np.searchsorted(holes[:, 0], mid) - 1
            cross[(k >= 0) & (mid < holes[np.maximum(k, 0), 1])] = False
        seg, unit = np.nonzero(cross)
        t = left[seg, unit] / (left[seg, unit] - right[seg, unit])
        new = np.setdiff1d(np.unique(pts[seg] + t * (pts[seg + 1] - pts[seg])), pts)
        if new.size:
            pts = np.concatenate([pts, new])
            h = np.concatenate([h, net.hidden(new[:, None], depth)])
            order = np.argsort(pts, kind="stable")
            pts, h = pts[order], h[order]
        h = np.maximum(_apply(layer, h, np.float64), 0)
    if return_values:
        return pts, _apply(net.layers[-1], h, np.float64)[:, 0]
    return pts


def random_net(rng, widths, sparse):
    """A random 1-D-input ReLU network with hidden widths `widths` and one output.

    The output map is sparse, as Circuit builds it: a dense map to one output goes through BLAS
    gemv, whose rounding depends on a row's position in the array (measured: ~1e-15 between
    blocks of 2 rows and all 14 at once), so no blocking reproduces it bit for bit. The only
    caller that asks breakpoints_1d for values (bit_extraction) builds its nets with Circuit;
    deep_square's dense output map is evaluated by net(x), in that function's own chunks."""
    layers, n_in = [], 1
    for i, w in enumerate([*widths, 1]):
        A = rng.normal(size=(w, n_in))
        A[rng.random(A.shape) < 0.3] = 0.0
        layers.append(Affine(sp.csr_matrix(A) if sparse or i == len(widths) else A,
                             rng.normal(scale=0.5, size=w)))
        n_in = w
    return ReLUNet(layers, name=f"random{widths}{'sparse' if sparse else 'dense'}")


def nets():
    rng = np.random.default_rng(15)
    f = kink_sum(16, 1.0, signs="alternating")
    yield sawtooth.shallow_square(37)          # dense hidden layer of P units
    yield interpolant_network(f, 50)           # sparse (Circuit) hidden layer of P units
    yield sawtooth.deep_square(5)              # narrow and deep, dense
    yield sawtooth.budget_square(2, 3)         # wide layers between bottlenecks
    for widths in ([40], [12, 9], [7, 11, 5]):
        for sparse in (False, True):
            yield random_net(rng, widths, sparse)


@pytest.mark.parametrize("net", list(nets()), ids=lambda n: n.name)
def test_blocks_equal_the_whole_array_bit_for_bit(net):
    pts, vals = dense_breakpoints(net, -0.25, 1.0, return_values=True)
    assert pts.size > 3  # the search found crossings to agree on
    for chunk in (1, 2, 3, 7, pts.size - 1, pts.size, 10 * pts.size, None):
        got = breakpoints_1d(net, -0.25, 1.0, chunk=chunk)
        assert np.array_equal(got, pts), chunk
        got_p, got_v = breakpoints_1d(net, -0.25, 1.0, return_values=True, chunk=chunk)
        assert np.array_equal(got_p, pts) and np.array_equal(got_v, vals), chunk


def test_blocks_respect_holes():
    b = build(kink_sum(16, 1.0, signs="alternating"), 16, 3)
    holes = b.holes()
    pts, vals = dense_breakpoints(b.net, 0.0, 1.0, holes=holes, return_values=True)
    for chunk in (1, 5, None):
        got_p, got_v = breakpoints_1d(b.net, 0.0, 1.0, holes=holes, return_values=True, chunk=chunk)
        assert np.array_equal(got_p, pts) and np.array_equal(got_v, vals)


def test_chunk_must_be_positive():
    with pytest.raises(ValueError, match="chunk >= 1"):
        breakpoints_1d(sawtooth.shallow_square(4), 0.0, 1.0, chunk=0)


@pytest.fixture
def array_sizes(monkeypatch):
    """Records the size of every layer output the evaluation and the search build."""
    sizes = []

    def recording(layer, h, dtype):
        z = _apply(layer, h, dtype)
        sizes.append(z.size)
        return z

    monkeypatch.setattr(network, "_apply", recording)
    monkeypatch.setattr(supnorm, "_apply", recording)
    return sizes


@pytest.mark.parametrize("make", [sawtooth.shallow_square,
                                  lambda P: interpolant_network(kink_sum(16, 1.0), P)])
def test_the_block_bounds_every_array(monkeypatch, array_sizes, make):
    """A one-hidden-layer net of P = 300 units: at once, the search held 302 x 300 numbers per
    array; with a budget of 4096 numbers per block no layer output exceeds it, and the sup
    error (breakpoints, then evaluation in chunks) is the same as with the default block."""
    net = make(300)
    target = Square() if net.name.startswith("shallow_square") else kink_sum(16, 1.0)
    expected = sup_error_1d(net, target, 0.0, 1.0)
    array_sizes.clear()
    monkeypatch.setattr(network, "BLOCK_NUMBERS", 4096)
    got = sup_error_1d(net, target, 0.0, 1.0)
    assert got == expected
    assert array_sizes and max(array_sizes) <= 4096
    # the whole-array form would not have fitted: the bound is what kept them small
    assert breakpoints_1d(net, 0.0, 1.0).size * net.width > 20 * 4096


def test_chunk_bounds_the_rows(array_sizes):
    net = random_net(np.random.default_rng(3), [12, 9], sparse=True)
    for chunk in (1, 2, 6):
        array_sizes.clear()
        breakpoints_1d(net, -0.25, 1.0, return_values=True, chunk=chunk)
        assert max(array_sizes) <= max(chunk, 2) * net.width
