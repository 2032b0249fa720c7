"""free-knot-splines: each claim fails when the data follow its control hypothesis."""

import numpy as np

import mutation_support as ms
from deeprates.training import splines

FIG = "free-knot-splines"


def test_untrained_knots_fail_the_density_check():
    def mutate(res):
        res["tanh6-N16"]["knots"] = res["tanh6-N16"]["initial_knots"]
    ms.assert_flips(FIG, "knot density |f''|^(2/5) (tanh(6 (x - 0.4)), N = 16)", mutate)


def test_uniform_knot_loss_fails_the_optimal_loss():
    def mutate(res):
        r = res["inverse0.1-N32"]
        x = np.linspace(0, 1, 65537)
        f2 = np.trapezoid(splines.Target("inverse", 0.1).fpp(x) ** 2, x)
        r["loss"][-1] = f2 / (1440 * 33 ** 4)
    ms.assert_flips(FIG, "optimal loss (1/(x + 0.1), N = 32)", mutate)


def test_loss_twice_the_tolerance_above_the_optimum_fails():
    def mutate(res):
        res["inverse0.1-N16"]["loss"][-1] *= 1.02
    ms.assert_flips(FIG, "optimal loss (1/(x + 0.1), N = 16)", mutate)


def test_tanh_at_the_global_optimum_is_an_xpass():
    def mutate(res):
        r = res["tanh6-N32"]
        eq = splines.equidistribution(splines.Target("tanh", 6.0), np.array(r["knots"]))
        r["loss"][-1] = eq["optimal_loss"]
    ms.assert_deviation_flips(FIG, "optimal loss (tanh(6 (x - 0.4)), N = 32)", mutate)


def test_loss_still_moving_fails_stationarity():
    def mutate(res):
        res["tanh6-N16"]["loss"][-1] *= 1.001
    ms.assert_flips(FIG, "stationary (tanh(6 (x - 0.4)), N = 16)", mutate)
