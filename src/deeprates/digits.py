"""scikit-learn's bundled 8x8 digits (1797 x 64, shipped in its wheel: no download), read
without importing scikit-learn. Tracks B (digits-spectra) and E (the endpoint networks) use them."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits as `sklearn.datasets.load_digits(return_X_y=True)` returns
    them (the same file read the same way; tests/connectivity checks equality), without importing
    scikit-learn: that import costs about 1 s of CPU in every short job that reads them."""
    spec = importlib.util.find_spec("sklearn")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn is not installed: its bundled digits are the data")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int, copy=False)
