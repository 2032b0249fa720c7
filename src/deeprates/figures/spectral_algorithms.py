"""C5 spectral-algorithms: KRR saturation vs gradient flow on the Gaussian-design model.

arXiv:2403.11696 (Velikanov, Panov & Yarotsky, ICLR 2024). lambda_l = l^-nu, c_l^2 = l^-(kappa+1),
label noise sigma^2; test error (excess risk) of optimally regularised KRR and optimally stopped
gradient flow against the sample size N. Cases: `kappa<k>-part<j>`: a chunk of seeds for one kappa
(the error curves over the eta / tau grids for every N); the figure averages the curves over all
seeds, minimises, fits and bootstraps over seeds.
"""

from __future__ import annotations

import math

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.optimization import kernel_regression as kr
from deeprates.optimization.fits import fit_with_bootstrap

ID = "spectral-algorithms"
TRACK = "optimization"
TITLE = "Optimally tuned KRR saturates at min(kappa, 2 nu); gradient flow does not"
PAPER = "arXiv:2403.11696 (Velikanov, Panov & Yarotsky, ICLR 2024)"

TOL = 0.05
N_BOOT = 200

#: documented non-reproductions at default size, by (algorithm, kappa)
DEVIATIONS = {
    ("GF", 5.0): (
        "at default size (24 seeds) the seed noise of optimally stopped gradient flow at "
        "kappa = 5, whose best stopping time moves in jumps (panel c), makes the local slopes "
        "drift by about the plateau test's tol/2 = 0.025 (detail): measured, 2 of 4 independent "
        "24-seed sets fail it (spread 0.026, 0.026) and 2 pass (0.011, 0.013), and all 96 seeds "
        "pass (spread 0.0145, exponent 0.835 +- 0.003); the paper size (config/paper.yaml) has "
        "200 seeds (docs/figures/spectral-algorithms.md)"),
}


def _lab(k: float) -> str:
    return f"{k:g}"


def regularisation_grid(g: dict) -> np.ndarray:
    n = int(round(g["per_decade"] * math.log10(g["max"] / g["min"]))) + 1
    return np.geomspace(g["min"], g["max"], n)


def sample_sizes(p: dict) -> np.ndarray:
    n = int(round(p["sizes_per_decade"] * math.log10(p["n_max"] / p["n_min"]))) + 1
    return np.unique(np.round(np.geomspace(p["n_min"], p["n_max"], n)).astype(int))


def check_params(p: dict) -> None:
    if p["n_min"] >= p["n_max"]:
        raise ConfigError(f"config key figures.{ID}.n_min must be below n_max")
    if p["seeds"] % p["seeds_per_job"]:
        raise ConfigError(f"config key figures.{ID}.seeds ({p['seeds']}) must be a multiple of "
                          f"seeds_per_job ({p['seeds_per_job']})")
    for k in p["kappas"]:
        need = 10 * kr.effective_modes(p["nu"], k, p["n_max"])
        if p["n_features"] < need:
            raise ConfigError(
                f"config key figures.{ID}.n_features = {p['n_features']}: for kappa = {k} the tuned "
                f"algorithms learn about {need / 10:.0f} modes at N = {p['n_max']}; the truncation "
                f"needs n_features >= {math.ceil(need)} (10x that) to stay negligible")


def cases(p: dict) -> list[str]:
    parts = p["seeds"] // p["seeds_per_job"]
    return [f"kappa{_lab(k)}-part{j}" for k in p["kappas"] for j in range(parts)]


def compute(case: str, p: dict, ctx) -> dict:
    k_lab, part = case.removeprefix("kappa").split("-part")
    kappa = next(k for k in p["kappas"] if _lab(k) == k_lab)
    sizes = sample_sizes(p)
    etas, taus = regularisation_grid(p["eta_grid"]), regularisation_grid(p["tau_grid"])
    krr, gf = [], []
    for i in ctx.progress(range(p["seeds_per_job"]), f"seeds (kappa={kappa})"):
        rng = np.random.default_rng([ctx.seed, i])
        c = kr.error_curves(p["nu"], kappa, p["noise"], p["n_features"], sizes, rng, etas, taus)
        krr.append(c.krr)
        gf.append(c.gf)
    return {"kappa": kappa, "part": int(part), "sizes": sizes, "etas": etas, "taus": taus,
            "krr_curves": np.array(krr), "gf_curves": np.array(gf)}


