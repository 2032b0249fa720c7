"""Paths between two trained networks A and B (arXiv:2008.00741, Section 3-5).

One-hidden-layer nets f(x) = V ReLU(W x + b) + c. A hidden neuron is theta_i = (w_i, b_i, v_i);
the network is the cloud of its N neuron vectors (a matrix of N rows) plus the output bias c.
- Linear: theta(t) = (1 - t) theta^A + t theta^B (neuron i of A to neuron i of B).
- Arc: theta(t) = mu + cos(pi t/2)(theta^A - mu) + sin(pi t/2)(theta^B - mu), mu the mean of all
  2N neuron vectors: if A's and B's neurons are draws of one distribution, the cloud keeps its
  mean and covariance along the path, where Linear shrinks the covariance by (1 - t)^2 + t^2.
- OT: B's neurons first matched to A's by an optimal assignment (squared Euclidean cost), then
  Linear. B with permuted neurons is the same function, so OT does not depend on B's order.
- Weight adjustment (WA), t in [0, 2]: for t <= 1 the hidden layer moves along one of the above
  and the output layer is refitted on the training set, V_t = V^A F_A^T pinv(F_t^T) (F: hidden
  features, n x N), so that the net keeps A's training outputs (exactly when N >= n and F_t has
  full rank); for t in [1, 2] the output layer moves linearly to V^B.
Deep bias-free ReLU nets (layers W_1..W_L) move all layers at once (Linear, Arc, OT) or layer
by layer: on stage l (t in [l-1, l]) the layers before l are B's, layer l moves linearly to B's
while layer l + 1 is refitted to keep its input-to-output map on the training set (WA); the last
stage moves the output layer linearly.
All in float64 numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.optimize import linear_sum_assignment

from deeprates.connectivity.forward import Layer, cross_entropy, error, features, logits

METHODS_ONELAYER = ("Linear", "Arc", "OT", "Linear+WA", "Arc+WA", "OT+WA")


# ---------------------------------------------------------------- neuron clouds (one layer)
def neurons(layers: list[Layer]) -> np.ndarray:
    """(N, d + 1 + classes): each hidden neuron's incoming weights, bias and outgoing weights."""
    (W, b), (V, _) = layers
    return np.hstack([W, b[:, None], V.T])


def from_neurons(theta: np.ndarray, c: np.ndarray, d: int) -> list[Layer]:
    return [(theta[:, :d], theta[:, d]), (theta[:, d + 1 :].T, c)]


def match_neurons(theta_a: np.ndarray, theta_b: np.ndarray) -> np.ndarray:
    """The permutation p minimising sum_i |theta_a[i] - theta_b[p[i]]|^2."""
    cost = (np.sum(theta_a**2, 1)[:, None] + np.sum(theta_b**2, 1)[None, :]
            - 2.0 * theta_a @ theta_b.T)
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty_like(cols)
    perm[rows] = cols
    return perm


def permute_hidden(layers: list[Layer], perm: np.ndarray) -> list[Layer]:
    """The same function with its hidden neurons reordered (one-hidden-layer net)."""
    (W, b), (V, c) = layers
    return [(W[perm], b[perm]), (V[:, perm], c)]


def linear_point(ta: np.ndarray, tb: np.ndarray, t: float) -> np.ndarray:
    return (1.0 - t) * ta + t * tb


def arc_point(ta: np.ndarray, tb: np.ndarray, t: float, mu: np.ndarray) -> np.ndarray:
    a = 0.5 * np.pi * t
    return mu + np.cos(a) * (ta - mu) + np.sin(a) * (tb - mu)


def cloud_trace(theta: np.ndarray) -> float:
    """Trace of the covariance of the neuron cloud (rows)."""
    return float(np.sum(np.var(theta, axis=0)))


