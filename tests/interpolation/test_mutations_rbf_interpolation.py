"""rbf-interpolation: the claims fail when the data say otherwise."""

import mutation_support as ms

FIG = "rbf-interpolation"


def _nodes(res):
    return [v for k, v in res.items() if k.startswith("nodes-")]


def test_hciz_without_the_factorials_fails():
    def mutate(res):
        # the integral without prod p! (= 2 at N = 3): what a dropped constant would give
        res["hciz"]["rows"][-1]["mc"] /= 2
    ms.assert_flips(FIG, "HCIZ identity", mutate)


def test_hciz_off_by_a_few_standard_errors_fails():
    def mutate(res):
        r = res["hciz"]["rows"][0]
        r["mc"] += 5 * r["se"]
    ms.assert_flips(FIG, "HCIZ identity", mutate)


def test_error_formula_without_n_factorial_fails():
    def mutate(res):
        # forgetting the 1/N! of the formula (N = 2: a factor 2)
        for r in res["error-formula"]["rows"]:
            if len(r["nodes"]) == 2:
                r["formula"] *= 2
    ms.assert_flips(FIG, "error formula equals", mutate)


def test_error_formula_biased_by_four_standard_errors_fails():
    def mutate(res):
        r = res["error-formula"]["rows"][-1]
        r["formula"] = r["direct"] + 4 * r["se"]
    ms.assert_flips(FIG, "error formula equals", mutate)


def test_stagnating_error_fails():
    def mutate(res):
        # a floor at 1e-3 after N = 8 (e.g. float64 solving a near-singular system)
        for n in _nodes(res):
            e = n["targets"]["sin2x"]["err"]
            n["targets"]["sin2x"]["err"] = [max(x, 1e-3) for x in e]
    ms.assert_flips(FIG, "sin 2x converges", mutate)


def test_slow_convergence_in_one_node_set_fails():
    def mutate(res):
        # one node set converging at 0.1 decade per node: the worst set decides
        n = _nodes(res)[0]
        e = n["targets"]["poles2i"]["err"]
        n["targets"]["poles2i"]["err"] = [e[0] * 10 ** (-0.1 * (N - n["N"][0])) for N in n["N"]]
    ms.assert_flips(FIG, "1/(1 + x^2/4) converges", mutate)


def test_runge_converging_too_rejects_nothing():
    def mutate(res):
        # the control: if the Runge function converged like sin 2x, the slope check could not
        # tell analyticity in a large domain from analyticity near [-1, 1] only
        for n in _nodes(res):
            n["targets"]["runge"]["err"] = list(n["targets"]["sin2x"]["err"])
    m = ms.mutated(FIG, mutate)
    assert ms.status_of(ms.measure(FIG), "sin 2x converges") == "PASS"
    assert ms.status_of(m, "sin 2x converges") == "FAIL"
    assert ms.status_of(m, "1/(1 + x^2/4) converges") == "FAIL"


def test_gaussian_and_exponential_interpolants_disagreeing_fails():
    def mutate(res):
        t = _nodes(res)[1]["targets"]["sin2x"]
        t["gauss_vs_exp"] = t["err"][-1] * 1e-3
    ms.assert_flips(FIG, "Gaussian = e^{-x^2/2}", mutate)


def test_rounding_at_the_level_of_the_error_fails():
    def mutate(res):
        t = _nodes(res)[2]["targets"]["poles2i"]
        t["precision_diff"] = t["err"][-1] * 0.1
    ms.assert_flips(FIG, "digits suffice", mutate)
