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


def _eval(layers: list[Layer], split) -> tuple[float, float, np.ndarray]:
    z = logits(layers, split.x_train)
    return cross_entropy(z, split.y_train), error(logits(layers, split.x_test), split.y_test), z


def onelayer_path(a: list[Layer], b: list[Layer], method: str, split, points: int = 21):
    """Evaluate one method's path between one-hidden-layer nets a and b (`points` per unit t)."""
    if method not in METHODS_ONELAYER:
        raise ValueError(f"unknown path method {method!r}; known: {METHODS_ONELAYER}")
    d = a[0][0].shape[1]
    base, wa = method.split("+")[0], method.endswith("+WA")
    if base == "OT":
        b = permute_hidden(b, match_neurons(neurons(a), neurons(b)))
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
        l_, e_, z = _eval(lay, split)
        loss.append(l_), err.append(e_), dev.append(np.abs(z - z_a).max() / scale)
        zs.append(z)
        V1 = V
    # second half: the output layer moves linearly to B's (hidden layer = B's, i.e. th at t=1)
    hid_b = [(tb[:, :d], tb[:, d])]
    Vb = tb[:, d + 1 :].T
    for s in ts[1:]:
        lay = hid_b + [(linear_point(V1, Vb, s), linear_point(ca, cb, s))]
        l_, e_, z = _eval(lay, split)
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
