"""ntk-indicator: each claim fails when the data follow its control hypothesis.

measure() fits 12 loss curves with a bootstrap over seeds (~1 s): the unmutated statuses are
computed once for the module."""

import numpy as np
import pytest

import mutation_support as ms

FIG = "ntk-indicator"


@pytest.fixture(scope="module")
def baseline():
    return ms.statuses(ms.measure(FIG))


def _assert_flips(baseline, name, mutate):
    assert baseline[name] == "PASS", f"{name} is {baseline[name]} on the unmutated results"
    after = ms.statuses(ms.mutated(FIG, mutate))[name]
    assert after == "FAIL", f"{name}: {after} after the mutation: this check cannot fail"


def _bend(rec, power):
    """Multiply every seed's loss curve by (t/t0)^power: the exponent drops by `power`."""
    t = np.array(rec["t"])
    f = (t / t[0]) ** power
    rec["loss_per_seed"] = np.array(rec["loss_per_seed"]) * f
    rec["loss"] = np.array(rec["loss"]) * f


def test_ntk_loss_with_the_rf_exponent_fails(baseline):
    def mutate(res):
        _bend(res["d1"]["analytic"]["ntk"], 0.5 - 0.25)  # xi = 1/(d + 3) instead of 1/(d + 1)
    _assert_flips(baseline, "xi, analytic NTK, d = 1", mutate)


def test_curved_loss_fails_the_plateau_test(baseline):
    def mutate(res):
        rec = res["d1"]["analytic"]["rf"]
        t = np.array(rec["t"])
        lt = np.log(t / rec["window"][0])
        bend = np.exp(0.01 * lt ** 2)  # slope drifts by 0.02 a decade of t in log: not a power law
        rec["loss_per_seed"] = np.array(rec["loss_per_seed"]) * bend
        rec["loss"] = np.array(rec["loss"]) * bend
    _assert_flips(baseline, "xi, analytic RF, d = 1", mutate)


def test_spectrum_decaying_faster_fails_kappa_over_nu(baseline):
    def mutate(res):
        rec = res["d2"]["analytic"]["ntk"]
        k = np.array(rec["k"], dtype=float)
        rec["eigenvalues"] = np.array(rec["eigenvalues"]) * k ** -0.5  # nu_hat + 0.5
    _assert_flips(baseline, "xi = kappa/nu, analytic NTK, d = 2", mutate)
