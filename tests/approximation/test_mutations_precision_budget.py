"""precision-budget: the claims fail when the data say otherwise."""

import mutation_support as ms

FIG = "precision-budget"


def _decode_all(case):
    def mutate(res):
        # no precision limit in the range: every size decodes
        for r in res[case]["rows"]:
            r["ratio"] = 1.0
            r["err"] = r["eps"]
    return mutate


def test_float64_decoding_every_size_fails():
    ms.assert_flips(FIG, "float64 decodes", _decode_all("float64"))


def test_float32_decoding_every_size_fails():
    ms.assert_flips(FIG, "float32 decodes", _decode_all("float32"))


def test_float64_at_two_bits_per_digit_fails():
    def mutate(res):
        for r in res["float64"]["rows"]:
            if r["M"] > 26:  # 53 bits / 2 bits per digit
                r["ratio"] = 3.0
    ms.assert_flips(FIG, "float64 decodes", mutate)


def test_mpmath_at_the_continuous_rate_fails():
    def mutate(res):
        ks = [k for k in res if k.startswith("mpmath")]
        W0, e0 = res[ks[0]]["W"], res[ks[0]]["err"]
        for k in ks:
            res[k]["err"] = e0 * W0 / res[k]["W"]  # err ~ 1/W
    ms.assert_flips(FIG, "mpmath continues the rate", mutate)


def test_mpmath_failing_to_decode_fails():
    def mutate(res):
        res["mpmath-N36"]["ratio"] = 3.0
    ms.assert_flips(FIG, "mpmath decodes every size", mutate)


def test_mpmath_disagreeing_with_float64_fails():
    def mutate(res):
        res["mpmath-N24"]["err"] *= 1.001
    ms.assert_flips(FIG, "agrees with float64", mutate)
