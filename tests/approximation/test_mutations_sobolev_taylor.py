"""sobolev-taylor: the claims fail when the data say otherwise."""

import math

import mutation_support as ms

FIG = "sobolev-taylor"


def test_rate_bent_by_w_power_fails():
    def mutate(res):
        # err * W^0.2: rate 0.8 instead of n/d = 1 (twice the tolerance)
        for r in res["d1-n1"]["rows"]:
            r["err"] *= r["W"] ** 0.2
    ms.assert_flips(FIG, "d1-n1: rate p", mutate)


def test_rate_at_the_smooth_targets_order_fails():
    def mutate(res):
        # the control's law: err ~ W^-2
        rows = res["d1-n1"]["rows"]
        for r in rows:
            r["err"] = rows[0]["err"] * (r["W"] / rows[0]["W"]) ** -2.0
    ms.assert_flips(FIG, "d1-n1: rate p", mutate)


def test_log_corrected_rate_reached_turns_deviation_into_xpass():
    def mutate(res):
        # the data follow the theorem exactly: err ~ (W / ln W)^-(n/d)
        for case, p in (("d1-n2", 2.0), ("d2-n1", 0.5)):
            rows = res[case]["rows"]
            x0 = rows[0]["W"] / math.log(rows[0]["W"])
            for r in rows:
                r["err"] = rows[0]["err"] * (r["W"] / math.log(r["W"]) / x0) ** -p
    ms.assert_deviation_flips(FIG, "d1-n2: rate p", mutate)
    ms.assert_deviation_flips(FIG, "d2-n1: rate p", mutate)


def test_dimension_free_rate_stays_a_non_pass():
    def mutate(res):
        # no curse of dimensionality (the d = 2 control): err ~ (W / ln W)^-n
        rows = res["d2-n1"]["rows"]
        x0 = rows[0]["W"] / math.log(rows[0]["W"])
        for r in rows:
            r["err"] = rows[0]["err"] * (r["W"] / math.log(r["W"]) / x0) ** -1.0
    assert ms.status_of(ms.mutated(FIG, mutate), "d2-n1: rate p") == "DEVIATION"


def test_taylor_order_one_lower_fails():
    def mutate(res):
        # err ~ N^-(n-1): the remainder one order lower
        for r in res["d1-n2"]["rows"]:
            r["err"] *= r["N"]
    ms.assert_flips(FIG, "d1-n2: err N^n flat", mutate)


def test_depth_without_log_factor_fails():
    def mutate(res):
        for r in res["d1-n3"]["rows"]:
            r["L"] = res["d1-n3"]["rows"][0]["L"]
    ms.assert_flips(FIG, "d1-n3: depth ~ ln(1/eps)", mutate)


def test_error_above_the_bound_fails():
    def mutate(res):
        r = res["d2-n2"]["rows"][-1]
        r["err"] = 1.01 * r["bound"]["total"]
    ms.assert_flips(FIG, "d2-n2: below the theorem's bound", mutate)


def test_weight_count_fails():
    def mutate(res):
        res["d1-n3"]["rows"][0]["W"] += 1
    ms.assert_flips(FIG, "W and L equal the closed forms", mutate)


def test_active_terms_mismatch_fails():
    def mutate(res):
        res["d2-n1"]["identity"]["bitwise_equal"] = False
    ms.assert_flips(FIG, "bit-identical", mutate)
