"""B1 ntk-indicator: loss exponents of NTK training on an indicator target (arXiv:2105.00507).

Cases
  d<d>        gradient flow with the analytic infinite-width NTK and random-feature kernels, and
              with the empirical kernels of one width-m network at initialisation (its
              linearisation), on the same n points: exact through the eigendecomposition.
  d<d>-lazy   (paper size, GPU) a real wide network in lazy scaling F = s (f_theta - f_theta0),
              trained by full-batch GD on L/s^2, with its relative weight movement.
Theory: xi = kappa/nu = 1/(d + alpha) with alpha = 1 (NTK) and 3 (RF)
(docs/figures/ntk-indicator.md).
"""

from __future__ import annotations

import math

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.fitting import fit_power_law
from deeprates.training import kernel_runs, spectral

ID = "ntk-indicator"
TRACK = "training"
TITLE = "NTK and random-feature training on an indicator: loss ~ t^-1/(d+alpha)"
PAPER = "arXiv:2105.00507 (NeurIPS 2021, Explicit loss asymptotics in the GD training of NNs)"
# Eigendecompositions agree across BLAS builds / devices only to rounding (~1e-16 lambda_max
# absolute), which moves exponents fitted over ~10 decades of eigenvalues at the 1e-8..1e-6 level.
FIGDIFF_TOLERANCES = {"default": {"rel": 1e-6, "abs": 1e-12}}

ALPHA = {"ntk": 1, "rf": 3}
OTHER = {"ntk": "rf", "rf": "ntk"}
# tolerances on xi: d = 1 and d >= 2, at default and paper size (docs/figures/ntk-indicator.md)
XI_TOL = {"default": (0.04, 0.08), "paper": (0.02, 0.04)}
RATIO_TOL = 0.06  # xi_fit vs kappa_hat/nu_hat: the same tolerance as digits-spectra
MOVE_TOL = 0.05  # lazy runs count only with weight movement < 5%
DOC = "docs/figures/ntk-indicator.md"


def xi_tol(p: dict, d: int) -> float:
    lo, hi = XI_TOL[p["tolerances"]]
    return lo if d == 1 else hi


def _dims(p: dict) -> list[dict]:
    return p["dims"]


def check_params(p: dict) -> None:
    ds = [e["d"] for e in _dims(p)]
    if len(set(ds)) != len(ds):
        raise ConfigError(f"config key figures.{ID}.dims: each d at most once")
    if p["seeds"] < 1:
        raise ConfigError(f"config key figures.{ID}.seeds must be >= 1")
    if int(p["n"] * p["k_hi_fraction"]) <= p["k_lo"]:
        raise ConfigError(f"config key figures.{ID}.n = {p['n']}: need n * k_hi_fraction > k_lo = "
                          f"{p['k_lo']}; raise n")
    lazy = p["lazy"]
    for d in lazy["dims"]:
        if d not in ds:
            raise ConfigError(f"config key figures.{ID}.lazy.dims: d = {d} is not in dims {ds}")
    if lazy["dims"] and int(lazy["n"] * p["k_hi_fraction"]) <= p["k_lo"]:
        raise ConfigError(f"config key figures.{ID}.lazy.n = {lazy['n']}: need lazy.n * "
                          f"k_hi_fraction > k_lo = {p['k_lo']}")


def cases(p: dict) -> list[str]:
    return [f"d{e['d']}" for e in _dims(p)] + [f"d{d}-lazy" for d in p["lazy"]["dims"]]


def _data(entry: dict, n: int, p: dict, seed: int, n_targets: int):
    from deeprates.training import data

    rng = np.random.default_rng(seed)
    s_x, s_t = (int(v) for v in rng.integers(0, 2**31, 2))
    dom = data.Domain(entry["domain"], entry["d"])
    x = dom.sample(n, s_x, p["design"])
    targets = data.BallTargets.ensemble(dom, n_targets, s_t)
    return dom, x, targets(x)


