"""B5 digits-spectra: kernel spectra of real data predict the gradient-flow exponent.

scikit-learn's bundled 8x8 digits (1797 x 64, no download), one-hot labels centred; cases `ntk`,
`rf`: the infinite-width two-layer ReLU kernels. nu_hat (eigenvalues) and kappa_hat (tails of the
labels' mode weights) on modes k in [k_lo, k_hi] predict xi_hat = kappa_hat / nu_hat, compared
with the exponent of the exact gradient-flow loss over the window in which those modes are learned
(docs/figures/digits-spectra.md). With 1797 points the loss is no power law over that window
(its local slope drifts), so the claim is a documented DEVIATION, not a waived plateau test.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.training import kernel_runs, spectral

ID = "digits-spectra"
TRACK = "training"
TITLE = "Digits: the kernel spectrum predicts the gradient-flow exponent, xi = kappa/nu"
PAPER = "arXiv:2105.00507 (NeurIPS 2021), real-data stand-in for its MNIST measurements"
# Eigendecompositions agree across BLAS builds / devices only to rounding (~1e-16 lambda_max
# absolute), which moves exponents fitted over ~10 decades of eigenvalues at the 1e-8..1e-6 level.
FIGDIFF_TOLERANCES = {"default": {"rel": 1e-6, "abs": 1e-12}}

XI_TOL = 0.06  # |xi_fit - kappa_hat/nu_hat| <= 0.06 (docs/figures/digits-spectra.md)
N_DIGITS = 1797
DOC = "docs/figures/digits-spectra.md"


def check_params(p: dict) -> None:
    if not p["k_lo"] < p["k_hi"] <= N_DIGITS // 2:
        raise ConfigError(f"config key figures.{ID}.k_hi = {p['k_hi']}: need k_lo < k_hi <= "
                          f"{N_DIGITS // 2} (the digits have {N_DIGITS} points)")


def cases(p: dict) -> list[str]:
    return list(p["kernels"])


def compute(case: str, p: dict, ctx) -> dict:
    import torch

    from deeprates.training import data, device, kernels

    dev = device.setup(ctx.device, ctx.threads)
    x, Y = data.digits(p["scale"])
    ctx.log(f"{case} kernel on the digits ({x.shape[0]} x {x.shape[1]}), {dev.type}")
    K = kernels.analytic_gram(torch.tensor(x, dtype=torch.float64, device=dev), case)
    run, _ = kernel_runs.flow_experiment(K, Y, k_lo=p["k_lo"],
                                         k_hi_fraction=p["k_hi"] / x.shape[0],
                                         per_decade=p["per_decade"])
    return {"kernel": case, "n": x.shape[0], "dim": x.shape[1], **run,
            "run": device.run_info(dev, "float64")}


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    return (
        "scikit-learn's 8x8 digits (1797 points, pixels scaled to mean norm 1, centred one-hot labels) "
        "under the infinite-width two-layer ReLU NTK and random-feature kernels. (a) Eigenvalues of "
        "K/n, (b) tails of the labels' mode weights, both fitted on the shaded modes; (c) the exact "
        "gradient-flow loss, its fit window (shaded) and the law (K/2) Gamma(zeta+1) (2 Lambda t)^(-zeta) "
        "with zeta = kappa_hat/nu_hat from (a, b) (dashed)."
    )


def measure(results: dict, p: dict) -> Measurement:
    claims = []
    data = {"cases": {}, "k_fit": [p["k_lo"], p["k_hi"]],
            "units": "t: gradient-flow time with loss (1/2n)|f - Y|^2 summed over the 10 "
                     "centred one-hot outputs; lambda_k: eigenvalues of K/n"}
    fits = {case: kernel_runs.fit_record(results[case], XI_TOL) for case in cases(p)}
    for case in cases(p):
        r, f = results[case], fits[case]
        others = [c for c in cases(p) if c != case]
        if others:
            # the nearest wrong hypothesis: the same data under the other kernel's spectrum
            alt = Alt(f"xi = kappa_hat/nu_hat of the {others[0].upper()} kernel",
                      theory=fits[others[0]].ratio)
        else:
            alt = Alt("xi = kappa_hat (nu = 1: the loss ignores the spectrum's decay)",
                      theory=f.kappa.exponent)
        claims.append(Claim.from_fit(
            ID, f"xi = kappa/nu ({case.upper()})", paper=PAPER, kind="reproduction",
            statement=f"{case.upper()} kernel on the digits: the gradient-flow exponent fitted on the "
                      f"window where modes {r['k_range'][0]}..{r['k_range'][1]} are learned equals "
                      "kappa_hat/nu_hat fitted on the same modes",
            fit=f.xi, theory=f.ratio, tol=XI_TOL,
            why=f"0.06, with the plateau test (local-slope spread <= 0.03) of every exponent claim "
                f"({DOC})",
            control=alt,
            deviation="the digits are a finite set (1797 points): over the window in which modes "
                      f"{r['k_range'][0]}..{r['k_range'][1]} are learned the loss is no power law "
                      "(its local slope drifts, see detail), so no asymptotic exponent exists to "
                      "compare, and a larger size does not exist for this data set"))
        data["cases"][case] = {
            "k": r["k"], "eigenvalues": r["eigenvalues"], "tail": r["tail"], "t": r["t"],
            "loss": r["loss"], "predicted": f.predicted_loss(np.asarray(r["t"])),
            "k_range": r["k_range"], "fits": spectral.fits_summary(f), "run": r["run"],
        }
    return Measurement(data, claims, FIGDIFF_TOLERANCES)


def draw(data: dict, p: dict):
    fig, axes = plotting.subplots(3, 1, width=3.3, height=2.9)
    c = plotting.colors(max(3, len(data["cases"])))
    for i, (case, cd) in enumerate(data["cases"].items()):
        f = cd["fits"]
        xi, ratio = f["xi"]["exponent"], f["kappa_over_nu"]
        col = c[i]
        axes[0].loglog(cd["k"], cd["eigenvalues"], "-", color=col,
                       label=rf"{case.upper()}: $\hat\nu$ = {f['nu']['exponent']:.2f}")
        axes[1].loglog(cd["k"], cd["tail"], "-", color=col,
                       label=rf"{case.upper()}: $\hat\kappa$ = {f['kappa']['exponent']:.2f}")
        axes[2].loglog(cd["t"], cd["loss"], "-", color=col,
                       label=rf"{case.upper()}: $\xi$ = {xi:.3f}, $\hat\kappa/\hat\nu$ = {ratio:.3f}")
        axes[2].loglog(cd["t"], cd["predicted"], "--", color=col, lw=0.8)
        w0, w1 = f["xi"]["window"]
        axes[2].axvspan(w0, w1, color=col, alpha=0.08, lw=0)
    for ax in axes[:2]:
        ax.axvspan(*data["k_fit"], color="0.92", zorder=0)
        ax.set_xlabel("mode k")
        ax.legend(loc="lower left")
    axes[0].set_ylabel(r"$\lambda_k$")
    axes[0].set_title("eigenvalues")
    axes[1].set_ylabel(r"$\sum_{j \geq k} c_j^2$")
    axes[1].set_title("label tails")
    axes[2].set_xlabel("t")
    axes[2].set_ylabel("loss")
    axes[2].set_title("loss (no power law)")
    axes[2].legend(loc="lower left", fontsize=6.5)
    plotting.label_panels(axes)
    return fig
