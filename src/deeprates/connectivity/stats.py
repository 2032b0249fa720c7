"""Paired comparisons over endpoint pairs: the statistics behind Track E's reproduction claims.

A method ordering (e.g. "Linear has a higher barrier than Arc") is measured as the mean of the
paired differences over independent endpoint pairs, with its standard error. It is reproduced
when the mean has the paper's sign AND lies beyond 2 standard errors from zero: the null "the
methods do not differ" (the control) must be rejected by the data.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import spearmanr


def paired(diffs) -> tuple[float, float, float]:
    """(mean, standard error, z = mean / SE) of paired differences (SE inf for < 2 values)."""
    d = np.asarray(diffs, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, math.inf, 0.0
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    z = mean / se if se > 0 else (math.inf if mean > 0 else -math.inf if mean < 0 else 0.0)
    return mean, se, float(z)


def spearman(x, y) -> float:
    rho = spearmanr(np.asarray(x, float), np.asarray(y, float)).statistic
    return float(rho)
