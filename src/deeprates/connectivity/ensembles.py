"""Weight-adjusted ensembles, WA(n) (arXiv:2008.00741, Section 6).

K trained nets; net 0 is the base. In the adjusted copy of net k the layers up to `layer` are
the base's and the next layer is refitted, W'_k = W_k F_k^T pinv(F_0^T) (F: the features after
`layer` layers on the training set), so the adjusted net reproduces net k's pre-activations, and
hence its training outputs, exactly when F_0 has rank n_train. The adjusted nets share their
lower layers: the ensemble costs little more than one net. Ensembles average softmax outputs.
"""

from __future__ import annotations

import numpy as np

from deeprates.connectivity.forward import Layer, features, logits, softmax
from deeprates.connectivity.paths import refit


def adjusted(base: list[Layer], net: list[Layer], layer: int, x_train: np.ndarray) -> list[Layer]:
    """Net `net` with its first `layer` layers replaced by the base's and layer `layer` refitted."""
    f_net = features(net, x_train, layer)
    f_base = features(base, x_train, layer)
    W, b = net[layer]
    W_new = refit(W @ f_net.T, f_base)
    return list(base[:layer]) + [(W_new, b)] + list(net[layer + 1 :])


def accuracy_curve(probs: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Accuracy of the ensemble of the first m members, m = 1..K (mean of softmax outputs)."""
    acc, total = [], np.zeros_like(probs[0])
    for m, p in enumerate(probs, start=1):
        total = total + p
        acc.append(float(np.mean(np.argmax(total / m, axis=1) == y)))
    return np.array(acc)


def evaluate(nets: list[list[Layer]], layer: int, split) -> dict:
    """Single, plain-ensemble and WA-ensemble test accuracies of one group of K nets, the
    adjusted nets' deviation from their originals' training logits, and the K-copies control."""
    base = nets[0]
    adj = [base] + [adjusted(base, n, layer, split.x_train) for n in nets[1:]]
    dev = 0.0
    for n, a in zip(nets[1:], adj[1:]):
        z, za = logits(n, split.x_train), logits(a, split.x_train)
        dev = max(dev, float(np.abs(za - z).max() / np.abs(z).max()))
    p_plain = [softmax(logits(n, split.x_test)) for n in nets]
    p_wa = [softmax(logits(n, split.x_test)) for n in adj]
    single = np.array([float(np.mean(np.argmax(p, 1) == split.y_test)) for p in p_plain])
    single_wa = np.array([float(np.mean(np.argmax(p, 1) == split.y_test)) for p in p_wa])
    copies = accuracy_curve([p_plain[0]] * len(nets), split.y_test)
    return {
        "single": single, "single_adjusted": single_wa,
        "plain": accuracy_curve(p_plain, split.y_test),
        "wa": accuracy_curve(p_wa, split.y_test),
        "copies": copies,
        "train_logits_dev": dev,
        "min_rank_fraction": float(np.linalg.matrix_rank(features(base, split.x_train, layer))
                                   / len(split.y_train)),
    }
