"""digits-spectra: the documented DEVIATION turns XPASS once the loss is the predicted power law,
and stays a DEVIATION when the loss follows the other kernel's spectrum (the control)."""

import numpy as np

import mutation_support as ms
from deeprates.training import kernel_runs

FIG = "digits-spectra"


def _power_law_loss(res, case, zeta):
    r = res[case]
    t = np.array(r["t"])
    r["loss"] = np.array(r["loss"])[0] * (t / t[0]) ** -zeta


def _ratio(case):
    return kernel_runs.fit_record(ms.results(FIG)[case], 0.06).ratio


def test_power_law_loss_with_the_predicted_exponent_is_an_xpass():
    zeta = _ratio("ntk")
    ms.assert_deviation_flips(FIG, "(NTK)", lambda res: _power_law_loss(res, "ntk", zeta))


def test_power_law_loss_with_the_other_kernels_exponent_stays_a_deviation():
    zeta = _ratio("ntk")
    m = ms.mutated(FIG, lambda res: _power_law_loss(res, "rf", zeta))
    assert ms.status_of(m, "(RF)") == "DEVIATION"
    zeta = _ratio("rf")
    m = ms.mutated(FIG, lambda res: _power_law_loss(res, "rf", zeta))
    assert ms.status_of(m, "(RF)") == "XPASS"
