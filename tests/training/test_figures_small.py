"""The five figure modules end to end at tiny sizes (compute -> measure -> draw), lazy path included.

Only the glue is tested here: tiny runs are not asymptotic, so claims may fail; every claim must
still be well-formed and every result must record where it ran.
"""

import math

import pytest

from deeprates import figure_record, figures
from deeprates.claims import Claim
from deeprates.runtime import RunContext

from tiny_size import tiny_params

FIGS = ["ntk-indicator", "beam-spectrum", "free-knot-splines", "linear-autoencoder", "digits-spectra"]


def _params(fig_id: str) -> dict:
    """config/test.yaml's size; the lazy-training path, off in the tiny workflow run (it is the
    slow part of ntk-indicator), is switched on here for d = 2 so that it is tested."""
    p = tiny_params(fig_id)
    if fig_id == "ntk-indicator":
        p["lazy"] = {**p["lazy"], "dims": [2]}
    return p


@pytest.mark.parametrize("fig_id", sorted(FIGS))
def test_figure_end_to_end(fig_id, tmp_path):
    module = figures.load(fig_id)
    p = _params(fig_id)
    module.check_params(p)
    results = {}
    for case in module.cases(p):
        ctx = RunContext(seed=7, label=f"{fig_id}/{case}", device_request="cpu", checkpoint_dir=tmp_path)
        results[case] = module.compute(case, p, ctx)
        assert results[case]["run"]["device"] == "cpu"
        assert results[case]["run"]["dtype"] in ("float32", "float64")
    m, fig, caption = figure_record.make(module, results, p)
    assert m.claims and caption
    for c in m.claims:
        assert isinstance(c, Claim) and c.figure == fig_id and c.tolerance_reason
        assert c.kind in ("reproduction", "consistency")
        assert isinstance(c.measured, (str, bool, int)) or math.isfinite(c.measured) or not c.passed
    import matplotlib.pyplot as plt

    plt.close(fig)
    if fig_id == "ntk-indicator":
        names = [c.name for c in m.claims]
        assert "lazy: weights move < 5%, d = 2" in names