def compute(case: str, p: dict, ctx) -> dict:
    import torch

    from deeprates.training import device, kernels

    dev = device.setup(ctx.device, ctx.threads)
    d = int(case[1:].split("-")[0])
    entry = next(e for e in _dims(p) if e["d"] == d)
    rng = np.random.default_rng(ctx.seed)
    common = {"d": d, "domain": entry["domain"], "design": p["design"],
              "run": device.run_info(dev, "float64")}
    flow = dict(k_lo=p["k_lo"], k_hi_fraction=p["k_hi_fraction"], per_decade=p["per_decade"])

    if not case.endswith("-lazy"):
        from deeprates.training.checkpoint import Checkpoint

        specs: dict[str, dict[str, list]] = {"analytic": {}, "linearised": {}}
        width = entry["width"]
        # The slowest jobs at both sizes (paper: ~25 min a seed on a CPU): a snapshot of the
        # finished seeds' spectra after each seed, so a killed job redoes at most one seed.
        # Each seed's draws come from its own entry of `seeds` below, so skipping is exact.
        ckpt = Checkpoint(ctx.checkpoint_dir, case,
                          {"p": {k: v for k, v in p.items() if k != "resources"}, "case": case,
                           "seed": ctx.seed, "device": dev.type}, interval_s=0.0, log=ctx.log)
        snap = ckpt.load(torch.device("cpu"))
        done = 0 if snap is None else snap["seeds_done"]
        if snap is not None:
            specs = snap["specs"]
        for i, seed in enumerate(rng.integers(0, 2**31, p["seeds"])):
            if i < done:
                continue
            s_data, s_net = (int(v) for v in np.random.default_rng(int(seed)).integers(0, 2**31, 2))
            dom, x, Y = _data(entry, p["n"], p, s_data, p["targets"])
            xt = torch.tensor(x, dtype=torch.float64, device=dev)
            ctx.log(f"seed {i + 1}/{p['seeds']}: analytic kernels, n = {p['n']}, d = {d}, on {dev.type}")
            for kind in p["kernels"]:
                specs["analytic"].setdefault(kind, []).append(
                    spectral.decompose(kernels.analytic_gram(xt, kind), Y))
            if width > 0:
                ctx.log(f"seed {i + 1}/{p['seeds']}: empirical kernels of a width-{width} network")
                net = kernels.TwoLayerReLU.init(d, width, device.generator(dev, s_net), device=dev)
                emp = kernels.empirical_gram(xt, net, kinds=tuple(p["kernels"]))
                for kind in p["kernels"]:
                    specs["linearised"].setdefault(kind, []).append(spectral.decompose(emp.pop(kind), Y))
            ckpt.save(i + 1, {"seeds_done": i + 1, "specs": specs})
        out = {**common, "n": p["n"], "targets": p["targets"], "width": width}
        for model, by_kind in specs.items():
            out[model] = {kind: kernel_runs.flow_ensemble(sp, **flow) for kind, sp in by_kind.items()}
        return out

    # lazy wide network
    from deeprates.training import lazy
    from deeprates.training.checkpoint import Checkpoint

    lz = p["lazy"]
    s_data, s_net = (int(v) for v in rng.integers(0, 2**31, 2))
    dtype = device.dtype_of(lz["dtype"])
    dom, x, Y = _data(entry, lz["n"], p, s_data, lz["targets"])
    xt = torch.tensor(x, dtype=torch.float64, device=dev)
    ctx.log(f"analytic NTK on the lazy run's {lz['n']} points (window, step size, reference)")
    ref, spec = kernel_runs.flow_experiment(kernels.analytic_gram(xt, "ntk"), Y, **flow)
    lr = 1.0 / spec.lam[0]
    gen = device.generator(dev, s_net)
    net = kernels.TwoLayerReLU.init(d, lz["width"], gen, device=dev)
    ctx.log(f"linearised prediction: empirical NTK of the width-{lz['width']} network")
    lin, lin_spec = kernel_runs.flow_experiment(kernels.empirical_gram(xt, net, kinds=("ntk",))["ntk"],
                                                Y, **flow)
    ckpt = Checkpoint(ctx.checkpoint_dir, case,
                      {"p": {k: v for k, v in p.items() if k != "resources"}, "case": case,
                       "seed": ctx.seed, "device": dev.type}, log=ctx.log)
    ctx.log(f"lazy GD: width {lz['width']}, scale {lz['scale']:g}, {lz['steps']} steps, lr = {lr:.4g}, "
            f"{lz['dtype']} on {dev.type}")
    res = lazy.train_lazy(xt, torch.tensor(Y, dtype=torch.float64, device=dev), net,
                          scale=lz["scale"], lr=lr, n_steps=lz["steps"], gen=gen, dtype=dtype,
                          checkpoint=ckpt, log=ctx.log, per_decade=p["per_decade"])
    steps = res["step"]
    res["linearised_gd"] = lin_spec.gd_loss(steps, lr)
    res["analytic_gd"] = spec.gd_loss(steps, lr)
    win = spec.window(p["k_lo"], p["k_hi_fraction"])
    t_max = float(res["t"][-1])
    window = (win[0], min(win[1], t_max))
    return {**common, "n": lz["n"], "targets": Y.shape[1], "reference": ref, "linearised": lin,
            "lazy": res, "window": window, "spectral_window": win,
            "run": device.run_info(dev, dtype)}


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    widths = ", ".join(f"d={e['d']}: {e['width']}" for e in _dims(p))
    return (
        f"Mean over {p['seeds']} seeds (design, targets, network) of gradient flow on indicators of "
        f"{p['targets']} random balls (intervals for d = 1; loss averaged "
        f"over them), n = {p['n']} points of a scrambled Sobol design on the domain. (a) Loss of the "
        "analytic infinite-width NTK (solid) and random-feature (dashed) kernels and of the linearised "
        f"finite networks (dotted; widths {widths}); legend: fitted xi (theory 1/(d + alpha)). "
        "(b) Eigenvalues above the eigensolver's rounding floor n eps lambda_1 (below it they are "
        "rounding, not drawn), (c) target tails, fitted on the shaded modes (k_lo .. n/20, and "
        "never past the last eigenvalue above the floor)."
    )


