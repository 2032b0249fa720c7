"""linear-autoencoder: each claim fails when the data follow its control hypothesis."""

import numpy as np

import mutation_support as ms
from deeprates.training import autoencoder as ae

FIG = "linear-autoencoder"


def test_exponential_relaxation_fails_the_logistic_law():
    def mutate(res):
        r = res["r0.5"]
        r["loss"] = ae.loss_exponential(np.array(r["tau"]), np.array(r["s0"]), r["d"], r["H"])
    ms.assert_flips(FIG, "logistic law (r = 0.5)", mutate)


def test_gd_loss_off_by_twice_the_tolerance_fails():
    def mutate(res):
        res["r1"]["loss"] = np.array(res["r1"]["loss"]) * (1 + 2 * 0.005)
    ms.assert_flips(FIG, "logistic law (r = 1)", mutate)


def test_no_spread_fails_the_marchenko_pastur_limit():
    def mutate(res):
        r = res["r1"]
        r["draws_mean"] = ae.loss_no_spread(np.array(r["tau"]), r["r"], r["sigma2"])
    ms.assert_flips(FIG, "Marchenko-Pastur limit (r = 1", mutate)


def test_mean_loss_off_by_twice_the_tolerance_fails():
    def mutate(res):
        res["r0.5"]["draws_mean"] = np.array(res["r0.5"]["draws_mean"]) * (1 + 2 * 0.01)
    ms.assert_flips(FIG, "Marchenko-Pastur limit (r = 0.5", mutate)