def _crossover(sigma2: float, s: float) -> float:
    """N below which the noiseless rate N^-s still dominates: N^-s = sigma^2 N^-s/(s+1)."""
    return sigma2 ** (-(s + 1.0) / (s * s))


def _window_start(sizes: np.ndarray, decades: float, sigma2: float, s: float) -> float:
    """The asymptote is approached from small N (the noiseless-to-noisy crossover, and few learned
    modes: l* ~ N^(1/(kappa+1)) is only ~4 at N = 10^4 for kappa = 5), so the fit covers the last
    `decades` of the sweep, and never starts before 10x the crossover."""
    return max(float(sizes[0]), float(sizes[-1]) / 10**decades, 10 * _crossover(sigma2, s))


def _fit(sizes, curves, grid, lo, hi, seed):
    est, best = kr.optimal_errors(curves, grid)
    rng = np.random.default_rng(seed)
    n = curves.shape[0]
    reps = np.array([kr.optimal_errors(curves[rng.integers(0, n, n)], grid)[0]
                     for _ in range(N_BOOT)])
    return est, best, fit_with_bootstrap(sizes, est, reps, (lo, hi), TOL)


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    nu, s2 = p["nu"], p["noise"]
    return (
        f"Gaussian design with λ_l = l^-{nu:g}, c_l² = l^-(κ+1), noise σ² = {s2:g}, P = "
        f"{p['n_features']} features, {p['seeds']} seeds. (a) Test error of gradient flow stopped at "
        "the best time and of KRR at the best ridge (both minimising the seed-averaged error) against "
        "N. (b) Fitted exponents: GF follows κ/(κ+1), KRR saturates at min(κ, 2ν)/(min(κ, 2ν)+1). "
        "(c) The optimal ridge and inverse stopping time."
    )


def _control(name: str, kappa: float, nu: float) -> Alt:
    """The nearest wrong rate. Where the two algorithms' theories differ (kappa > 2 nu), the other
    algorithm's: KRR without saturation kappa/(kappa+1), or GF saturating like KRR. Where they
    coincide, the noiseless rate N^-s (label noise ignored)."""
    s_krr = min(kappa, 2.0 * nu)
    if kappa > 2.0 * nu:
        if name == "KRR":
            return Alt("KRR without saturation: kappa/(kappa+1)", theory=kr.gf_exponent(kappa))
        return Alt("GF saturating like KRR: min(kappa, 2 nu)/(min(kappa, 2 nu)+1)",
                   theory=kr.krr_exponent(kappa, nu))
    return Alt("the noiseless rate N^-s (label noise ignored)", theory=s_krr)


def measure(results: dict, p: dict) -> Measurement:
    nu, s2 = p["nu"], p["noise"]
    parts = p["seeds"] // p["seeds_per_job"]
    claims, rows = [], []
    for k in p["kappas"]:
        rs = [results[f"kappa{_lab(k)}-part{j}"] for j in range(parts)]
        sizes = np.asarray(rs[0]["sizes"])
        etas, taus = np.asarray(rs[0]["etas"]), np.asarray(rs[0]["taus"])
        K = np.concatenate([np.asarray(r["krr_curves"], float) for r in rs])
        G = np.concatenate([np.asarray(r["gf_curves"], float) for r in rs])
        s_krr = min(k, 2 * nu)
        row = {"kappa": k, "sizes": sizes}
        for name, curves, grid, s, th in (
                ("GF", G, taus, k, kr.gf_exponent(k)),
                ("KRR", K, etas, s_krr, kr.krr_exponent(k, nu))):
            lo = _window_start(sizes, p["fit_decades"], s2, s)
            est, best, f = _fit(sizes, curves, grid, lo, float(sizes[-1]), seed=len(rows))
            row[name] = {"error": est, "optimal_parameter": best, "theory": th,
                         "fit": f.to_dict()}
            sat = " (saturated: kappa > 2 nu)" if name == "KRR" and k > 2 * nu else ""
            claims.append(Claim.from_fit(
                ID, f"{name} exponent, kappa={k:g}", paper=PAPER, kind="reproduction",
                statement=f"Gaussian design, nu={nu:g}, kappa={k:g}, sigma^2={s2:g}, "
                          f"{K.shape[0]} seeds, P={p['n_features']} features: optimally "
                          f"{'stopped gradient flow' if name == 'GF' else 'regularised KRR'} error "
                          f"~ N^-{th:.4g} = N^-s/(s+1), s = {s:g}{sat}; fit from N = {lo:.3g} "
                          "(10x the noiseless-to-noisy crossover)",
                fit=f, theory=th, tol=TOL,
                why="bootstrap over >= 20 seeds; 0.05 is below the saturation gap "
                    "|kappa/(kappa+1) - 2nu/(2nu+1)| = 0.083 at kappa = 5, nu = 1.5; the shared "
                    "plateau test (local-slope spread <= tol/2) unchanged",
                control=_control(name, k, nu),
                deviation=DEVIATIONS.get((name, float(k)), "")))
        rows.append(row)
    data = {
        "setting": {"nu": nu, "noise": s2, "n_features": p["n_features"], "seeds": p["seeds"],
                    "test_error": "excess risk (w - w*)^T Lambda (w - w*), mean over seeds"},
        "kappas": rows,
    }
    return Measurement(data, claims, tolerances={"data": {"rel": 1e-6, "abs": 0.0}})


