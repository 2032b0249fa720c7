"""Paired comparisons over endpoint pairs: the statistics behind Track E's reproduction claims.

A method ordering (e.g. "Linear has a higher barrier than Arc") is measured as the mean of the
paired differences over independent endpoint pairs, with its standard error. It is reproduced
when the mean has the paper's sign AND lies beyond 2 standard errors from zero: the null "the
methods do not differ" (the control) must be rejected by the data.
"""

from __future__ import annotations

import math

import numpy as np


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
    # imported here: scipy.stats costs ~0.3 s of CPU in every compute job, which never needs it
    from scipy.stats import spearmanr

    rho = spearmanr(np.asarray(x, float), np.asarray(y, float)).statistic
    return float(rho)


def ordering_claim(figure: str, paper: str, name: str, diffs, hi: str, lo: str, statement: str):
    """The reproduction claim "method `hi` has a higher barrier than method `lo`", measured as the
    mean of the paired differences `diffs` over endpoint pairs. Its control is the paired null
    "the two methods do not differ", rejected when the mean lies beyond 2 standard errors."""
    from deeprates.claims import Claim, Control

    mean, se, z = paired(diffs)
    return Claim.within(
        figure, name, paper=paper, kind="reproduction", statement=statement,
        measured=mean, lo=0.0, hi=None, theory="> 0", stat_err=se,
        why="the paper's ordering; paired differences over all (width, pair) endpoint pairs",
        detail=f"mean paired difference {mean:.4g} +- {se:.2g} (SE), z = {z:.2f}, {len(diffs)} pairs",
        control=Control(f"{hi} and {lo} do not differ (paired null)", round(z, 3), bool(z > 2),
                        "rejected when the mean lies beyond 2 standard errors"))