def _xi_claims(p: dict, d: int, model: str, kind: str, fits: dict, claims: list) -> None:
    tol = xi_tol(p, d)
    f = fits[model][kind]
    other = OTHER[kind]
    claims.append(Claim.from_fit(
        ID, f"xi, {model} {kind.upper()}, d = {d}", paper=PAPER, kind="reproduction",
        statement=f"gradient flow with the {model} {kind.upper()} kernel on indicator targets in d = {d}: "
                  f"loss ~ t^-xi with xi = 1/(d + alpha), alpha = {ALPHA[kind]}",
        fit=f.xi, theory=1.0 / (d + ALPHA[kind]), tol=tol,
        why=f"+-{tol:g} at d = {d} at this size (n = {p['n']}, {p['tolerances']} tolerances; paper "
            f"size n = 20000 halves them): finite n biases the spectrum's exponents at the modes "
            f"the window covers ({DOC}); stat: bootstrap over the seeds (design, targets, network)",
        control=Alt(f"the other kernel's exponent, 1/(d + {ALPHA[other]}) ({other.upper()})",
                    theory=1.0 / (d + ALPHA[other]))))
    if other in fits[model]:
        alt = Alt(f"xi = kappa_hat/nu_hat of the {other.upper()} kernel (same targets, other "
                  "spectrum)", theory=fits[model][other].ratio)
    else:
        alt = Alt("xi = kappa_hat (nu = 1: the loss ignores the spectrum's decay)",
                  theory=f.kappa.exponent)
    claims.append(Claim.from_fit(
        ID, f"xi = kappa/nu, {model} {kind.upper()}, d = {d}", paper=PAPER, kind="reproduction",
        statement="the fitted exponent equals kappa_hat/nu_hat from the eigenvalues and target tails "
                  f"on the same modes (nu_hat = {f.nu.exponent:.3f} vs 1 + alpha/d = "
                  f"{1 + ALPHA[kind] / d:.3f}, kappa_hat = {f.kappa.exponent:.3f} vs 1/d = {1 / d:.3f})",
        fit=f.xi, theory=f.ratio, tol=RATIO_TOL,
        why=f"the mechanism xi = kappa/nu, 0.06 as for the digits ({DOC}); nu_hat and kappa_hat "
            "themselves carry pre-asymptotic bias at these mode numbers, their ratio much less",
        control=alt))


