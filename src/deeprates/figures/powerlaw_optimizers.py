"""C1 powerlaw-optimizers: GD, steepest descent, Jacobi Heavy Ball and CG under power laws.

arXiv:2202.00992 (Velikanov & Yarotsky, JMLR 2024). Cases: `dense-zeta<z>` (one per zeta: the
dense spectrum lambda_i = u_i^nu on a midpoint grid with rho([0, lambda]) = lambda^zeta, the four
optimisers) and `discrete` (lambda_k = k^-nu, rho_k = k^-(1+kappa), kappa = zeta nu: Jacobi Heavy Ball
against CG for every zeta).
"""

from __future__ import annotations

import math

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.fitting import fit_power_law
from deeprates.optimization import quadratic, spectra, windows
from deeprates.optimization.divergence import first_blowup, require_converged
from deeprates.optimization.fits import log_steps

ID = "powerlaw-optimizers"
TRACK = "optimization"
TITLE = "Power-law rates of GD, steepest descent, Jacobi Heavy Ball and CG"
PAPER = "arXiv:2202.00992 (Velikanov & Yarotsky, JMLR 2024)"

OPTIMIZERS = ("GD", "SD", "HB-Jacobi", "CG")
TOL = {"GD": 0.03, "SD": 0.03, "HB-Jacobi": 0.06, "CG": 0.06}
PREFACTOR_TOL = 0.01


def _zeta_label(z: float) -> str:
    return f"{z:g}"


def check_params(p: dict) -> None:
    if len(set(map(_zeta_label, p["zetas"]))) != len(p["zetas"]):
        raise ConfigError(f"config key figures.{ID}.zetas has duplicates; list each zeta once")
    lam_10 = ((windows.DENSE_MODES_LEFT - 0.5) / p["dense_n"]) ** p["nu"]
    if 1.0 / math.sqrt(lam_10) <= 2 * windows.EDGE_STEPS:
        raise ConfigError(
            f"config key figures.{ID}.dense_n = {p['dense_n']} is too small for nu = {p['nu']}: the "
            "accelerated methods exhaust the dense spectrum within "
            f"{2 * windows.EDGE_STEPS:g} steps; raise dense_n (or nu)"
        )
    for key in ("steps_sd", "steps_accelerated"):
        if p[key] < 10 * windows.EDGE_STEPS:
            raise ConfigError(f"config key figures.{ID}.{key} must be at least "
                              f"{int(10 * windows.EDGE_STEPS)} (the fit starts at step 100)")


def cases(p: dict) -> list[str]:
    return [f"dense-zeta{_zeta_label(z)}" for z in p["zetas"]] + ["discrete"]


def _jacobi_a(p: dict, zeta: float) -> float:
    return quadratic.jacobi_a(zeta) if p["jacobi_a"] == "auto" else float(p["jacobi_a"])


def _accelerated(problem, steps, p, zeta, ctx):
    lr = 2.0 / problem.lambda_max  # maps the spectrum onto [-1, 1] of the Jacobi polynomials
    alpha, beta = quadratic.jacobi_schedule(int(steps[-1]), lr, _jacobi_a(p, zeta))
    hb = quadratic.heavy_ball(problem, steps, alpha, beta, progress=ctx.progress)
    cg = quadratic.conjugate_gradients(problem, steps, progress=ctx.progress)
    return hb, cg


