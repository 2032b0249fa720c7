"""A8 universal-formulas: polynomial constraints on one-sine-neuron formulas (arXiv:2311.03910).

Cases: `integer` and `sqrt-primes` (best RMS error of y = c1 sin(w a) + c2 cos(w a) + d on n points
for random targets, as the allowed |w| grows) and `recurrence` (the identity every parameter
choice satisfies on integer points).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from deeprates import plotting
from deeprates.approximation import universal_formulas as uf
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement

ID = "universal-formulas"
TRACK = "approximation"
TITLE = "One-sine formulas: integer points impose a recurrence, irrational points do not"
PAPER = "arXiv:2311.03910 (Yarotsky 2023), structure of universal formulas"

DECADES = 2.5  # the drop claim spans at least 2.5 decades of w range
DOC = "docs/figures/universal-formulas.md"


def check_params(p: dict) -> None:
    if p["omega_min"] < 2 * np.pi:
        raise ConfigError(f"config key figures.{ID}.omega_min = {p['omega_min']}: the integer-point "
                          "plateau starts once w has swept one period; set omega_min >= 2 pi = 6.29")
    if np.log10(p["omega_max"] / p["omega_min"]) < DECADES:
        raise ConfigError(f"config key figures.{ID}.omega_max: the range omega_min..omega_max must span "
                          f"{DECADES} decades (the drop claim's range); set omega_max >= "
                          f"{p['omega_min'] * 10 ** DECADES:.0f}")
    if p["n_points"] < 5:
        raise ConfigError(f"config key figures.{ID}.n_points = {p['n_points']}: with 4 parameters "
                          "(c1, c2, d, w) fewer than 5 points are fitted exactly; set n_points >= 5")


def cases(p: dict) -> list[str]:
    return ["integer", "sqrt-primes", "recurrence"]


def _omegas(p: dict) -> np.ndarray:
    k = max(2, int(round(p["per_decade"] * np.log10(p["omega_max"] / p["omega_min"])))) + 1
    return np.geomspace(p["omega_min"], p["omega_max"], k)


def compute(case: str, p: dict, ctx) -> dict:
    n = p["n_points"]
    if case == "recurrence":
        rng = np.random.default_rng(ctx.seed)
        # w in one period: on integers every formula is 2 pi-periodic in w, and larger |w| only
        # adds the rounding of sin(w k) (~|w| k 1e-16) to the residual
        draws = [(*rng.normal(size=3), rng.uniform(-np.pi, np.pi)) for _ in range(200)]
        res = [uf.recurrence_residual(c1, c2, d, w, n) for c1, c2, d, w in draws]
        scale = [float(np.max(np.abs(uf.formula(uf.integer_points(n), c1, c2, d, w))))
                 for c1, c2, d, w in draws]
        return {"max_residual": float(max(res)), "max_scale": float(max(scale)), "draws": len(draws)}
    a = uf.integer_points(n) if case == "integer" else uf.sqrt_prime_points(n)
    # the same targets for both point sets: drawn from the figure's own seed, not the case's
    rng = np.random.default_rng(p["target_seed"])
    targets = rng.uniform(-1, 1, (p["targets"], n))
    om = _omegas(p)
    curves = [uf.best_error_curve(a, y, om, p["step"]) for y in ctx.progress(list(targets), case)]
    return {"points": a, "omegas": om, "curves": curves}


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    return (
        "Best RMS error of the one-neuron formula y = c1 sin(w a) + c2 cos(w a) + d over random "
        f"targets on {p['n_points']} points, against the largest |w| allowed (c1, c2, d fitted exactly "
        "for each w). On the integer points every parameter choice obeys y_{k+1} + y_{k-1} - 2d = "
        "2 cos(w)(y_k - d), so the formulas form a fixed variety and the error plateaus after one "
        "period of w. On square roots of primes there is no such constraint and the error keeps "
        "falling as |w| grows (in the spirit of arXiv:2311.03910)."
    )


def measure(results: dict, p: dict) -> Measurement:
    om = np.array(results["integer"]["omegas"])
    ci = np.median(np.array(results["integer"]["curves"]), axis=0)
    cs = np.median(np.array(results["sqrt-primes"]["curves"]), axis=0)
    rec = results["recurrence"]
    # rank correlation is shown, not checked: the integer plateau's 1e-12 rounding drift ranks
    # as falling too (rho ~ -1), so it cannot tell falling from flat (see DOC)
    rho = float(spearmanr(om, cs)[0]) if np.ptp(cs) > 0 else float("nan")  # undefined if flat
    last = int(np.searchsorted(om, om[-1] / 10))  # the last decade of the w range
    claims = [
        Claim.within(
            ID, "sqrt-of-primes points: at least a 2x drop", paper=PAPER, kind="reproduction",
            statement=f"on rationally independent points the best error keeps falling as |w| may "
                      f"grow: error at w range {om[0]:.3g} over error at {om[-1]:.3g} "
                      f"({np.log10(om[-1] / om[0]):.2f} decades)",
            measured=float(cs[0] / cs[-1]), lo=2.0, hi=None, theory=">= 2",
            why=f"at least 2x over {DECADES} decades of w range: far outside the integer "
                f"plateau's 1 +- 1e-3 ({DOC})",
            detail=f"{cs[0]:.4g} -> {cs[-1]:.4g}; integer plateau {ci[-1]:.4g}",
            control=Alt("they are constrained like the integer points (a plateau)",
                        measured=float(ci[0] / ci[-1]),
                        detail="the same ratio on the integer points, same targets")),
        Claim.within(
            ID, "sqrt-of-primes points: still falling in the last decade", paper=PAPER,
            kind="reproduction",
            statement=f"the drop does not stop: error at w range {om[last]:.3g} over error at "
                      f"{om[-1]:.3g} (the last decade)",
            measured=float(cs[last] / cs[-1]), lo=1.1, hi=None, theory="> 1 (keeps falling)",
            why="a 10% drop per decade: 100x the integer plateau's tolerance, and a plateau "
                f"reached inside the range would give 1 ({DOC})",
            detail=f"Spearman rank correlation of error with w range: {rho:.4f} (shown, not "
                   "checked: the integer plateau's rounding drift also ranks as falling)",
            control=Alt("the error has reached a plateau within the range",
                        measured=float(ci[last] / ci[-1]),
                        detail="the same ratio on the integer points")),
        Claim.within(
            ID, "integer points: the error plateaus", paper=PAPER, kind="consistency",
            statement="on integer points every formula is 2 pi-periodic in w, so the best error "
                      "(median over random targets) no longer changes once |w| may exceed 2 pi: "
                      f"relative change over w in [{om[0]:.3g}, {om[-1]:.3g}]",
            measured=float(ci.max() / ci.min() - 1), lo=0.0, hi=1e-3, theory=0.0,
            why="< 1e-3: a property of the formula once w sweeps one period (checks the "
                "optimiser: it must find the same optimum at every w range)",
            detail=f"plateau value {ci[-1]:.4g}"),
        Claim.within(
            ID, "the recurrence holds for every parameter choice", paper=PAPER, kind="consistency",
            statement="y_{k+1} + y_{k-1} - 2d = 2 cos(w)(y_k - d) on the integer points, for "
                      f"{rec['draws']} random (c1, c2, d) ~ N(0, 1) and w in [-pi, pi] (one period)",
            measured=rec["max_residual"], lo=0.0, hi=1e-12, theory=0.0,
            why=f"< 1e-12 (float64 rounding of values up to {rec['max_scale']:.2g})"),
    ]
    data = {"omega": om, "integer": {"points": results["integer"]["points"], "median": ci,
                                     "curves": results["integer"]["curves"]},
            "sqrt_primes": {"points": results["sqrt-primes"]["points"], "median": cs,
                            "curves": results["sqrt-primes"]["curves"]},
            "recurrence_max_residual": rec["max_residual"], "spearman": rho,
            "units": "RMS error over the points; targets uniform in [-1, 1]"}
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    om = np.asarray(d["omega"])
    fig, axes = plotting.subplots(1, 1, width=4.2, height=3.2)
    ax = axes
    cols = plotting.colors(2)
    for part, lab, c in ((d["integer"], "integer points", cols[0]),
                         (d["sqrt_primes"], "sqrt-of-primes points", cols[1])):
        for cur in part["curves"]:
            ax.loglog(om, cur, color=c, lw=0.5, alpha=0.3)
        ax.loglog(om, part["median"], color=c, lw=2, label=f"{lab} (median)")
    ax.set_xlabel("allowed |w|")
    ax.set_ylabel("best RMS error")
    ax.set_title(f"y = c1 sin(wa) + c2 cos(wa) + d on {p['n_points']} points")
    ax.legend(loc="lower left", fontsize=7)
    return fig
