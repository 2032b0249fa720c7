"""powerlaw-optimizers: each rate claim FAILs when the loss follows the other family's rate.

One mutation per hypothesis, applied to every zeta at once (measure is the slow part)."""

import functools

import numpy as np
import pytest

import mutation_support as ms

FIG = "powerlaw-optimizers"


@functools.lru_cache(maxsize=1)
def _baseline():
    return ms.statuses(ms.measure(FIG))


def _statuses(mutate):
    return ms.statuses(ms.mutated(FIG, mutate))


def _bend(run, power):
    """Multiply a loss curve by t^power (t >= 1; t = 0 is kept)."""
    s = np.maximum(np.asarray(run["steps"], float), 1.0)
    run["loss"] = (np.asarray(run["loss"]) * s**power).tolist()


def _dense(res):
    return [v for k, v in res.items() if k.startswith("dense-")]


@pytest.mark.parametrize("family, power_of_zeta", [
    # GD and steepest descent running at the accelerated rate 2 zeta
    (("GD", "SD"), -1.0),
    # Heavy Ball and CG running at the plain rate zeta
    (("HB-Jacobi", "CG"), +1.0),
])
def test_rate_of_the_other_family_fails(family, power_of_zeta):
    def mutate(res):
        for d in _dense(res):
            for name in family:
                _bend(d["runs"][name], power_of_zeta * d["zeta"])
    after = _statuses(mutate)
    targets = [n for n in after if n.split(" exponent,")[0] in family]
    assert len(targets) == 2 * 3
    for n in targets:
        assert _baseline()[n] == "PASS", n
        assert after[n] == "FAIL", n


def test_prefactor_without_the_factor_two_fails():
    def mutate(res):
        # L = (K/2) Gamma(zeta+1) (Lambda t)^-zeta: the whole curve 2^zeta higher
        for d in _dense(res):
            run = d["runs"]["GD"]
            run["loss"] = (np.asarray(run["loss"]) * 2.0 ** d["zeta"]).tolist()
    after = _statuses(mutate)
    targets = [n for n in after if n.startswith("GD prefactor")]
    assert targets and all(_baseline()[n] == "PASS" and after[n] == "FAIL" for n in targets)


def test_discrete_cg_deviation_turns_xpass_at_the_asymptotic_rate():
    def mutate(res):
        for r in res["discrete"]["runs"]:
            # CG exactly at t^-2 zeta from step 1
            s = np.maximum(np.asarray(r["steps"], float), 1.0)
            cg = r["CG"][0] * s ** (-2 * r["zeta"])
            r["CG"] = cg.tolist()
    after = _statuses(mutate)
    targets = [n for n in after if n.startswith("CG exponent on the discrete")]
    assert len(targets) == 3
    for n in targets:
        assert _baseline()[n] == "DEVIATION" and after[n] == "XPASS", n


def test_cg_behind_heavy_ball_fails():
    def mutate(res):
        r = res["discrete"]["runs"][0]
        r["CG"][-1] = r["HB-Jacobi"][-1] * 1.01
    after = _statuses(mutate)
    n = "CG never behind Jacobi HB (discrete), zeta=0.25"
    assert _baseline()[n] == "PASS" and after[n] == "FAIL"
