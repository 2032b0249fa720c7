"""phase-diagram: the claims fail when the data say otherwise."""

import mutation_support as ms

FIG = "phase-diagram"


def _errors_on_law(rows, p):
    """Every translate's error on err ~ W^-p through the first size."""
    w0 = rows[0]["W"]
    for r in rows:
        r["errs"] = [e0 * (r["W"] / w0) ** -p for e0 in rows[0]["errs"]]


def test_alpha_free_rate_fails():
    # the control: depth buys no rate, err ~ W^-beta at alpha = 0.25
    ms.assert_flips(FIG, "beta=1, alpha=0.25: p", lambda res: _errors_on_law(res["beta1-alpha0.25"]["rows"], 1.0))


def test_rate_shifted_by_twice_the_tolerance_fails():
    def mutate(res):
        for r in res["beta1-alpha1"]["rows"]:
            r["errs"] = [e * r["W"] ** 0.3 for e in r["errs"]]
    ms.assert_flips(FIG, "beta=1, alpha=1: p", mutate)


def test_cusp_rate_alpha_free_fails():
    ms.assert_flips(FIG, "beta=0.5, alpha=1: p", lambda res: _errors_on_law(res["beta0.5-alpha1"]["rows"], 0.5))


def test_finite_size_deviation_turns_into_xpass_when_the_theory_holds():
    ms.assert_deviation_flips(FIG, "beta=1, alpha=0.75: p",
                              lambda res: _errors_on_law(res["beta1-alpha0.75"]["rows"], 1.75))


def test_undecidable_point_is_decided_by_params_and_can_fail():
    # beta = 1/2, alpha = 0.25: theory 0.625 and control 0.5 are closer than the tolerance 0.25,
    # so the claim is a DEVIATION on any data. With a tolerance that tells them apart (0.1) it
    # passes on the real data and fails on the control's law.
    name = "beta=0.5, alpha=0.25: p"
    assert ms.status_of(ms.measure(FIG), name) == "DEVIATION"
    p = ms.params(FIG)
    p["targets"][1]["tolerance"] = 0.1
    ms.assert_flips(FIG, name, lambda res: _errors_on_law(res["beta0.5-alpha0.25"]["rows"], 0.5), p=p)


def test_rate_not_increasing_fails():
    ms.assert_flips(FIG, "beta=1: p increases", lambda res: _errors_on_law(res["beta1-alpha1"]["rows"], 1.5))


def test_error_far_from_eps_fails():
    def mutate(res):
        r = res["beta1-alpha0.5"]["rows"][-1]
        r["errs"] = [5 * e for e in r["eps"]]
    ms.assert_flips(FIG, "beta=1: error ~ eps", mutate)


def test_depth_not_growing_fails():
    def mutate(res):
        for r in res["beta1-alpha0.5"]["rows"]:
            r["L"] = 2 * 4 + 5
    ms.assert_flips(FIG, "alpha=0.5: depth", mutate)


def test_depth_exactly_w_turns_deviation_into_xpass():
    def mutate(res):
        rows = res["beta1-alpha1"]["rows"]
        for r in rows:
            r["L"] = rows[-1]["L"] * r["W"] / rows[-1]["W"]
    ms.assert_deviation_flips(FIG, "alpha=1: depth", mutate)


def test_weight_count_fails():
    def mutate(res):
        res["beta0.5-alpha0.5"]["rows"][0]["W_last"] += 1
    ms.assert_flips(FIG, "W and L equal the closed forms", mutate)
