"""sawtooth-square: the claims fail when the data say otherwise."""

import mutation_support as ms

FIG = "sawtooth-square"


def test_polynomial_deep_error_fails_exponential_claim():
    def mutate(res):
        # the deep network's error decays like the shallow law W^-2 instead of 4^-m
        rows = res["deep"]["rows"]
        w0, e0 = rows[0]["W"], rows[0]["err64"]
        for r in rows:
            r["err64"] = e0 * (r["W"] / w0) ** -2.0
    ms.assert_flips(FIG, "error halves twice per level", mutate)


def test_deep_errors_bent_by_w_power_fail():
    def mutate(res):
        for r in res["deep"]["rows"]:
            r["err64"] *= r["W"] ** 0.1
    m = ms.mutated(FIG, mutate)
    assert ms.status_of(m, "error halves twice") == "FAIL"
    assert ms.status_of(m, "deep float64 error") == "FAIL"


def test_float32_rounding_fails():
    def mutate(res):
        res["deep"]["rows"][5]["err32"] *= 1 + 1e-7
    ms.assert_flips(FIG, "deep float32 error", mutate)


def test_weight_count_fails():
    def mutate(res):
        res["deep"]["rows"][-1]["W"] += 1
    ms.assert_flips(FIG, "weight count", mutate)


def test_shallow_errors_times_w_power_fail():
    def mutate(res):
        # W^0.1: rate 1.9 instead of 2 (five times the tolerance)
        for r in res["shallow"]["rows"]:
            r["err"] *= r["W"] ** 0.1
    ms.assert_flips(FIG, "shallow rate p = 2", mutate)


def test_budget_rates_fail_when_depth_adds_nothing():
    for H in (1, 2, 3):
        def mutate(res, H=H):
            # fixed depth H behaves like one layer: err ~ W^-2 (H = 1: the Lipschitz rate W^-1)
            p = 1.0 if H == 1 else 2.0
            rows = res[f"budget-H{H}"]["rows"]
            for r in rows:
                r["err"] = rows[0]["err"] * (r["W"] / rows[0]["W"]) ** -p
        ms.assert_flips(FIG, f"depth budget H={H}", mutate)


def test_budget_rate_shifted_by_twice_the_tolerance_fails():
    def mutate(res):
        # exponent 6 -> 6 - 1.2 (twice the 0.6 tolerance)
        for r in res["budget-H3"]["rows"]:
            r["err"] *= r["W"] ** 1.2
    ms.assert_flips(FIG, "depth budget H=3", mutate)
