"""sgd-stability: the claims FAIL when the runs follow the noise-free boundary or momentum does
not matter."""

import functools

import numpy as np

import mutation_support as ms
from deeprates.optimization import sgd_moments as sm

FIG = "sgd-stability"


@functools.lru_cache(maxsize=1)
def _baseline():
    return ms.statuses(ms.measure(FIG))


def test_divergence_at_the_deterministic_boundary_fails():
    def mutate(res):
        # every run diverges exactly where noise-free heavy ball would (lambda_max = 1)
        for case, r in res.items():
            if case.startswith("heatmap-"):
                A, B = np.meshgrid(r["alphas"], r["betas"], indexing="ij")
                r["diverged"] = (A >= sm.deterministic_boundary_alpha(1.0, B)).tolist()
    got = ms.statuses(ms.mutated(FIG, mutate))
    for b in (1, 10):
        n = f"stability boundary U_Sigma = 1, batch {b}"
        assert _baseline()[n] == "PASS" and got[n] == "FAIL", n
    # at batch 100 the two boundaries coincide on this grid: documented, stays a DEVIATION
    assert got["stability boundary U_Sigma = 1, batch 100"] == "DEVIATION"


def test_best_momentum_at_zero_fails():
    def mutate(res):
        rows = res["negative-momentum"]["rows"]
        i0 = int(np.argmin([abs(r["beta"]) for r in rows]))
        for r in rows:
            r["best_final"] = rows[i0]["best_final"] * (1 + abs(r["beta"]))
    n = "best final loss at negative momentum (noise-dominated)"
    got = ms.statuses(ms.mutated(FIG, mutate))
    assert _baseline()[n] == "PASS" and got[n] == "FAIL"


def test_gain_within_the_alpha_resolution_fails():
    def mutate(res):
        # negative momentum best by 0.05% only: not distinguishable from beta = 0
        rows = res["negative-momentum"]["rows"]
        i0 = int(np.argmin([abs(r["beta"]) for r in rows]))
        for r in rows:
            r["best_final"] = rows[i0]["best_final"] * (1 - 5e-4 * (r["beta"] < -0.35))
    n = "best final loss at negative momentum (noise-dominated)"
    assert ms.statuses(ms.mutated(FIG, mutate))[n] == "FAIL"


def test_rounding_of_the_grid_moves_no_statistic():
    # A second machine: alpha and beta moved by 1e-15, so the cells exactly on the noise-free
    # boundary land on its other side and the marginal top mode's noise sum becomes inf. Those
    # cells are on the boundary, neither side: no agreement fraction and no status may move.
    base = ms.measure(FIG)

    def mutate(res):
        for case, r in res.items():
            if case.startswith("heatmap-"):
                A, B = np.meshgrid(r["alphas"], r["betas"], indexing="ij")
                on = np.isclose(A, sm.deterministic_boundary_alpha(1.0, B), rtol=1e-14, atol=0)
                assert on.sum() > 0  # the default grid has such cells: the test tests something
                r["U_sigma"] = np.where(on, np.inf, r["U_sigma"]).tolist()
                r["alphas"] = (np.asarray(r["alphas"]) * (1 + 1e-15)).tolist()
    got = ms.mutated(FIG, mutate)
    keys = ("agreement_outside_band", "deterministic_agreement", "theories_differ")
    for m0, m1 in zip(base.data["heatmaps"], got.data["heatmaps"]):
        assert [m0[k] for k in keys] == [m1[k] for k in keys]
    assert ms.statuses(got) == ms.statuses(base)