def compute(case: str, p: dict, ctx) -> dict:
    per = p["per_decade"]
    if case.startswith("dense-zeta"):
        zeta = next(z for z in p["zetas"] if f"dense-zeta{_zeta_label(z)}" == case)
        prob = spectra.dense_power_law(p["dense_n"], p["nu"], zeta)
        ctx.log(f"dense spectrum N={prob.n}, nu={p['nu']}, zeta={zeta}")
        lr = 1.0 / prob.lambda_max
        s_gd = log_steps(p["steps_gd"], per)
        gd = prob.gd_loss(s_gd, lr)
        s_sd = log_steps(p["steps_sd"], per)
        sd = quadratic.steepest_descent(prob, s_sd, progress=ctx.progress)
        s_acc = log_steps(p["steps_accelerated"], per)
        hb, cg = _accelerated(prob, s_acc, p, zeta, ctx)
        params = {"nu": p["nu"], "zeta": zeta, "N": prob.n}
        for name, tr in (("steepest descent", sd), ("Jacobi Heavy Ball", hb), ("CG", cg)):
            require_converged(tr.outcome, name, params)
        require_converged(first_blowup(s_gd, gd, prob.loss0), "GD (closed form)", params)
        eig = prob.eigenvalues
        return {
            "zeta": zeta, "nu": p["nu"], "N": prob.n, "lr_gd": lr, "jacobi_a": _jacobi_a(p, zeta),
            "K": prob.K, "Lambda": prob.Lambda,
            "runs": {
                "GD": {"steps": s_gd, "loss": gd,
                       "window": windows.dense_window(eig, windows.gd_time(lr), p["steps_gd"])},
                "SD": {"steps": s_sd, "loss": sd.loss,
                       "window": windows.dense_window(eig, windows.gd_time(lr), p["steps_sd"])},
                "HB-Jacobi": {"steps": s_acc, "loss": hb.loss, "window": windows.dense_window(
                    eig, windows.accelerated_time(prob.lambda_max), p["steps_accelerated"])},
                "CG": {"steps": s_acc, "loss": cg.loss, "window": windows.dense_window(
                    eig, windows.accelerated_time(prob.lambda_max), p["steps_accelerated"])},
            },
        }
    if case == "discrete":
        out = []
        s = log_steps(p["discrete_steps"], per)
        for zeta in ctx.progress(p["zetas"], "discrete spectra"):
            prob = spectra.discrete_power_law(p["discrete_n"], p["nu"], zeta * p["nu"])
            hb, cg = _accelerated(prob, s, p, zeta, ctx)
            params = {"nu": p["nu"], "zeta": zeta, "N": prob.n}
            require_converged(hb.outcome, "Jacobi Heavy Ball (discrete)", params)
            require_converged(cg.outcome, "CG (discrete)", params)
            win = windows.discrete_window(prob.eigenvalues, windows.accelerated_time(prob.lambda_max),
                                          p["discrete_steps"])
            out.append({"zeta": zeta, "steps": s, "HB-Jacobi": hb.loss, "CG": cg.loss,
                        "window": win, "jacobi_a": _jacobi_a(p, zeta)})
        return {"nu": p["nu"], "N": p["discrete_n"], "runs": out}
    raise ValueError(f"unknown case {case!r}")


def _theory(name: str, zeta: float) -> float:
    return zeta if name in ("GD", "SD") else 2 * zeta


def _control(name: str, zeta: float) -> Alt:
    """The nearest wrong rate: the other family's (zeta for the accelerated methods, 2 zeta for
    GD and steepest descent)."""
    if name in ("GD", "SD"):
        return Alt("accelerated rate t^-2 zeta", theory=2 * zeta)
    return Alt("non-accelerated rate t^-zeta (as GD)", theory=zeta)


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    return (
        f"(a) Loss of GD (lr = 1/λ_max), steepest descent, Heavy Ball with the Jacobi schedule "
        f"(lr = 2/λ_max, b = 0) and CG on a dense spectrum λ_i = u_i^{p['nu']:g} (N = {p['dense_n']}, "
        "midpoint grid, initial-loss measure ρ([0, λ]) = λ^ζ). (b) Exponents fitted over windows "
        "from the problem (from step 100 to when 10 eigenvalues remain below the learned scale) "
        "against ζ and 2ζ. (c) On the discrete spectrum λ_k = k^-ν CG (—) against the Jacobi Heavy "
        "Ball (--) and t^-2ζ (dotted): CG, which deflates the isolated top eigenvalues, runs faster "
        "than t^-2ζ for a long time (d), as the paper notes: a documented deviation from the "
        "asymptotic rate, not a failure."
    )


TOL_WHY = {
    "GD": "GD's local slope on the dense grid is flat to < 0.002 over 3.5 decades; 0.03 still "
          "separates zeta from 2 zeta (>= 0.25 apart) by 8x",
    "SD": "steepest descent's line search makes the slope wobble by ~0.005 over 1.5 decades; 0.03 "
          "separates zeta from 2 zeta by 8x",
    "HB-Jacobi": "the window is short (one decade: the dense spectrum of N points is exhausted "
                 "after ~sqrt(1/lambda_min) steps) and local slopes wobble by up to 0.011, so "
                 "twice the GD tolerance; still 4x below |2 zeta - zeta|",
    "CG": "as for the Jacobi Heavy Ball (same window); still 4x below |2 zeta - zeta|",
}
STATEMENT = {
    "GD": "GD with lr = 1/lambda_max: L ~ t^-zeta",
    "SD": "steepest descent (exact line search): L ~ t^-zeta",
    "HB-Jacobi": "Heavy Ball with the Jacobi schedule (b = 0, a = {a:g}): L ~ t^-2 zeta",
    "CG": "conjugate gradients: L ~ t^-2 zeta",
}


