"""C3 sgd-stability: where mini-batch SGD with momentum converges, and negative momenta.

arXiv:2206.11124 (Velikanov, Kuznedelev & Yarotsky, ICLR 2023). A finite problem of N points and
N modes, lambda_k = k^-nu, lambda_k w*_k^2 = k^-(1+kappa): the translation-invariant model
(features sqrt(lambda_k) exp(2 pi i k x/N) on Z_N), batches of b distinct points, for which the
spectrally expressible second-moment recursion is exact with tau = 1 and
gamma = (N - b)/((N - 1) b). That the paper's synthetic stability experiment uses this model is
(verify); the boundary U_Sigma = 1 is derived in `optimization.sgd_moments` and checked there
against the recursion (docs/figures/sgd-stability.md).

Cases: `heatmap-b<b>`: the final loss after `steps` steps over an (alpha, beta) grid, from the
exact recursion (compiled, float64); `negative-momentum`: for each beta, the best final loss over
a fine alpha range in the noise-dominated variant (kappa = 4).
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim, Control
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.optimization import sgd_moments as sm
from deeprates.optimization import spectra

ID = "sgd-stability"
TRACK = "optimization"
TITLE = "Stability region of mini-batch SGD with momentum (U_Sigma = 1) and negative momenta"
PAPER = "arXiv:2206.11124 (Velikanov, Kuznedelev & Yarotsky, ICLR 2023)"

AGREE = 0.95
TOP_MODES = 50  # modes whose own stability is checked; alpha lambda_k is tiny beyond
#: a gain over beta = 0 below this is within the alpha search's resolution: a grid point 1/40 of
#: the boundary off the optimum changes a smooth minimum by ~(1/40)^2 ~ 6e-4, Brent far less
GAIN_RESOLUTION = 1e-3
#: margin below which a cell is ON a boundary, neither side: its relative distance to the
#: noise-free boundary 2(1+beta)/lambda_max, or `sgd_moments.stability_margin` (the modes' own
#: stability that U_Sigma's finiteness tests). The default grid hits both exactly (alpha_i = 0.1 i,
#: 2(1+beta_j) = 0.1 j on 26 cells a batch; batch 1, alpha = 1, beta = 0 is a marginal top mode),
#: where the side is the last bit of alpha and beta: a second machine (inputs moved by 1e-15)
#: moved 26 cells a batch across and one U_Sigma from 1.27 to inf. 1e-12 is ~4500 eps, above
#: that rounding and far below the grid spacing (1/40).
ON_BOUNDARY = 1e-12


def check_params(p: dict) -> None:
    if any(b > p["n"] for b in p["batches"]) or p["negative_momentum"]["batch"] > p["n"]:
        raise ConfigError(f"config key figures.{ID}.batches: a batch cannot exceed n = {p['n']}")
    nm = p["negative_momentum"]
    if not any(abs(b) < 1e-12 for b in _betas(nm)):
        raise ConfigError(f"config key figures.{ID}.negative_momentum: the beta grid must contain "
                          "0 (the reference for the gain); adjust beta_min/beta_step")
    if not any(b < 0 for b in _betas(nm)):
        raise ConfigError(f"config key figures.{ID}.negative_momentum.beta_min must be negative")


def _betas(nm: dict) -> list[float]:
    n = int(round((nm["beta_max"] - nm["beta_min"]) / nm["beta_step"])) + 1
    return [round(nm["beta_min"] + i * nm["beta_step"], 10) for i in range(n)]


def cases(p: dict) -> list[str]:
    return [f"heatmap-b{b}" for b in p["batches"]] + ["negative-momentum"]


def _problem(p: dict, kappa: float) -> spectra.Problem:
    return spectra.discrete_power_law(p["n"], p["nu"], kappa)


def compute(case: str, p: dict, ctx) -> dict:
    T = p["steps"]
    if case.startswith("heatmap-b"):
        b = int(case.removeprefix("heatmap-b"))
        prob = _problem(p, p["kappa"])
        noise = sm.NoiseModel.translation_invariant(p["n"], b)
        alphas = np.linspace(p["alpha_max"] / p["alpha_points"], p["alpha_max"], p["alpha_points"])
        betas = np.linspace(-1, 1, p["beta_points"] + 2)[1:-1]
        A, B = np.meshgrid(alphas, betas, indexing="ij")
        ctx.log(f"batch {b}: {A.size} runs of {T} steps, N = {p['n']}")
        U = np.array([sm.noise_sum(prob.eigenvalues, a, bb, noise, check_modes=TOP_MODES)
                      for a, bb in zip(A.ravel(), B.ravel())])
        run = sm.grid_final_losses(prob, A.ravel(), B.ravel(), noise, T)
        return {"batch": b, "gamma": noise.gamma, "tau": noise.tau, "alphas": alphas,
                "betas": betas, "U_sigma": U.reshape(A.shape),
                "final_loss": run.final.reshape(A.shape), "half_loss": run.half.reshape(A.shape),
                "blowup_step": run.blowup_step.reshape(A.shape),
                "diverged": run.diverged.reshape(A.shape), "loss0": prob.loss0}
    if case == "negative-momentum":
        nm = p["negative_momentum"]
        prob = _problem(p, nm["kappa"])
        noise = sm.NoiseModel.translation_invariant(p["n"], nm["batch"])
        rows = []
        for beta in ctx.progress(_betas(nm), "momenta"):
            a_b = sm.boundary_alpha(prob.eigenvalues, beta, noise, p["alpha_max"], TOP_MODES)
            best = sm.best_final_loss(prob, beta, noise, a_b, nm["alpha_points"], nm["steps"])
            rows.append({"beta": beta, "alpha_boundary": a_b, "alpha_grid": best.alpha_grid,
                         "final_grid": best.final_grid, "best_alpha": best.best_alpha,
                         "best_final": best.best_final})
        return {"kappa": nm["kappa"], "batch": nm["batch"], "steps": nm["steps"], "rows": rows,
                "loss0": prob.loss0}
    raise ValueError(f"unknown case {case!r}")


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    nm = p["negative_momentum"]
    return (
        f"Final loss after {p['steps']} steps of mini-batch SGD with momentum (exact recursion) on "
        f"a finite translation-invariant problem (N = {p['n']}, ν = {p['nu']:g}, κ = {p['kappa']:g}), "
        "over learning rate α and momentum β, for each batch size; grey: diverged; red: the "
        "theoretical boundary U_Σ = 1; white dotted: the noise-free heavy-ball boundary "
        "α = 2(1+β)/λ_max. Last panel: in the noise-dominated variant (κ = "
        f"{nm['kappa']:g}) the final loss minimised over α is lowest at a negative momentum."
    )


def measure(results: dict, p: dict) -> Measurement:
    band = p["band"]
    lam = _problem(p, p["kappa"]).eigenvalues
    lam_max = float(lam[0])
    claims, maps = [], []
    for b in p["batches"]:
        r = results[f"heatmap-b{b}"]
        U = np.asarray(r["U_sigma"], float)
        div = np.asarray(r["diverged"], bool)
        A, B = np.meshgrid(np.asarray(r["alphas"]), np.asarray(r["betas"]), indexing="ij")
        a_gd = sm.deterministic_boundary_alpha(lam_max, B)
        noise = sm.NoiseModel.translation_invariant(p["n"], b)
        on_modes = sm.stability_margin(lam, A, B, noise, TOP_MODES) <= ON_BOUNDARY
        on_gd = np.abs(A / a_gd - 1.0) <= ON_BOUNDARY  # on the noise-free boundary: no side
        U = np.where(on_modes, np.nan, U)  # a marginal mode: U_Sigma (finite or inf) is no number
        theory_div = ~(U < 1.0)
        gd_div = ~(A < a_gd)
        outside = ~(np.abs(U - 1.0) <= band) & ~on_gd & ~on_modes
        agree = float(np.mean((div == theory_div)[outside]))
        agree_gd = float(np.mean((div == gd_div)[outside]))
        # where the two theories disagree on < 1 - AGREE of the cells, no agreement statistic
        # can tell them apart: decided from theory alone, before looking at the measurement
        differ = float(np.mean((theory_div != gd_div)[outside]))
        maps.append({"batch": b, "gamma": r["gamma"], "alphas": r["alphas"], "betas": r["betas"],
                     "U_sigma": U, "final_loss_over_L0": np.asarray(r["final_loss"], float)
                     / r["loss0"], "diverged": div, "blowup_step": r["blowup_step"],
                     "deterministic_boundary": sm.deterministic_boundary_alpha(
                         lam_max, np.asarray(r["betas"])),
                     "agreement_outside_band": agree, "deterministic_agreement": agree_gd,
                     "theories_differ": differ})
        deviation = ""
        if differ < 1.0 - AGREE:
            deviation = (
                f"at batch {b} the gradient noise (gamma = {r['gamma']:.3g}) moves the boundary "
                f"off the deterministic one on only {differ:.1%} of the grid cells outside the "
                f"band, fewer than the {1 - AGREE:.0%} the check lets disagree: on this grid the "
                "measurement cannot tell U_Sigma = 1 from alpha = 2(1+beta)/lambda_max")
        claims.append(Claim.within(
            ID, f"stability boundary U_Sigma = 1, batch {b}", paper=PAPER, kind="reproduction",
            statement=f"N={p['n']}, nu={p['nu']:g}, kappa={p['kappa']:g}, batch {b}: SGD with momentum "
                      "converges iff U_Sigma(alpha, beta, b) < 1 (and every mode is stable), on the "
                      "translation-invariant finite problem (tau = 1, gamma = (N-b)/((N-1)b); that "
                      "the paper's experiment used this data model: verify); "
                      f"measured: diverged = blew up, or loss at step {p['steps']} above that at step "
                      f"{p['steps'] // 2}; fraction of grid cells on the theoretical side, outside "
                      f"|U_Sigma - 1| <= {band:g} and off the noise-free boundary (to rounding)",
            measured=agree, lo=AGREE, hi=1.0, theory=f">= {AGREE:g}",
            why=f">= 95% of cells outside a +-{band:g} band: near U_Sigma = 1 the divergence is "
                f"too slow to show within {p['steps']} steps (docs/figures/sgd-stability.md)",
            detail=f"{int(outside.sum())} cells outside the band of {U.size} ({int((on_gd | on_modes).sum())} "
                   f"on the noise-free boundary or with a marginal mode left out); the two boundaries differ on "
                   f"{differ:.1%} of them",
            control=Alt("the deterministic heavy-ball boundary alpha < 2(1+beta)/lambda_max "
                        "(gradient noise ignored)", measured=agree_gd),
            deviation=deviation))
    nm = results["negative-momentum"]
    betas = np.array([row["beta"] for row in nm["rows"]])
    best = np.array([row["best_final"] for row in nm["rows"]])
    i_best = int(np.argmin(best))
    i0 = int(np.argmin(np.abs(betas)))
    gain = 1.0 - best[i_best] / best[i0]
    claims.append(Claim.holds(
        ID, "best final loss at negative momentum (noise-dominated)", paper=PAPER,
        kind="reproduction",
        statement=f"noise-dominated variant (kappa={nm['kappa']:g}, zeta = {nm['kappa'] / p['nu']:.3g} > "
                  f"2 - 1/nu), batch {nm['batch']}, {nm['steps']} steps: the final loss minimised over "
                  "alpha is smallest at a negative momentum",
        condition=bool(betas[i_best] < 0), measured=f"beta* = {betas[i_best]:g} (gain {gain:.2%} "
                  "over beta = 0)", theory="beta* < 0",
        tolerance="sign of the best beta on the grid",
        why="the paper's finding; the gain is small (a few percent), so alpha is optimised by a "
            "grid plus Brent refinement",
        control=Control(
            "momentum does not matter: beta = 0 is as good as the best beta", float(gain),
            bool(gain > GAIN_RESOLUTION),
            f"gain over beta = 0 {gain:.3%} vs the alpha search's resolution "
            f"{GAIN_RESOLUTION:.1%}")))
    data = {
        "setting": {"N": p["n"], "nu": p["nu"], "kappa": p["kappa"], "steps": p["steps"],
                    "lambda_max": lam_max,
                    "model": "translation-invariant, batches without replacement (tau = 1)"},
        "heatmaps": maps,
        "negative_momentum": {"kappa": nm["kappa"], "batch": nm["batch"], "steps": nm["steps"],
                              "betas": betas, "best_final": best, "i_best": i_best, "i_zero": i0,
                              "gain": gain,
                              "best_alpha": [row["best_alpha"] for row in nm["rows"]],
                              "alpha_boundary": [row["alpha_boundary"] for row in nm["rows"]]},
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    import matplotlib.colors as mcolors

    maps = d["heatmaps"]
    fig, axes = plotting.subplots(len(maps) + 1, 1, width=3.2, height=3.0)
    for ax, m in zip(axes, maps):
        al, be = np.asarray(m["alphas"]), np.asarray(m["betas"])
        div = np.asarray(m["diverged"], bool)
        U = np.asarray(m["U_sigma"], float)
        Z = np.log10(np.where(div, np.nan, np.asarray(m["final_loss_over_L0"], float)))
        im = ax.pcolormesh(al, be, Z.T, shading="nearest", cmap="viridis",
                           norm=mcolors.Normalize(vmin=-4, vmax=0))
        ax.pcolormesh(al, be, np.where(div, 1.0, np.nan).T, shading="nearest", cmap="Greys",
                      vmin=0, vmax=2)
        # cells with a marginal mode have no U_Sigma (NaN): not below 1, drawn as the cap as
        # diverging sums are
        ax.contour(al, be, np.log(np.minimum(np.nan_to_num(U, nan=1e6), 1e6)).T, levels=[0.0],
                   colors="red", linewidths=1.2)
        ax.plot(np.asarray(m["deterministic_boundary"]), be, ":", color="white", lw=1.0)
        ax.set_xlim(al[0], al[-1])
        ax.set_xlabel("learning rate α")
        ax.set_ylabel("momentum β")
        ax.set_title(f"b = {m['batch']}: agree {m['agreement_outside_band']:.1%}")
    fig.colorbar(im, ax=axes[len(maps) - 1], label="log10 final loss / L0 (grey: diverged)")
    nm = d["negative_momentum"]
    betas, best = np.asarray(nm["betas"]), np.asarray(nm["best_final"])
    i_best, i0 = nm["i_best"], nm["i_zero"]
    ax = axes[-1]
    rel = best / best[i0]
    ax.plot(betas, rel, "o-", ms=3)
    ax.axvline(0, color="grey", lw=0.8)
    ax.axhline(1, color="grey", lw=0.8)
    ax.plot(betas[i_best], rel[i_best], "r*", ms=9)
    ax.set_xlabel("momentum β")
    ax.set_ylabel("min_α final loss / (β = 0)")
    ax.set_title(f"κ = {nm['kappa']:g}, b = {nm['batch']}: gain {nm['gain']:.1%}")
    plotting.label_panels(axes)
    return fig
