"""corner-gd: the rate claims FAIL when the loss follows plain GD (theta = 1) or the wrong branch."""

import functools

import numpy as np

import mutation_support as ms

FIG = "corner-gd"


@functools.lru_cache(maxsize=1)
def _baseline():
    return ms.statuses(ms.measure(FIG))


def _bend(run, key, power):
    s = np.maximum(np.asarray(run["steps"], float), 1.0)
    run[key] = (np.asarray(run[key], float) * s**power).tolist()


def _sweeps(res):
    return [r for case, r in res.items() if case.startswith("sweep")]


def _check(got, prefix, before="PASS", after="FAIL"):
    targets = [n for n in got if n.startswith(prefix)]
    assert targets
    for n in targets:
        assert _baseline()[n] == before, n
        assert got[n] == after, (n, got[n])


def test_no_acceleration_fails():
    def mutate(res):
        # every theta decays at plain GD's rate zeta (theta = 1 bent to 2 zeta, its control)
        for r in _sweeps(res):
            extra = (r["theta"] - 1) * r["zeta"] if r["theta"] > 1 else -r["zeta"]
            _bend(r, "deterministic", extra)
            if not r["sgd_diverges"] and r["theta"] * r["zeta"] <= 2 - r["theta"] / r["nu"]:
                _bend(r, "sgd", extra)
    got = ms.statuses(ms.mutated(FIG, mutate))
    _check(got, "deterministic exponent")
    _check(got, "SGD exponent, ")


def test_sgd_at_the_noise_branch_turns_xpass_and_no_slowdown_fails():
    def mutate(res):
        for r in _sweeps(res):
            if r["theta"] * r["zeta"] > 2 - r["theta"] / r["nu"]:
                # exactly t^-(2 - theta/nu): the asymptote reached
                s = np.maximum(np.asarray(r["steps"], float), 1.0)
                r["sgd"] = (r["sgd"][1] * s ** -(2 - r["theta"] / r["nu"])).tolist()
    _check(ms.statuses(ms.mutated(FIG, mutate)), "SGD exponent above theta_max", "DEVIATION",
           "XPASS")

    def no_slowdown(res):
        for r in _sweeps(res):
            if r["theta"] * r["zeta"] > 2 - r["theta"] / r["nu"]:
                r["sgd"] = list(r["deterministic"])
    _check(ms.statuses(ms.mutated(FIG, no_slowdown)), "SGD slowed above theta_max")


def test_finite_memory_and_time_domain_mismatches_fail():
    def mutate(res):
        for r in res["beam"]["runs"]:
            r["finite_det_all_dev"] = 0.02
            r["time_domain_dev"] = 1e-4
        res["time-domain"]["max_rel_dev"] = 1e-4
    got = ms.statuses(ms.mutated(FIG, mutate))
    for prefix in ("finite memory = ideal", "finite-memory time domain", "time-domain corner GD"):
        _check(got, prefix)