def draw(d: dict, p: dict):
    nu, s2 = p["nu"], p["noise"]
    rows = d["kappas"]
    fig, axes = plotting.subplots(3, 1, width=3.4, height=3.0)
    cols = plotting.colors(max(3, len(rows)))
    ax = axes[0]
    for row, c in zip(rows, cols):
        n = np.asarray(row["sizes"])
        for name, m in (("GF", "o"), ("KRR", "s")):
            r = row[name]
            ax.loglog(n, np.asarray(r["error"]), m, color=c, ms=3,
                      mfc="none" if name == "KRR" else c, label=f"{name}, κ={row['kappa']:g}")
            f = r["fit"]
            if np.isfinite(f["prefactor"]):
                nn = np.geomspace(*f["window"], 20)
                ax.loglog(nn, f["prefactor"] * nn ** f["slope"], "-", color=c, lw=0.8)
    ax.set_xlabel("samples N")
    ax.set_ylabel("test error (excess risk)")
    ax.set_title("optimally tuned GF (●) and KRR (○)")
    ax.legend(loc="lower left", fontsize=6.5)
    ax = axes[1]
    kk = np.linspace(0.1, max(p["kappas"]) * 1.2, 200)
    ax.plot(kk, kk / (kk + 1), color="black", lw=1, label="GF: κ/(κ+1)")
    sk = np.minimum(kk, 2 * nu)
    ax.plot(kk, sk / (sk + 1), "--", color="black", lw=1, label="KRR: s/(s+1), s=min(κ, 2ν)")
    for name, m in (("GF", "o"), ("KRR", "s")):
        ax.errorbar([r["kappa"] for r in rows], [r[name]["fit"]["exponent"] for r in rows],
                    yerr=[r[name]["fit"]["stat_err"] or 0 for r in rows], fmt=m, ms=4, capsize=2,
                    mfc="none" if name == "KRR" else None, label=f"{name} fit")
    ax.axvline(2 * nu, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("κ")
    ax.set_ylabel("exponent of N")
    ax.set_title(f"KRR saturation (ν={nu:g}, σ²={s2:g})")
    ax.legend(loc="lower right", fontsize=6.5)
    ax = axes[2]
    for row, c in zip(rows, cols):
        n = np.asarray(row["sizes"])
        ax.loglog(n, np.asarray(row["KRR"]["optimal_parameter"]), "s-", color=c, ms=3,
                  mfc="none", label=f"η*, κ={row['kappa']:g}")
        ax.loglog(n, 1.0 / np.asarray(row["GF"]["optimal_parameter"]), "o-", color=c, ms=3,
                  label=f"1/τ*, κ={row['kappa']:g}")
    ax.set_xlabel("samples N")
    ax.set_ylabel("optimal η and 1/τ")
    ax.set_title("oracle regularisation")
    ax.legend(loc="lower left", fontsize=6.5)
    plotting.label_panels(axes)
    return fig
