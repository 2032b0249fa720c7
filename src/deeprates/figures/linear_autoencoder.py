"""B4 linear-autoencoder: weight-tied linear autoencoder in the isotropic case (arXiv:2606.05335;
the logistic law and its Marchenko-Pastur limit are our derivation).

Cases `r<H/d>`: Euler gradient descent on L(W) = (1/2d)|W^T W - I|_F^2, W in R^(H x d) with iid
N(0, sigma^2/d) entries, against (i) the exact gradient-flow loss from the logistic law of every
eigenvalue of G = W W^T and (ii) its d -> oo limit under the Marchenko-Pastur law.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.training import autoencoder as ae

ID = "linear-autoencoder"
TRACK = "training"
TITLE = "Weight-tied linear autoencoder: logistic eigenvalue law and its Marchenko-Pastur limit"
PAPER = "arXiv:2606.05335 (isotropic case; the formulas are our derivation)"

GD_TOL = 0.005  # Euler GD vs the logistic formula <= 0.5% (docs/figures/linear-autoencoder.md)
MP_TOL = 0.01  # vs the Marchenko-Pastur limit <= 1% at d = 400
DOC = "docs/figures/linear-autoencoder.md"
EXTRA_TAU = 1.0  # the run continues this far past the comparison horizon, to show where it ends


def _case(r: float) -> str:
    return f"r{r:g}"


def check_params(p: dict) -> None:
    for r in p["ratios"]:
        H = round(r * p["d"])
        if H < 1:
            raise ConfigError(f"config key figures.{ID}.ratios: r = {r} gives H = 0 at d = {p['d']}")
    if len({_case(r) for r in p["ratios"]}) != len(p["ratios"]):
        raise ConfigError(f"config key figures.{ID}.ratios: values must be distinct")


def cases(p: dict) -> list[str]:
    return [_case(r) for r in p["ratios"]]


def compute(case: str, p: dict, ctx) -> dict:
    from deeprates.training import device
    from deeprates.training.checkpoint import Checkpoint

    r = next(r for r in p["ratios"] if _case(r) == case)
    d, s2, dtau = p["d"], p["sigma2"], p["dtau"]
    H = int(round(r * d))
    dev = device.setup(ctx.device, ctx.threads)
    dtype = device.dtype_of(p["dtype"])
    horizon = ae.comparison_horizon(H / d, s2, d, p["tau_max"])
    tau_end = min(p["tau_max"], horizon + EXTRA_TAU)
    draw_seeds = [ctx.seed + 1 + i for i in range(p["draws"])]
    ctx.log(f"d = {d}, H = {H}: Euler GD to tau = {tau_end:.2f} ({int(round(tau_end / dtau))} steps) "
            f"on {dev.type}; compared with the limit up to tau = {horizon:.2f}")
    ckpt = Checkpoint(ctx.checkpoint_dir, case,
                      {"p": {k: v for k, v in p.items() if k != "resources"}, "case": case,
                       "seed": ctx.seed, "device": dev.type}, log=ctx.log)
    res = ae.train_autoencoder(d, H, s2, dtau, tau_end, seed=ctx.seed, device=dev, dtype=dtype,
                               snapshots=tuple(p["snapshots"]), checkpoint=ckpt, log=ctx.log,
                               per_decade=p["per_decade"])
    tau = res["tau"]
    ctx.log(f"exact loss of {p['draws']} further draws for the d -> oo comparison")
    mean, err = ae.mean_loss_over_draws(tau, d, H, s2, [ctx.seed, *draw_seeds], dev)
    return {
        "r": H / d, "d": d, "H": H, "sigma2": s2, "dtau": dtau, "lr": res["lr"],
        "tau": tau, "loss": res["loss"],
        "draws_mean": mean, "draws_stderr": err, "draws": 1 + p["draws"],
        "horizon": horizon, "min_unlearned": ae.MIN_UNLEARNED,
        "s0": res["s0"], "snapshots": res["snapshots"],
        "run": device.run_info(dev, dtype),
    }


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    return (
        "Weight-tied linear autoencoder f(x) = W^T W x under isotropic data, trained by Euler GD from "
        f"W with iid N(0, sigma^2/d) entries (d = {p['d']}, sigma^2 = {p['sigma2']:g}). (a) The loss "
        "against the exact logistic law of each eigenvalue of W W^T (solid), the mean of that law over "
        "independent draws (dotted) and its Marchenko-Pastur limit (dashed); vertical lines: where fewer "
        "than 50 MP eigenvalues remain unlearned and a finite draw departs from the limit. (b) Relative "
        "deviations with the 0.5% and 1% tolerances. "
        "(c) Eigenvalues after GD against the logistic map of their initial values."
    )


def measure(results: dict, p: dict) -> Measurement:
    claims = []
    data = {"cases": {}, "units": "tau = 4t/d (t: gradient-flow time); loss (1/2d)|W^T W - I|_F^2"}
    for case in cases(p):
        res = results[case]
        tau, L, dm, de = (np.array(res[k]) for k in ("tau", "loss", "draws_mean", "draws_stderr"))
        r, d, H = res["r"], res["d"], res["H"]
        s0 = np.array(res["s0"])
        # the theory curves are recomputed from the initial spectrum and (r, sigma^2) alone
        lf = ae.loss_logistic(tau, s0, d, H)
        lm = ae.loss_mp(tau, r, res["sigma2"])
        h = res["horizon"]
        inh = tau <= h
        gd_dev = np.abs(L / lf - 1)
        mp_dev = np.abs(dm / lm - 1)
        one_dev = np.abs(L / lm - 1)
        i_worst = int(np.argmax(np.where(inh, mp_dev, -1)))
        exp_dev = np.abs(L / ae.loss_exponential(tau, s0, d, H) - 1)
        flat_dev = np.abs(dm / ae.loss_no_spread(tau, r, res["sigma2"]) - 1)
        claims.append(Claim.within(
            ID, f"Euler GD follows the logistic law (r = {r:g})", paper=PAPER, kind="reproduction",
            statement=f"GD with dtau = {res['dtau']:g} tracks the exact gradient-flow loss "
                      f"1/2d [sum (1 - g(tau; s_i))^2 + d - min(H, d)], g = s e^tau/(1 - s + s e^tau); "
                      f"max relative deviation over tau in [0, {h:.2f}], d = {d}, H = {H}",
            measured=float(gd_dev[inh].max()), lo=0.0, hi=GD_TOL, theory=0.0,
            why=f"0.5%: Euler's O(dtau) timing error is the only difference ({DOC}). Same window as "
                "the limit check: past it a tiny loss is carried by a few slow modes, whose relative "
                "timing error grows without bound",
            control=Alt("plain exponential relaxation of every eigenvalue, g = 1 - (1 - s) e^-tau "
                        "(the flow linearised at G = I)", measured=float(exp_dev[inh].max()))))
        claims.append(Claim.within(
            ID, f"Marchenko-Pastur limit (r = {r:g}, d = {d})", paper=PAPER, kind="reproduction",
            statement=f"mean over {res['draws']} draws of the exact loss at d = {d} (which GD follows, "
                      "claim above) vs 1/2 [(1 - r)_+ + r int (1 - g(tau; s))^2 dMP_{r,sigma^2}(s)]: "
                      f"max relative deviation over tau in [0, {h:.2f}]",
            measured=float(mp_dev[i_worst]), lo=0.0, hi=MP_TOL, theory=0.0,
            stat_err=float(de[i_worst] / lm[i_worst]),
            why=f"1% at d = 400 ({DOC}). The limit is that of the mean loss: one draw fluctuates by "
                f"O(1/d) (this GD run's own draw: {one_dev[inh].max():.2%}). The comparison stops once "
                f"fewer than {res['min_unlearned']} eigenvalues of the MP law are unlearned "
                "(s e^tau < 1), where the few smallest eigenvalues of a finite draw carry the loss",
            detail=f"horizon tau = {h:.2f}; up to tau = {tau[-1]:.2f} the deviation reaches {mp_dev.max():.3g}",
            control=Alt("no Marchenko-Pastur spread: every eigenvalue of W0 W0^T at its mean "
                        "sigma^2 max(1, r)", measured=float(flat_dev[inh].max()))))
        data["cases"][case] = {
            "r": r, "d": d, "H": H, "sigma2": res["sigma2"], "dtau": res["dtau"],
            "tau": tau, "loss_gd": L, "loss_logistic": lf, "loss_mp_limit": lm, "horizon": h,
            "loss_mean_of_draws": dm, "loss_mean_stderr": de, "draws": res["draws"],
            "deviation_gd": gd_dev, "deviation_mp": mp_dev,
            "s0": s0[: min(H, d)], "snapshots": res["snapshots"], "run": res["run"],
        }
    return Measurement(data, claims)


def draw(data: dict, p: dict):
    cs = data["cases"]
    c = plotting.colors(max(3, len(cs)))
    fig, axes = plotting.subplots(3, 1, width=3.3, height=2.9)
    for i, cd in enumerate(cs.values()):
        tau = np.asarray(cd["tau"])
        h, lab = cd["horizon"], f"r = {cd['r']:g}"
        ax = axes[0]
        ax.semilogy(tau, cd["loss_gd"], "o", color=c[i], ms=2.5, label=f"GD, {lab}")
        ax.semilogy(tau, cd["loss_logistic"], "-", color=c[i], lw=1)
        ax.semilogy(tau, cd["loss_mp_limit"], "--", color="black", lw=0.8)
        ax.semilogy(tau, cd["loss_mean_of_draws"], ":", color=c[i], lw=1.2)
        ax.axvline(h, color=c[i], lw=0.6, ls=":")
        ax = axes[1]
        ax.axvline(h, color=c[i], lw=0.6, ls=":")
        ax.semilogy(tau[1:], np.maximum(np.asarray(cd["deviation_gd"])[1:], 1e-12), "-", color=c[i],
                    label=f"GD vs logistic, {lab}")
        ax.semilogy(tau[1:], np.maximum(np.asarray(cd["deviation_mp"])[1:], 1e-12), "--", color=c[i],
                    label=f"mean of {cd['draws']} draws vs MP, {lab}")
        ax = axes[2]
        s0 = np.asarray(cd["s0"])
        for snap in cd["snapshots"]:
            ev = np.asarray(snap["eigenvalues"])[: s0.size]
            pred = ae.logistic(np.array([snap["tau"]]), s0)[0]
            ax.loglog(pred, ev, ".", color=c[i], ms=2)
    ax = axes[0]
    ax.plot([], [], "-", color="0.3", lw=1, label="logistic law (exact, this draw)")
    ax.plot([], [], ":", color="0.3", lw=1.2, label="mean of draws (exact)")
    ax.plot([], [], "--", color="black", lw=0.8, label="Marchenko-Pastur limit")
    ax.set_xlabel(r"$\tau = 4t/d$")
    ax.set_ylabel("loss")
    ax.set_title("loss")
    ax.legend(loc="lower left", fontsize=6.5)
    ax = axes[1]
    ax.axhline(GD_TOL, color="crimson", lw=0.7, ls="-")
    ax.axhline(MP_TOL, color="crimson", lw=0.7, ls="--")
    ax.set_xlabel(r"$\tau$")
    ax.set_ylabel("relative deviation")
    ax.set_title("deviations (vertical dotted: horizons)")
    # the deviations fill the axes up to the tolerances: the legend goes below the panel
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=6, ncol=1, frameon=False)
    ax = axes[2]
    lims = ax.get_xlim()
    ax.plot(lims, lims, "-", color="black", lw=0.7)
    ax.set_xlabel(r"logistic law $g(\tau; s_i)$")
    ax.set_ylabel(r"eigenvalue of $WW^T$ after GD")
    ax.set_title(f"eigenvalues at tau = {', '.join(f'{t:g}' for t in p['snapshots'])}")
    plotting.label_panels(axes)
    return fig
