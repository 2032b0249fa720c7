"""relu-product: the claims fail when the data say otherwise."""

import numpy as np

import mutation_support as ms

FIG = "relu-product"


def test_sup_found_off_the_maximisers_fails():
    def mutate(res):
        # a grid point beating the analytic maximisers by 1e-3: the maximisers are not the sup
        for r in res["exact"]["rows"]:
            r["err_offset_grid"] = r["exact"] * 1.001
    ms.assert_flips(FIG, "worst error is M^2", mutate)


def test_no_cancellation_fails():
    def mutate(res):
        # the error is the paper's bound itself (the three errors add up)
        for r in res["exact"]["rows"]:
            r["err_candidates"] = r["paper_bound"]
    ms.assert_flips(FIG, "worst error is M^2", mutate)


def test_above_the_bound_fails():
    def mutate(res):
        for r in res["exact"]["rows"]:
            r["err_random"] = r["paper_bound"] * 1.01
    ms.assert_flips(FIG, "below the paper's bound", mutate)


def test_nonzero_on_axes_fails():
    def mutate(res):
        res["exact"]["rows"][-1]["nonzero_on_axes"] = 1
    ms.assert_flips(FIG, "= 0 exactly", mutate)


def test_weight_count_fails():
    def mutate(res):
        res["exact"]["rows"][2]["W"] += 1
    ms.assert_flips(FIG, "W grows like 45m", mutate)


def test_aligned_grid_without_false_zero_fails():
    def mutate(res):
        res["aligned-grid"]["rows"][-1]["err_aligned"] = 1e-12
    ms.assert_flips(FIG, "aligned grids report false zeros", mutate)
