"""log-regime: the claims fail when the data say otherwise."""

import math

import mutation_support as ms

FIG = "log-regime"


def _deep_err(res, law):
    rows = res["deep"]["rows"]
    last = rows[-1]
    for r in rows:
        r["err"] = r["err_wide"] = last["err"] * law(last["W"]) / law(r["W"])
        r["eps"] = r["err"]


def test_exact_log_gain_turns_the_deviation_into_xpass():
    # err = C/(W ln W) exactly: the pre-asymptotic excuse no longer applies
    ms.assert_deviation_flips(FIG, "deep: err ~ 1/(W ln W) exactly",
                              lambda res: _deep_err(res, lambda W: W * math.log(W)))


def test_deep_without_the_log_factor_fails():
    # err = C/W, as continuous selection would have it
    ms.assert_flips(FIG, "at least a log factor", lambda res: _deep_err(res, lambda W: W))


def test_shallow_gaining_the_log_factor_fails():
    def mutate(res):
        for r in res["shallow"]["rows"]:
            r["err"] /= math.log(r["W"])
    ms.assert_flips(FIG, "shallow: err ~ 1/W", mutate)


def test_a_patch_decoded_wrong_fails():
    def mutate(res):
        r = res["deep"]["rows"][-2]
        r["err"] = r["err_wide"] = 3 * r["eps"]
    ms.assert_flips(FIG, "err = eps at every size", mutate)


def test_fixed_and_wide_disagreeing_fails():
    def mutate(res):
        res["deep"]["rows"][-1]["err"] *= 1 + 1e-6
    ms.assert_flips(FIG, "computes the wide network's function", mutate)


def test_a_growing_width_fails():
    def mutate(res):
        res["deep"]["rows"][-1]["width"] = 4 * res["deep"]["rows"][-1]["N"]
    ms.assert_flips(FIG, "fixed width, depth", mutate)