def measure(results: dict, p: dict) -> Measurement:
    claims: list[Claim] = []
    dims = [e["d"] for e in _dims(p)]
    kinds = list(p["kernels"])
    data = {"cases": {}, "kernels": kinds,
            "theory_xi": {k: {str(d): 1 / (d + ALPHA[k]) for d in dims} for k in kinds},
            "units": "t: gradient-flow time, loss (1/2n)|f - y|^2 averaged over the targets; "
                     "lambda_k: eigenvalues of K/n"}
    keep = ("t", "loss", "k", "eigenvalues", "floor", "tail", "k_range", "window", "seeds")
    for d in dims:
        r = results[f"d{d}"]
        tol = xi_tol(p, d)
        fits = {model: {kind: kernel_runs.fit_record(rec, tol) for kind, rec in r[model].items()}
                for model in ("analytic", "linearised")}
        case = {"d": d, "n": r["n"], "width": r["width"], "targets": r["targets"], "run": r["run"]}
        for model in ("analytic", "linearised"):
            case[model] = {}
            for kind in kinds:
                if kind not in r[model]:
                    continue
                _xi_claims(p, d, model, kind, fits, claims)
                f = fits[model][kind]
                case[model][kind] = {**{k: r[model][kind][k] for k in keep},
                                     "fits": spectral.fits_summary(f)}
        data["cases"][f"d{d}"] = case
    for d in p["lazy"]["dims"]:
        r = results[f"d{d}-lazy"]
        lz = r["lazy"]
        tol = xi_tol(p, d)
        w0, w1 = r["window"]
        if w1 > w0:
            fit = fit_power_law(np.asarray(lz["t"])[1:], np.asarray(lz["loss"])[1:], (w0, w1), tol=tol)
            claims.append(Claim.from_fit(
                ID, f"xi, lazy network, d = {d}", paper=PAPER, kind="reproduction",
                statement=f"a real width-{lz['width']} network in lazy scaling (s = {lz['scale']:g}) "
                          f"trained by full-batch GD: loss ~ t^-1/(d+1)",
                fit=fit, theory=1 / (d + 1), tol=tol,
                why=f"+-{tol:g} at d = {d} ({p['tolerances']} size, {DOC}); window cut at the last "
                    "GD step if the run ends before mode n/20 is learned",
                control=Alt("the random-feature exponent 1/(d + 3)", theory=1 / (d + 3))))
        move = max(max(lz["move_W"]), max(lz["move_a"]))
        claims.append(Claim.within(
            ID, f"lazy: weights move < 5%, d = {d}", paper=PAPER, kind="consistency",
            statement="largest relative movement |theta_t - theta_0|/|theta_0| of either layer",
            measured=move, lo=0.0, hi=MOVE_TOL, theory="< 0.05",
            why="lazy runs count only with movement < 5% (a plain width-1024 net moved 21%); a "
                "property of the run that the exponent claim needs, not a paper number"))
        lin = np.array(lz["linearised_gd"])
        dev_lin = float(np.max(np.abs(np.array(lz["loss"])[1:] / lin[1:] - 1)))
        ana = np.array(lz["analytic_gd"])
        dev_ana = float(np.max(np.abs(np.array(lz["loss"])[1:] / ana[1:] - 1)))
        claims.append(Claim.within(
            ID, f"lazy network follows its linearisation, d = {d}", paper=PAPER, kind="reproduction",
            statement="max relative deviation of the trained network's loss from exact GD on its "
                      "empirical NTK at initialisation",
            measured=dev_lin, lo=0.0, hi=0.05, theory=0.0,
            why="lazy training is kernel GD up to O(1/s) corrections; 5% as for the weight movement",
            control=Alt("the network follows the infinite-width analytic NTK instead",
                        measured=dev_ana)))
        data["cases"][f"d{d}-lazy"] = {
            "d": d, "t": lz["t"], "loss": lz["loss"], "window": r["window"],
            "width": lz["width"], "scale": lz["scale"], "run": r["run"]}
    return Measurement(data, claims, FIGDIFF_TOLERANCES)