def measure(results: dict, p: dict) -> Measurement:
    dense = [results[f"dense-zeta{_zeta_label(z)}"] for z in p["zetas"]]
    disc = results["discrete"]
    claims, fits = [], {}
    for d in dense:
        z = d["zeta"]
        fits[z] = {}
        for name in OPTIMIZERS:
            r = d["runs"][name]
            f = fit_power_law(r["steps"], r["loss"], tuple(r["window"]), tol=TOL[name])
            fits[z][name] = f
            claims.append(Claim.from_fit(
                ID, f"{name} exponent, zeta={z:g}", paper=PAPER, kind="reproduction",
                statement=f"dense spectrum (N={d['N']}, nu={d['nu']:g}, zeta={z:g}): "
                          + STATEMENT[name].format(a=d["jacobi_a"]),
                fit=f, theory=_theory(name, z), tol=TOL[name], why=TOL_WHY[name],
                control=_control(name, z)))
        # GD prefactor at the end of the GD window: L(t) (2 Lambda t)^zeta / (K/2 Gamma(zeta+1)) -> 1
        r = d["runs"]["GD"]
        i = int(np.searchsorted(np.asarray(r["steps"]), r["window"][1]))
        t_i = float(r["steps"][i])
        ratio = r["loss"][i] / float(spectra.gf_asymptotic(t_i, d["K"], d["Lambda"], z))
        claims.append(Claim.close(
            ID, f"GD prefactor, zeta={z:g}", paper=PAPER, kind="reproduction",
            statement="GD on rho([0, l]) = K (l/Lambda)^zeta: L(t) = (K/2) Gamma(zeta+1) "
                      f"(2 Lambda t)^-zeta (ratio at t = {t_i:.4g}, the end of the fit window)",
            measured=ratio, theory=1.0, tol=PREFACTOR_TOL, relative=True,
            why="discrete-time correction 1 - zeta(zeta+1)/(4t) and the dense-grid quadrature "
                "error are far below 1% at the window end",
            # the loss is 1/2 sum lambda e^2 and e decays like exp(-lambda t): forgetting the
            # square's factor 2 in the rate, (Lambda t)^-zeta, is the nearest wrong prefactor
            control=Alt("prefactor without the squared residual's 2: (K/2) Gamma(zeta+1) "
                        "(Lambda t)^-zeta", theory=2.0**z)))
    disc_fits = []
    for r in disc["runs"]:
        z = r["zeta"]
        hb, cg = np.asarray(r["HB-Jacobi"]), np.asarray(r["CG"])
        worst = float(np.max((cg / hb)[np.asarray(r["steps"]) >= 1]))  # equal at t = 0
        claims.append(Claim.within(
            ID, f"CG never behind Jacobi HB (discrete), zeta={z:g}", paper=PAPER,
            kind="consistency",
            statement="CG minimises the loss over the Krylov space that contains every Heavy Ball "
                      f"iterate, so L_CG(t) <= L_HB(t) at every step (lambda_k = k^-{disc['nu']:g}, "
                      f"N={disc['N']})",
            measured=worst, lo=None, hi=1.0 + 1e-9, theory="max_t L_CG/L_HB <= 1",
            why="exact in exact arithmetic; 1e-9 allows float64 rounding"))
        f = fit_power_law(r["steps"], cg, tuple(r["window"]), tol=TOL["CG"])
        disc_fits.append(f)
        claims.append(Claim.from_fit(
            ID, f"CG exponent on the discrete spectrum, zeta={z:g}", paper=PAPER,
            kind="reproduction",
            statement=f"on lambda_k = k^-{disc['nu']:g} (N={disc['N']}) CG's worst-case rate over "
                      "the spectral class is t^-2 zeta, fitted over the spectral window",
            fit=f, theory=2 * z, tol=TOL["CG"], why=TOL_WHY["CG"],
            control=_control("CG", z),
            deviation="the paper's own observation: on a discrete spectrum CG deflates the "
                      "isolated top eigenvalues one by one and runs faster than t^-2 zeta for a "
                      "long time, with a local exponent that keeps changing (panel d); 2 zeta "
                      "bounds the rate only asymptotically, beyond this horizon "
                      f"({p['discrete_steps']} steps)"))

    data = {
        "dense": [{"zeta": d["zeta"], "nu": d["nu"], "N": d["N"], "jacobi_a": d["jacobi_a"],
                   "runs": {n: {"steps": d["runs"][n]["steps"], "loss": d["runs"][n]["loss"],
                                "window": d["runs"][n]["window"]} for n in OPTIMIZERS},
                   "units": "steps (iterations); loss = 1/2 sum lambda e^2"} for d in dense],
        "fits": {f"{z:g}": {n: f.to_dict() for n, f in fz.items()} for z, fz in fits.items()},
        "discrete": {"nu": disc["nu"], "N": disc["N"], "runs": disc["runs"],
                     "cg_fits": [f.to_dict() for f in disc_fits]},
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    dense, disc = d["dense"], d["discrete"]
    fig, axes = plotting.subplots(4, 1, width=3.3, height=3.0)
    cols = plotting.colors(max(3, len(dense)))
    styles = {"GD": "-", "SD": ":", "HB-Jacobi": "--", "CG": "-."}
    ax = axes[0]
    for dz, c in zip(dense, cols):
        for name in OPTIMIZERS:
            r = dz["runs"][name]
            s, L = np.asarray(r["steps"][1:]), np.asarray(r["loss"][1:])
            ax.loglog(s, L, styles[name], color=c, lw=1.1)
    for name in OPTIMIZERS:
        ax.plot([], [], styles[name], color="black", label=name)
    for dz, c in zip(dense, cols):
        ax.plot([], [], "-", color=c, lw=4, label=f"ζ={dz['zeta']:g}")
    ax.set_xlabel("step t")
    ax.set_ylabel("loss")
    ax.set_title(f"dense spectrum λ = u^{p['nu']:g}")
    ax.legend(loc="lower left", fontsize=6, ncol=2)
    ax = axes[1]
    zs = np.array([dz["zeta"] for dz in dense])
    zz = np.linspace(0, max(zs) * 1.1, 50)
    ax.plot(zz, zz, color="grey", lw=1, label="ζ (GD, SD)")
    ax.plot(zz, 2 * zz, color="black", lw=1, label="2ζ (HB-Jacobi, CG)")
    marks = {"GD": "o", "SD": "s", "HB-Jacobi": "^", "CG": "v"}
    for name in OPTIMIZERS:
        ax.plot(zs, [d["fits"][f"{z:g}"][name]["exponent"] for z in zs], marks[name], ms=5,
                mfc="none", label=f"{name} fit")
    ax.set_xlabel("ζ")
    ax.set_ylabel("fitted exponent")
    ax.set_title("exponents vs theory")
    ax.legend(loc="upper left", fontsize=6.5)
    ax = axes[2]
    for r, c in zip(disc["runs"], cols):
        s = np.asarray(r["steps"][1:])
        ax.loglog(s, np.asarray(r["HB-Jacobi"][1:]), "--", color=c, lw=1.1)
        ax.loglog(s, np.asarray(r["CG"][1:]), "-", color=c, lw=1.1, label=f"ζ={r['zeta']:g}")
        ref = r["CG"][1] * (s / s[0]) ** (-2 * r["zeta"])
        ax.loglog(s, ref, ":", color=c, lw=0.8)
    # exact CG on N nodes falls super-exponentially once t^2 > N (below float64's range: 0)
    ax.set_ylim(1e-30, 2.0)
    ax.set_xlabel("step t")
    ax.set_ylabel("loss")
    ax.set_title(f"λ_k = k^-{disc['nu']:g}: CG —, HB --, t^-2ζ ···")
    ax.legend(loc="lower left", fontsize=6.5)
    ax = axes[3]
    for r, c in zip(disc["runs"], cols):
        s = np.asarray(r["steps"][1:], float)
        L = np.asarray(r["CG"][1:])
        # slope over a factor-2 span in t (CG's per-step progress is jumpy)
        t = np.geomspace(s[0], s[-1] / 2, 40)
        lo, hi = np.interp(t, s, L), np.interp(2 * t, s, L)
        ok = (lo > 0) & (hi > 0)  # exact CG underflows to 0 once t^2 >> N
        t = t[ok]
        sl = -np.log(hi[ok] / lo[ok]) / np.log(2)
        ax.semilogx(t * math.sqrt(2), sl / (2 * r["zeta"]), color=c, lw=1, label=f"ζ={r['zeta']:g}")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_ylim(0, 4)
    ax.set_xlabel("step t")
    ax.set_ylabel("CG local exponent / 2ζ")
    ax.set_title("CG local exponent, discrete")
    ax.legend(loc="upper right", fontsize=6.5)
    plotting.label_panels(axes)
    return fig
