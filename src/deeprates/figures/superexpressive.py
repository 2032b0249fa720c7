"""A7 superexpressive: the elementary superexpressive activation and its mechanism (arXiv:2102.10911).

Cases: `activation` (the function of the paper's Fig. 2, its C^1 joints, monotonicity, range)
and `n<k>` (one neuron sin(w x) on k rationally independent points: the smallest |w| that fits
random targets within eps, and the bits of w that the fit needs).
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.approximation import superexpressive as se
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.fitting import fit_power_law

ID = "superexpressive"
TRACK = "approximation"
TITLE = "An elementary superexpressive activation: information moves into weight precision"
PAPER = "arXiv:2102.10911 (Yarotsky 2021), Fig. 2 and the mechanism of its Theorem"
DOC = "docs/figures/superexpressive.md"


def check_params(p: dict) -> None:
    for i, c in enumerate(p["points"]):
        key = f"figures.{ID}.points[{i}]"
        if c["eps_min"] >= p["eps_max"]:
            raise ConfigError(f"config key {key}.eps_min must be below figures.{ID}.eps_max")
        # |w| ~ eps^-(n-1): the interval enumeration holds ~|w| x_1/pi intervals in memory
        if (1.0 / c["eps_min"]) ** (c["n"] - 1) > 3e6:
            raise ConfigError(f"config key {key}: eps_min = {c['eps_min']:g} with n = {c['n']} needs "
                              f"|w| ~ eps^-(n-1) = {(1 / c['eps_min']) ** (c['n'] - 1):.2g} (too many "
                              f"intervals); raise eps_min to at least {3e6 ** (-1 / (c['n'] - 1)):.2g}")
        load = p["horizon"] * (1.0 / c["eps_min"]) ** (c["n"] - 1)
        if load > 5e7:
            raise ConfigError(f"config key {key}: counting feasible frequencies up to horizon x "
                              f"eps^-(n-1) = {load:.2g} intervals is too many; raise eps_min or lower "
                              f"figures.{ID}.horizon (the product must stay below 5e7)")
    if len({c["n"] for c in p["points"]}) != len(p["points"]):
        raise ConfigError(f"config key figures.{ID}.points: each n at most once")


def cases(p: dict) -> list[str]:
    return ["activation", *[f"n{c['n']}" for c in p["points"]]]


def _eps_grid(eps_max: float, eps_min: float, per_decade: int) -> np.ndarray:
    return np.geomspace(eps_max, eps_min, max(2, int(round(per_decade * np.log10(eps_max / eps_min)))) + 1)


def compute(case: str, p: dict, ctx) -> dict:
    if case == "activation":
        x = np.linspace(-6, 10, 3201)
        dense = np.linspace(-50, 50, 1_000_001)
        d = se.derivative(dense)
        v = se.activation(dense)
        far = np.array([-1e8, 1e8])
        return {"x": x, "sigma": se.activation(x), "dsigma": se.derivative(x),
                "jumps": se.branch_jumps(), "min_derivative": float(d.min()),
                "argmin_derivative": float(dense[np.argmin(d)]),
                "range_sampled": [float(v.min()), float(v.max())],
                "limits": se.activation(far).tolist(),
                "numeric_vs_analytic_derivative": float(np.max(np.abs(np.gradient(v, dense) - d)[1:-1]))}
    n = int(case.removeprefix("n"))
    c = next(c for c in p["points"] if c["n"] == n)
    pts = se.sqrt_primes(n)
    eps = _eps_grid(p["eps_max"], c["eps_min"], p["per_decade"])
    rng = np.random.default_rng(ctx.seed)
    # the same targets at every eps (common random numbers: smoother curves in eps)
    ys = rng.uniform(-p["target_range"], p["target_range"], (p["draws"], n))
    W = np.zeros((p["draws"], eps.size))
    bits = np.full_like(W, np.nan)
    spacing = np.zeros(eps.size)
    worst = 0.0
    for j, e in enumerate(ctx.progress(list(eps), f"n={n} eps")):
        for i, y in enumerate(ys):
            r = se.smallest_abs_frequency(pts, y, e)
            W[i, j] = abs(r.w)
            bits[i, j] = se.bits_needed(r.w, pts, e)
            worst = max(worst, float(np.max(np.abs(np.sin(r.w_mid * pts) - y)) / e))
        # mean spacing of the feasible frequencies of both signs, counted up to a horizon of
        # `horizon` median first passages, over the first `spacing_draws` targets
        horizon = p["horizon"] * max(float(np.median(W[:, j])), 1.0)
        counts = [se.feasible_count(pts, y, e, horizon) + se.feasible_count(pts, -y, e, horizon)
                  for y in ys[: p["spacing_draws"]]]
        spacing[j] = 2 * horizon * len(counts) / max(sum(counts), 1)
    return {"n": n, "points": pts, "eps": eps, "w": W, "bits": bits, "spacing": spacing,
            "fit_check": worst}


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    return (
        "(a) The elementary superexpressive activation as plotted in Fig. 2 of arXiv:2102.10911: "
        "(x arcsin x + sqrt(1-x^2))/pi + 1.5x + 2 on |x| <= 1, 7 - 3/x + sin(pi x)/(pi x^2) for x > 1, "
        "-1/x for x < -1. The formula as printed needs the '+2' and sin(pi x) to match the figure and "
        "to be C^1. (b) The mechanism: one neuron sin(w x) on rationally independent points fits any n "
        "values within eps, but the feasible frequencies are spaced ~ eps^-(n-1) apart, so the smallest "
        "such |w| (median over random targets, dots) grows like that (squares: mean spacing). (c) The "
        "bits of w needed, log2(|w| max x/eps), grow like n log2(1/eps): information "
        "moves into the precision of one weight."
    )


def measure(results: dict, p: dict) -> Measurement:
    act = results["activation"]
    jumps = act["jumps"]
    claims = [
        Claim.within(
            ID, "sigma is C^1 at +-1", paper=PAPER, kind="consistency",
            statement="value and slope of the three branches agree at x = -1 and x = 1 "
                      "(with the '+2' and sin(pi x) that the figure needs)",
            measured=max(jumps.values()), lo=0.0, hi=1e-6, theory=0.0,
            why="jumps < 1e-6 (they are 0 up to rounding): a property of the formula as "
                f"implemented ({DOC})",
            detail="; ".join(f"{k}: {v:.1e}" for k, v in jumps.items())),
        Claim.within(
            ID, "sigma is increasing", paper=PAPER, kind="consistency",
            statement="sigma' > 0 (analytic derivative on 10^6 points of [-50, 50]; beyond, "
                      "sigma' ~ 2/x^2 > 0 and 1/x^2)",
            measured=act["min_derivative"], lo=1e-12, hi=None, theory="> 0",
            why="monotone activation", detail=f"minimum at x = {act['argmin_derivative']:.3f}"),
        Claim.holds(
            ID, "range in (0, 7)", paper=PAPER, kind="consistency",
            statement="sigma maps R into (0, 7): positive, below 7, tending to 0 at -inf and 7 at +inf",
            condition=bool(act["range_sampled"][0] > 0 and act["range_sampled"][1] < 7
                           and 0 < act["limits"][0] < 1e-6 and 7 - 1e-6 < act["limits"][1] < 7),
            measured=f"[{act['range_sampled'][0]:.4g}, {act['range_sampled'][1]:.4g}] on [-50, 50]; "
                     f"sigma(+-1e8) = {act['limits'][0]:.3g}, {act['limits'][1]:.9g}",
            theory="(0, 7)", tolerance="strict bounds", why="the paper's activation is bounded"),
    ]
    mech = {}
    allx, ally, alt_y = [], [], []
    for c in p["points"]:
        r = results[f"n{c['n']}"]
        n = r["n"]
        eps = np.array(r["eps"])
        inv = 1.0 / eps
        fit = fit_power_law(inv, np.array(r["spacing"]), (inv.min(), inv.max()), tol=0.5)
        med = fit_power_law(inv, np.median(np.array(r["w"]), axis=0), (inv.min(), inv.max()))
        claims.append(Claim.from_fit(
            ID, f"n={n}: |w| ~ eps^-(n-1)", paper=PAPER, kind="reproduction",
            statement=f"one neuron sin(w x) fits {n} random values on sqrt-of-primes points within eps "
                      f"only at frequencies spaced ~ eps^-(n-1) apart (mean spacing of the feasible w "
                      f"over {p['spacing_draws']} targets), so the smallest |w| grows like eps^-(n-1)",
            fit=fit, theory=n - 1.0, tol=0.5, use="slope",
            why=f"n - 1 +- 0.5: half the distance to the neighbouring exponents n and n - 2 "
                f"({DOC}). The median smallest |w| over {np.array(r['w']).shape[0]} "
                f"targets (plotted) has slope {med.slope:.2f}, but as a "
                "first-passage time it jumps with eps, too noisy for the plateau test; the mean "
                "spacing is the same scale without that randomness",
            control=Alt(f"spacing ~ eps^-{n}: the eps-box's volume eps^{n} without the "
                        "eps-long crossing of the line through it", theory=float(n))))
        b = np.array(r["bits"])
        ok = np.isfinite(b)
        x = (n * np.log2(inv)[None, :].repeat(b.shape[0], 0))[ok]
        allx.append(x)
        ally.append(b[ok])
        alt_y.append(x * (n - 1) / n)
        mech[f"n{n}"] = {"n": n, "eps": r["eps"], "median_w": np.median(np.array(r["w"]), axis=0),
                         "mean_spacing": r["spacing"], "w": r["w"], "bits": r["bits"],
                         "fit": fit.to_dict(), "bits_x": x, "bits_y": b[ok]}
    bx_, by_ = np.concatenate(allx), np.concatenate(ally)
    slope, icpt = np.polyfit(bx_, by_, 1)
    # the pooled slope the same regression would give if bits ~ (n - 1) log2(1/eps)
    alt_slope = float(np.polyfit(bx_, np.concatenate(alt_y), 1)[0])
    per_n = [float(np.polyfit(x, y, 1)[0]) for x, y in zip(allx, ally)]
    claims.append(Claim.close(
        ID, "bits ~ n log2(1/eps)", paper=PAPER, kind="reproduction",
        statement="the bits of w needed, log2(|w| max x / eps) (w written to the resolution that "
                  "keeps every sin(w x_j) within eps), grow like n log2(1/eps): the n values are "
                  "stored in one weight (all targets and eps pooled; w = 0 cases left out)",
        measured=float(slope), theory=1.0, tol=0.3, sys_err=float(max(abs(s - slope) for s in per_n)),
        why=f"1 +- 0.3; systematic term: the same fit for each n alone ({DOC})",
        detail="per n: " + ", ".join(f"{s:.2f}" for s in per_n),
        control=Alt("bits ~ (n - 1) log2(1/eps): |w|'s magnitude only, not the resolution "
                    "eps/max x", theory=alt_slope,
                    detail="its slope from the same pooled regression on the same points")))
    claims.append(Claim.within(
        ID, "every fit is within eps", paper=PAPER, kind="consistency",
        statement="at the middle of each found interval, max_j |sin(w x_j) - y_j| <= eps",
        measured=max(results[f"n{c['n']}"]["fit_check"] for c in p["points"]), lo=0.0, hi=1.0,
        theory="<= 1 (in units of eps)", why="checks the interval arithmetic"))
    data = {"activation": {"x": act["x"], "sigma": act["sigma"], "jumps": jumps,
                           "min_derivative": act["min_derivative"], "range": act["range_sampled"]},
            "mechanism": mech,
            "bits_slope": float(slope), "bits_intercept": float(icpt),
            "bits_mean": [float(bx_.mean()), float(by_.mean())]}
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    act = d["activation"]
    fig, axes = plotting.subplots(3, 1, width=3.3, height=2.9)
    ax = axes[0]
    ax.plot(act["x"], act["sigma"], color="black", lw=1.3)
    ax.axhline(7, color="grey", ls=":", lw=0.8)
    ax.axhline(0, color="grey", ls=":", lw=0.8)
    ax.axvline(-1, color="grey", lw=0.5)
    ax.axvline(1, color="grey", lw=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel(r"$\sigma(x)$")
    ax.set_title(r"$\sigma$ (arXiv:2102.10911, Fig. 2)")
    ax = axes[1]
    mech = list(d["mechanism"].values())
    cols = plotting.colors(len(mech))
    for r, col in zip(mech, cols):
        n, fit = r["n"], r["fit"]
        inv = 1 / np.asarray(r["eps"])
        ax.loglog(inv, r["median_w"], "o", color=col, ms=3.5, label=f"n={n}: median smallest |w|")
        ax.loglog(inv, r["mean_spacing"], "s", color=col, ms=3, mfc="none",
                  label=f"mean spacing: slope {fit['slope']:.2f} ({n - 1})")
        ax.loglog(inv, fit["prefactor"] * inv ** fit["slope"], "-", color=col, lw=0.8)
    ax.set_xlabel("1/eps")
    ax.set_ylabel("|w|")
    ax.set_title("one neuron sin(wx) on sqrt(primes)")
    ax.legend(loc="upper left", fontsize=6.5)
    ax = axes[2]
    xs = []
    for r, col in zip(mech, cols):
        ax.plot(r["bits_x"], r["bits_y"], ".", color=col, ms=2, alpha=0.5, label=f"n={r['n']}")
        xs.append(np.asarray(r["bits_x"]))
    x = np.concatenate(xs)
    xl = np.array([x.min(), x.max()])
    mx, my = d["bits_mean"]
    ax.plot(xl, d["bits_slope"] * xl + d["bits_intercept"], "k-", lw=0.8,
            label=f"fit: slope {d['bits_slope']:.2f}")
    ax.plot(xl, xl - mx + my, "--", color="crimson", lw=1,
            label="theory: slope 1 (bits = n log2(1/eps) + c)")
    ax.set_xlabel("n log2(1/eps)")
    ax.set_ylabel("bits of w")
    ax.set_title("information in one weight")
    ax.legend(loc="upper left", fontsize=6.5)
    plotting.label_panels(axes)
    return fig
