"""universal-formulas: the claims fail when the data say otherwise."""

import numpy as np

import mutation_support as ms

FIG = "universal-formulas"


def test_sqrt_primes_constrained_like_the_integers_fails():
    def mutate(res):
        # a plateau after the first w range, as on the integer points
        c = np.asarray(res["sqrt-primes"]["curves"])
        res["sqrt-primes"]["curves"] = np.repeat(c[:, :1], c.shape[1], axis=1).tolist()
    ms.assert_flips(FIG, "at least a 2x drop", mutate)


def test_sqrt_primes_plateau_in_the_last_decade_fails():
    def mutate(res):
        om = np.asarray(res["sqrt-primes"]["omegas"])
        k = int(np.searchsorted(om, om[-1] / 10))
        c = np.asarray(res["sqrt-primes"]["curves"])
        c[:, k:] = c[:, k:k + 1]
        res["sqrt-primes"]["curves"] = c.tolist()
    ms.assert_flips(FIG, "still falling in the last decade", mutate)


def test_integer_error_falling_fails():
    def mutate(res):
        c = np.asarray(res["integer"]["curves"])
        res["integer"]["curves"] = (c * np.linspace(1, 0.9, c.shape[1])[None, :]).tolist()
    ms.assert_flips(FIG, "integer points: the error plateaus", mutate)


def test_recurrence_broken_fails():
    def mutate(res):
        res["recurrence"]["max_residual"] = 1e-9
    ms.assert_flips(FIG, "the recurrence holds", mutate)