# ---------------------------------------------------------------- weight adjustment
def refit(target: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """W with W feats^T closest to `target` (out x n) in least squares, minimum norm up to
    pivoting: W = target pinv(feats^T), exact (W feats^T = target) when feats (n x N) has rank n.
    QR with column pivoting (LAPACK gelsy): as accurate as the SVD here (residual ~1e-15 of the
    target, measured on trained digits nets) at a fraction of its cost."""
    sol, *_ = scipy.linalg.lstsq(feats, target.T, lapack_driver="gelsy")
    return sol.T


@dataclass
class PathCurve:
    t: np.ndarray
    train_loss: np.ndarray
    test_error: np.ndarray
    endpoint_dev: float = 0.0  # max |z - z_A| at t = 0 and |z - z_B| at the end, / max |z|
    train_logits_dev: np.ndarray | None = None  # WA first half: max |z_t - z_A| / max |z_A|

    def barrier(self) -> float:
        """Max training loss along the path above the larger endpoint loss."""
        return float(self.train_loss.max() - max(self.train_loss[0], self.train_loss[-1]))


def _eval(layers: list[Layer], split, train_from=None, test_from=None):
    """(train cross-entropy, test error, train logits) of `layers`. `train_from` / `test_from`:
    (k, h) with h the features after the first k layers, already computed (layers that stay
    fixed along a stage, or features a refit needed): evaluation continues from them with the
    same floating-point operations as from the input, so the numbers are the same bits."""
    k, h = train_from or (0, split.x_train)
    z = logits(layers[k:], h)
    k_te, h_te = test_from or (0, split.x_test)
    return cross_entropy(z, split.y_train), error(logits(layers[k_te:], h_te), split.y_test), z


def _fixed(layers: list[Layer], split) -> tuple[tuple, tuple]:
    """train_from and test_from for _eval when `layers` are a path's fixed first layers."""
    k = len(layers)
    return (k, features(layers, split.x_train, k)), (k, features(layers, split.x_test, k))


def match_onelayer(a: list[Layer], b: list[Layer]) -> list[Layer]:
    """B with its hidden neurons matched to A's (the start of every OT path)."""
    return permute_hidden(b, match_neurons(neurons(a), neurons(b)))


def onelayer_path(a: list[Layer], b: list[Layer], method: str, split, points: int = 21,
                  matched: list[Layer] | None = None):
    """Evaluate one method's path between one-hidden-layer nets a and b (`points` per unit t).
    `matched`: match_onelayer(a, b) when the caller has it already (OT methods)."""
    if method not in METHODS_ONELAYER:
        raise ValueError(f"unknown path method {method!r}; known: {METHODS_ONELAYER}")
    d = a[0][0].shape[1]
    base, wa = method.split("+")[0], method.endswith("+WA")
    if base == "OT":
        b = matched if matched is not None else match_onelayer(a, b)
    ta, tb = neurons(a), neurons(b)
    mu = np.vstack([ta, tb]).mean(axis=0)
    ca, cb = a[1][1], b[1][1]

    def hidden_at(t):
        th = arc_point(ta, tb, t, mu) if base == "Arc" else linear_point(ta, tb, t)
        return th

    ts = np.linspace(0.0, 1.0, points)
    loss, err, dev = [], [], []
    z_a, z_b = logits(a, split.x_train), logits(b, split.x_train)
    scale = max(np.abs(z_a).max(), np.abs(z_b).max())
    zs = []
    if not wa:
        for t in ts:
            lay = from_neurons(hidden_at(t), linear_point(ca, cb, t), d)
            l_, e_, z = _eval(lay, split)
            loss.append(l_), err.append(e_), zs.append(z)
        end = max(np.abs(zs[0] - z_a).max(), np.abs(zs[-1] - z_b).max()) / scale
        return PathCurve(ts, np.array(loss), np.array(err), float(end))
    # first half: hidden layer along the path, output layer refitted to A's training outputs
    target = (z_a - ca).T  # V^A F_A^T
    V1 = None
    for t in ts:
        th = hidden_at(t)
        hid = [(th[:, :d], th[:, d])]
        F = features(hid, split.x_train, 1)
        V = refit(target, F)
        lay = hid + [(V, ca)]
        l_, e_, z = _eval(lay, split, train_from=(1, F))
        loss.append(l_), err.append(e_), dev.append(np.abs(z - z_a).max() / scale)
        zs.append(z)
        V1 = V
    # second half: the output layer moves linearly to B's (hidden layer = B's, i.e. th at t=1)
    hid_b = [(tb[:, :d], tb[:, d])]
    Vb = tb[:, d + 1 :].T
    fixed = _fixed(hid_b, split)
    for s in ts[1:]:
        lay = hid_b + [(linear_point(V1, Vb, s), linear_point(ca, cb, s))]
        l_, e_, z = _eval(lay, split, *fixed)
        loss.append(l_), err.append(e_)
    end = max(np.abs(zs[0] - z_a).max(), np.abs(z - z_b).max()) / scale
    return PathCurve(np.concatenate([ts, 1.0 + ts[1:]]), np.array(loss), np.array(err),
                     float(end), np.array(dev))


def covariance_traces(a: list[Layer], b: list[Layer], points: int = 21) -> dict:
    """tr Cov of the neuron cloud along Linear and Arc, with the independent-cloud predictions
    (1-t)^2 trA + t^2 trB (Linear) and cos^2 trA + sin^2 trB (Arc)."""
    ta, tb = neurons(a), neurons(b)
    mu = np.vstack([ta, tb]).mean(axis=0)
    ts = np.linspace(0.0, 1.0, points)
    tra, trb = cloud_trace(ta), cloud_trace(tb)
    ang = 0.5 * np.pi * ts
    return {
        "t": ts,
        "linear": np.array([cloud_trace(linear_point(ta, tb, t)) for t in ts]),
        "arc": np.array([cloud_trace(arc_point(ta, tb, t, mu)) for t in ts]),
        "linear_pred": (1 - ts) ** 2 * tra + ts**2 * trb,
        "arc_pred": np.cos(ang) ** 2 * tra + np.sin(ang) ** 2 * trb,
        "trace_a": tra, "trace_b": trb,
    }


# ---------------------------------------------------------------- deep bias-free nets
METHODS_DEEP = ("Linear", "Arc", "Linear+B-fly", "Linear+WA", "OT+B-fly", "OT+WA")


def permute_deep(layers: list[Layer], perms: list[np.ndarray]) -> list[Layer]:
    """The same function with the neurons of hidden layer l reordered by perms[l]."""
    out = [W.copy() for W, _ in layers]
    for l, p in enumerate(perms):
        out[l] = out[l][p]
        out[l + 1] = out[l + 1][:, p]
    return [(W, None) for W in out]


def match_deep(a: list[Layer], b: list[Layer]) -> list[np.ndarray]:
    """Layer by layer, B's hidden neurons matched to A's by their incoming weights (after the
    previous layer's matching is applied to B's columns): one optimal assignment per layer."""
    perms = []
    Wb_prev = None
    for l in range(len(a) - 1):
        Wa, Wb = a[l][0], b[l][0]
        if Wb_prev is not None:
            Wb = Wb[:, Wb_prev]
        p = match_neurons(Wa, Wb)
        perms.append(p)
        Wb_prev = p
    return perms


def _stage_targets(a: list[Layer], b: list[Layer], split) -> list[np.ndarray]:
    """B-fly targets: for l < L-1, layer l+1 refitted once so that with B's layers <= l it
    reproduces A's pre-activations of layer l+1 on the training set; the last target is B's
    output layer (so the path ends at B)."""
    L = len(a)
    targets = []
    for l in range(L - 2):
        ga = features(a, split.x_train, l + 1)
        gb = features(b, split.x_train, l + 1)
        targets.append(refit(a[l + 1][0] @ ga.T, gb))
    targets.append(b[-1][0])
    return targets


def match_deep_net(a: list[Layer], b: list[Layer]) -> list[Layer]:
    """B with its hidden neurons matched to A's, layer by layer (the start of every OT path)."""
    return permute_deep(b, match_deep(a, b))


def deep_path(a: list[Layer], b: list[Layer], method: str, split, points: int = 21,
              matched: list[Layer] | None = None) -> PathCurve:
    """One method's path between deep bias-free nets (`points` per unit of t).

    Linear / Arc move every layer at once (t in [0, 1]). Layer-by-layer paths have one stage per
    unit of t: "+WA" (t in [0, L]): on stage l layer l moves linearly from its current value to
    B's while layer l + 1 is refitted at every point to keep its pre-activations on the training
    set; the last stage moves the output layer linearly. "+B-fly" (t in [0, L - 1]): on stage l
    layers l and l + 1 move linearly together, layer l to B's and layer l + 1 to the weights that
    reproduce the stage's starting pre-activations with B's layer l (refitted once, at the stage
    end; B's output layer on the last stage). "OT+" variants first match B's neurons to A's
    (`matched`: match_deep_net(a, b) when the caller has it already)."""
    if method not in METHODS_DEEP:
        raise ValueError(f"unknown path method {method!r}; known: {METHODS_DEEP}")
    if method.startswith("OT"):
        b = matched if matched is not None else match_deep_net(a, b)
    L = len(a)
    z_a, z_b = logits(a, split.x_train), logits(b, split.x_train)
    scale = max(np.abs(z_a).max(), np.abs(z_b).max())
    ts = np.linspace(0.0, 1.0, points)
    loss, err, dev, zs = [], [], [], []

    def record(lay, wa_stage=False, train_from=None, test_from=None):
        l_, e_, z = _eval(lay, split, train_from, test_from)
        loss.append(l_), err.append(e_), zs.append(z)
        if wa_stage:
            dev.append(np.abs(z - z_a).max() / scale)

    if method in ("Linear", "Arc"):
        mus = [np.vstack([a[l][0], b[l][0]]).mean(axis=0) for l in range(L)]
        for t in ts:
            if method == "Linear":
                lay = [(linear_point(a[l][0], b[l][0], t), None) for l in range(L)]
            else:
                lay = [(arc_point(a[l][0], b[l][0], t, mus[l]), None) for l in range(L)]
            record(lay)
        tt = ts
    elif method.endswith("+WA"):
        cur = [W for W, _ in a]
        tt_parts = []
        for l in range(L - 1):
            start_l, start_next = cur[l], cur[l + 1]
            g0 = features([(W, None) for W in cur], split.x_train, l + 1)
            target = start_next @ g0.T  # pre-activations of layer l+1 at the stage start
            (_, h_tr), test_from = _fixed([(W, None) for W in cur[:l]], split)  # B's, fixed
            for t in ts if l == 0 else ts[1:]:
                Wl = linear_point(start_l, b[l][0], t)
                lay = [(W, None) for W in cur[:l]] + [(Wl, None)]
                g = features(lay[l:], h_tr, 1)
                Wn = refit(target, g)
                full = lay + [(Wn, None)] + [(W, None) for W in cur[l + 2 :]]
                record(full, wa_stage=True, train_from=(l + 1, g), test_from=test_from)
            cur[l], cur[l + 1] = b[l][0], Wn
            tt_parts.append((ts if l == 0 else ts[1:]) + l)
        start = cur[-1]
        fixed = _fixed([(W, None) for W in cur[:-1]], split)
        for t in ts[1:]:
            lay = [(W, None) for W in cur[:-1]] + [(linear_point(start, b[-1][0], t), None)]
            record(lay, False, *fixed)
        tt_parts.append(ts[1:] + (L - 1))
        tt = np.concatenate(tt_parts)
    else:  # B-fly
        targets = _stage_targets(a, b, split)
        cur = [W for W, _ in a]
        tt_parts = []
        for l in range(L - 1):
            s_l, s_n = cur[l], cur[l + 1]
            fixed = _fixed([(W, None) for W in cur[:l]], split)  # B's first l layers
            for t in ts if l == 0 else ts[1:]:
                lay = ([(W, None) for W in cur[:l]]
                       + [(linear_point(s_l, b[l][0], t), None),
                          (linear_point(s_n, targets[l], t), None)]
                       + [(W, None) for W in cur[l + 2 :]])
                record(lay, False, *fixed)
            cur[l], cur[l + 1] = b[l][0], targets[l]
            tt_parts.append((ts if l == 0 else ts[1:]) + l)
        tt = np.concatenate(tt_parts)
    end = max(np.abs(zs[0] - z_a).max(), np.abs(zs[-1] - z_b).max()) / scale
    return PathCurve(tt, np.array(loss), np.array(err), float(end),
                     np.array(dev) if dev else None)


def _same_weights(x: list[Layer], y: list[Layer]) -> bool:
    return all(np.array_equal(Wx, Wy) and (bx is None) == (by is None)
               and (bx is None or np.array_equal(bx, by)) for (Wx, bx), (Wy, by) in zip(x, y))


def pair_record(a: list[Layer], b: list[Layer], b_permuted: list[Layer], path, match, methods,
                permuted_methods, split, points: int) -> dict:
    """One endpoint pair's row of a figure's result: for each method (`path` is onelayer_path or
    deep_path, `match` match_onelayer or match_deep_net) the curves, barrier, endpoint deviation
    and WA deviation; and the barriers of `permuted_methods` with B's neurons permuted (the same
    function: OT must not notice). B is matched to A once for all OT methods. With B permuted,
    an OT path whose matched B is bit for bit the unpermuted one is the same computation on the
    same numbers: its barrier is taken, not recomputed; any other path is evaluated."""
    matched = match(a, b)
    row = {"curves": {}}
    for m in methods:
        c = path(a, b, m, split, points, matched=matched)
        row["curves"][m] = {"t": c.t, "train_loss": c.train_loss, "test_error": c.test_error,
                            "barrier": c.barrier(), "endpoint_dev": c.endpoint_dev}
        if c.train_logits_dev is not None:
            row["curves"][m]["wa_logits_dev"] = float(c.train_logits_dev.max())
    matched_p = match(a, b_permuted)
    same = _same_weights(matched_p, matched)
    row["permuted"] = {m: row["curves"][m]["barrier"] if m.startswith("OT") and same
                       else path(a, b_permuted, m, split, points, matched=matched_p).barrier()
                       for m in permuted_methods}
    return row
