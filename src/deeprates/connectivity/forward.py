"""Float64 evaluation of the trained networks, outside torch.

A network is a list of layers (W, b): W of shape (out, in), b of shape (out,) or None
(bias-free). ReLU between layers, none after the last. Path evaluation happens here, in
float64 numpy, so that the identities of weight adjustment hold to 1e-8 and more.
"""

from __future__ import annotations

import numpy as np

Layer = tuple[np.ndarray, "np.ndarray | None"]


def features(layers: list[Layer], x: np.ndarray, upto: int) -> np.ndarray:
    """Activations after the first `upto` layers (ReLU applied): the input of layer `upto`."""
    h = x
    for W, b in layers[:upto]:
        h = h @ W.T
        if b is not None:
            h = h + b
        h = np.maximum(h, 0.0)
    return h


def logits(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    h = features(layers, x, len(layers) - 1)
    W, b = layers[-1]
    out = h @ W.T
    return out + b if b is not None else out


def cross_entropy(z: np.ndarray, y: np.ndarray) -> float:
    """Mean softmax cross-entropy of logits z (n, classes) for labels y."""
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def error(z: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(z, axis=1) != y))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
