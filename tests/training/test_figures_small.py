"""The five figure modules end to end at tiny sizes (compute -> measure -> draw), lazy path included.

Only the glue is tested here: tiny runs are not asymptotic, so claims may fail; every claim must
still be well-formed and every result must record where it ran.
"""

import math

import pytest

from deeprates import figure_record, figures
from deeprates.claims import Claim
from deeprates.runtime import RunContext

SMALL = {
    "ntk-indicator": {
        "n": 240, "dims": [{"d": 1, "domain": "cube", "width": 3000}, {"d": 2, "domain": "ball", "width": 256}],
        "kernels": ["ntk", "rf"], "seeds": 2, "targets": 4, "design": "qmc", "k_lo": 4,
        "k_hi_fraction": 0.05, "per_decade": 30, "tolerances": "default",
        "lazy": {"dims": [2], "n": 200, "width": 256, "scale": 100.0, "steps": 150, "targets": 2,
                 "dtype": "float32"},
    },
    "beam-spectrum": {"n": 400, "interval": [0.25, 0.75], "k_lo": 5, "k_hi_fraction": 0.05, "per_decade": 30},
    "free-knot-splines": {"targets": [{"name": "exp", "param": 2.0}, {"name": "sin", "param": 7.0}],
                          "knots": [6], "steps_per_knot2": 10, "eta": 0.9, "per_decade": 30},
    "linear-autoencoder": {"d": 40, "ratios": [0.5, 2.0], "sigma2": 0.1, "dtau": 0.01, "tau_max": 5,
                           "snapshots": [1.0], "draws": 2, "per_decade": 40, "dtype": "float64"},
    "digits-spectra": {"kernels": ["rf"], "k_lo": 10, "k_hi": 100, "scale": "unit-mean-norm", "per_decade": 30},
}


@pytest.mark.parametrize("fig_id", sorted(SMALL))
def test_figure_end_to_end(fig_id, tmp_path):
    module = figures.load(fig_id)
    p = SMALL[fig_id]
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
