"""sgd-phases: the claims FAIL when the loss follows the other phase or the wrong prefactor."""

import functools

import numpy as np
import pytest

import mutation_support as ms

FIG = "sgd-phases"


@functools.lru_cache(maxsize=1)
def _baseline():
    return ms.statuses(ms.measure(FIG))


def _bend(run, key, power):
    s = np.maximum(np.asarray(run["steps"], float), 1.0)
    run[key] = (np.asarray(run[key], float) * s**power).tolist()


def _flipped(mutate, prefix, before="PASS", after="FAIL"):
    got = ms.statuses(ms.mutated(FIG, mutate))
    targets = [n for n in got if n.startswith(prefix)]
    assert targets
    for n in targets:
        assert _baseline()[n] == before, n
        assert got[n] == after, (n, got[n])


def test_recursion_in_the_other_phase_fails():
    kink = 2.0 - 1.0 / ms.params(FIG)["nu"]

    def mutate(res):
        # signal phase decaying at 2 - 1/nu, noise phase at zeta: each the other branch
        for case, r in res.items():
            if case.startswith("rec-"):
                _bend(r, "loss", -(kink - r["zeta"]) if r["zeta"] < kink else r["zeta"] - kink)
    _flipped(mutate, "recursion exponent")


@pytest.mark.parametrize("wrong", ["no 1/(1 - U_Sigma)", "alpha instead of alpha_eff"])
def test_prefactor_of_a_wrong_hypothesis_fails(wrong):
    beta = ms.params(FIG)["beta"]

    def mutate(res):
        for case, r in res.items():
            if case.startswith("rec-"):
                # L_t = L_GF(alpha_eff t) without the noise amplification, or (asymptotically,
                # L_GF ~ t^-zeta) L_GF(alpha t)/(1 - U_Sigma) = (1 - beta)^-zeta times the theory
                f = 1.0 - r["U_sigma"] if wrong.startswith("no") else (1.0 - beta) ** -r["zeta"]
                r["loss"] = (np.asarray(r["gf_prediction"]) * f).tolist()
    _flipped(mutate, "signal-phase prefactor")


def test_monte_carlo_deviation_turns_xpass_without_seed_noise():
    def mutate(res):
        # every seed follows the exact recursion on the same problem, up to 0.1% noise: the
        # plateau test then sees the exponent, not the seed noise
        for case, m in res.items():
            if case.startswith("mc-"):
                rng = np.random.default_rng(0)
                rec = np.asarray(m["recursion"], float)
                L = np.asarray(m["loss_seeds"], float)
                m["loss_seeds"] = (rec * (1 + 1e-3 * rng.standard_normal(L.shape))).tolist()
    _flipped(mutate, "Monte-Carlo exponent", "DEVIATION", "XPASS")


def test_monte_carlo_off_the_recursion_fails():
    def mutate(res):
        for case, m in res.items():
            if case.startswith("mc-"):
                m["recursion"] = (np.asarray(m["recursion"]) * 1.1).tolist()
    _flipped(mutate, "Monte-Carlo mean")