def draw(data: dict, p: dict):
    dims = [e["d"] for e in _dims(p)]
    kinds = data["kernels"]
    c = plotting.colors(max(3, len(dims)))
    fig, axes = plotting.subplots(3, 1, width=3.4, height=3.0)
    styles = {"ntk": "-", "rf": "--"}
    for i, d in enumerate(dims):
        r = data["cases"][f"d{d}"]
        for kind in kinds:
            a = r["analytic"][kind]
            t, L = np.asarray(a["t"]), np.asarray(a["loss"])
            # time in units of the window start, loss in units of its value there: one axis for all
            t0 = a["window"][0]
            L0 = np.interp(t0, t, L)
            theory = 1 / (d + ALPHA[kind])
            axes[0].loglog(t / t0, L / L0, styles[kind], color=c[i],
                           label=f"d = {d}, {kind.upper()}: xi = {a['fits']['xi']['exponent']:.3f} "
                                 f"({theory:.3f})")
            tw = np.geomspace(1.0, a["window"][1] / t0, 20)
            axes[0].loglog(tw, 0.5 * tw ** -theory, styles[kind], color="0.35", lw=0.6)
            if kind in r["linearised"]:
                lnr = r["linearised"][kind]
                axes[0].loglog(np.asarray(lnr["t"]) / t0, np.asarray(lnr["loss"]) / L0, ":",
                               color=c[i], lw=1)
            k = np.asarray(a["k"])
            lam = np.asarray(a["eigenvalues"])
            # the last modes carry the discretisation's edge, not the law; eigenvalues below the
            # rounding floor are the eigensolver's rounding (d = 1 random features: from k ~ 350
            # on), which moved with the BLAS's summation order and rescaled the panel
            keep = (k <= r["n"] // 2) & (lam > a["floor"])
            axes[1].loglog(k[keep], lam[keep] / lam[0], styles[kind], color=c[i],
                           label=rf"d={d} {kind.upper()}: $\hat\nu$={a['fits']['nu']['exponent']:.2f} "
                                 f"({1 + ALPHA[kind] / d:.2f})")
            if kind == "ntk":
                axes[2].loglog(k[keep], np.asarray(a["tail"])[keep], "-", color=c[i],
                               label=rf"d={d}: $\hat\kappa$={a['fits']['kappa']['exponent']:.2f} ({1 / d:.2f})")
    for d in p["lazy"]["dims"]:
        lz = data["cases"][f"d{d}-lazy"]
        tt, L = np.asarray(lz["t"])[1:], np.asarray(lz["loss"])[1:]
        t0 = lz["window"][0]
        axes[0].loglog(tt / t0, L / np.interp(t0, tt, L), "o", ms=2, color=c[dims.index(d)],
                       label=f"lazy net, d = {d}")
    axes[0].plot([], [], "-", color="0.35", lw=0.6, label="theory slopes 1/(d + alpha), offset")
    axes[0].set_xlabel("t / (start of fit window)")
    axes[0].set_ylabel("loss / loss at window start")
    axes[0].set_title("loss (dotted: linearised nets)")
    # (a, b): six or more entries and curves filling the panel: the legends go below them
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=5.5, ncol=2,
                   frameon=False)
    axes[1].set_xlabel("mode k")
    axes[1].set_ylabel(r"$\lambda_k/\lambda_1$")
    axes[1].set_title("spectra (theory in brackets)")
    axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=5.5, ncol=2,
                   frameon=False)
    axes[2].set_xlabel("mode k")
    axes[2].set_ylabel(r"$\sum_{j\geq k} c_j^2$ (NTK)")
    axes[2].set_title("target tails")
    axes[2].legend(loc="lower left", fontsize=6)
    lo, hi = data["cases"][f"d{dims[0]}"]["analytic"][kinds[0]]["k_range"]
    for ax in axes[1:]:
        ax.axvspan(lo, hi, color="0.93", zorder=0)
    plotting.label_panels(axes)
    return fig
