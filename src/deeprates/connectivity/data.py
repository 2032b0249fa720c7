"""The digits data set (scikit-learn's bundled 8x8 digits, 1797 images; no download) split into
a training and a test set by a seeded permutation, pixels scaled to [0, 1]."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprates.digits import load_digits

N_DIGITS = 1797


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray  # (n_train, 64) float64 in [0, 1]
    y_train: np.ndarray  # (n_train,) int64 in 0..9
    x_test: np.ndarray
    y_test: np.ndarray


def digits_split(n_train: int, split_seed: int = 0) -> Split:
    if not 10 <= n_train < N_DIGITS:
        raise ValueError(f"n_train must be in [10, {N_DIGITS - 1}], got {n_train}")
    x, y = load_digits()
    order = np.random.default_rng(split_seed).permutation(len(y))
    x = x[order].astype(np.float64) / 16.0
    y = y[order].astype(np.int64)
    return Split(x[:n_train], y[:n_train], x[n_train:], y[n_train:])

