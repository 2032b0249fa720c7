"""beam-spectrum: each claim fails when the data follow its control hypothesis."""

import math

import numpy as np

import mutation_support as ms

FIG = "beam-spectrum"


def test_pinned_beam_eigenvalues_fail():
    def mutate(res):
        n = res["spectrum"]["n"]
        res["spectrum"]["eigenvalues"] = (np.arange(1, n + 1) * np.pi) ** -4.0
    ms.assert_flips(FIG, "eigenvalues are xi_k^-4", mutate)


def test_eigenvalues_off_by_twice_the_tolerance_fail():
    def mutate(res):
        res["spectrum"]["eigenvalues"] = np.array(res["spectrum"]["eigenvalues"]) * (1 + 2e-4)
    ms.assert_flips(FIG, "eigenvalues are xi_k^-4", mutate)


def test_step_feature_exponent_fails():
    def mutate(res):
        # the loss decays as t^-1/2 (nu = 2) instead of t^-1/4
        t = np.array(res["spectrum"]["t"])
        res["spectrum"]["loss"] = np.array(res["spectrum"]["loss"]) * (t / t[0]) ** -0.25
    ms.assert_flips(FIG, "gradient-flow exponent", mutate)


def test_loss_bent_by_t_to_the_0_05_fails():
    def mutate(res):
        t = np.array(res["spectrum"]["t"])
        res["spectrum"]["loss"] = np.array(res["spectrum"]["loss"]) * (t / t[0]) ** 0.05
    ms.assert_flips(FIG, "gradient-flow exponent", mutate)


def test_prefactor_without_gamma_fails():
    def mutate(res):
        res["spectrum"]["loss"] = np.array(res["spectrum"]["loss"]) / math.gamma(1.25)
    ms.assert_flips(FIG, "loss prefactor", mutate)
