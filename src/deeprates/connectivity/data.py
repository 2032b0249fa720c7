"""The digits data set (scikit-learn's bundled 8x8 digits, 1797 images; no download) split into
a training and a test set by a seeded permutation, pixels scaled to [0, 1]."""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits as `sklearn.datasets.load_digits(return_X_y=True)` returns
    them (the same file read the same way; tests/connectivity checks equality), without importing
    scikit-learn: that import costs about 1 s of CPU in each of Track E's ~70 short jobs."""
    spec = importlib.util.find_spec("sklearn")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn is not installed: its bundled digits are the data")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int, copy=False)
