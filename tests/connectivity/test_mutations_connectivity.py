"""Track E: the claims fail (or a DEVIATION turns XPASS) when the data say otherwise."""

import numpy as np

import mutation_support as ms

E1, E2, E3 = "lowloss-paths-onelayer", "lowloss-paths-deep", "wa-ensembling"


def _set_barrier(res, method, source):
    for r in res.values():
        for row in r["pairs"]:
            row["curves"][method]["barrier"] = row["curves"][source]["barrier"]


def test_arc_as_high_as_linear_fails_the_ordering():
    ms.assert_flips(E1, "barrier Linear > Arc", lambda res: _set_barrier(res, "Arc", "Linear"))


def test_wa_no_better_than_ot_fails():
    ms.assert_flips(E1, "barrier OT > OT+WA", lambda res: _set_barrier(res, "OT+WA", "OT"))


def test_wa_losing_a_outputs_fails_the_identity():
    def mutate(res):
        for r in res.values():
            for row in r["pairs"]:
                row["curves"]["Linear+WA"]["wa_logits_dev"] = 1e-3
    ms.assert_flips(E1, "WA keeps A's training outputs", mutate)


def test_ot_depending_on_neuron_order_fails():
    def mutate(res):
        r = next(iter(res.values()))
        r["pairs"][0]["permuted"]["OT"] += 1e-3
    ms.assert_flips(E1, "OT ignores B's neuron order", mutate)


def test_barrier_falling_with_n_turns_xpass():
    def mutate(res):
        for r in res.values():
            for row in r["pairs"]:
                row["curves"]["Linear"]["barrier"] = 1.0 / r["N"]
    ms.assert_deviation_flips(E1, "Linear barrier falls with N", mutate)


def test_deep_wa_as_high_as_linear_fails():
    ms.assert_flips(E2, "barrier Linear > Linear+WA",
                    lambda res: _set_barrier(res, "Linear+WA", "Linear"))


def test_deep_endpoints_off_fails():
    def mutate(res):
        next(iter(res.values()))["pairs"][0]["curves"]["Arc"]["endpoint_dev"] = 1e-6
    ms.assert_flips(E2, "paths start at A and end at B", mutate)


def test_wa_ensemble_gain_turns_xpass():
    def mutate(res):
        for g in res.values():
            best = max(g["single"])
            g["wa"][-1] = best + 0.01 + 0.001 * g["seeds"][0] / 10
    ms.assert_deviation_flips(E3, "WA ensemble beats the best single net", mutate)


def test_adjusted_nets_off_their_outputs_fails():
    def mutate(res):
        for g in res.values():
            g["train_logits_dev"] = 1e-4
    ms.assert_flips(E3, "adjusted nets keep their training outputs", mutate)
