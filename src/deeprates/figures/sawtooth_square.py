"""A1 sawtooth-square: x^2 by compositions of the tooth (arXiv:1610.01145, Fig. 2 and Prop. 2).

Cases: `curves` (panels a, b), `deep` (the width-4 network f_m, float64 and float32), `shallow`
(one hidden layer, P pieces), `budget-H<H>` (fixed depth: H wide layers). Errors are exact sup
norms (breakpoints found by propagating through the network, plus the critical points of
x^2 minus each linear piece, i.e. the midpoints).
"""

from __future__ import annotations

import math

import numpy as np

from deeprates import plotting
from deeprates.approximation import sawtooth
from deeprates.approximation.supnorm import Square, breakpoints_1d, sup_error_1d
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.fitting import fit_power_law

ID = "sawtooth-square"
TRACK = "approximation"
TITLE = "x^2 from sawtooth compositions: exponential in depth, polynomial at fixed depth"
PAPER = "arXiv:1610.01145 (Yarotsky 2017), Fig. 2 and Proposition 2"

FLOAT64_EXACT_M = 24  # f_m's values need about 2m + 2 bits; float64 has 53
MAX_BUDGET_WIDTH_LOG2 = 14  # 2^14 neurons x 2^(kH+1) candidate points stays within memory


def check_params(p: dict) -> None:
    if p["m_max_float32"] > p["m_max"]:
        raise ConfigError(
            f"config key figures.{ID}.m_max_float32 = {p['m_max_float32']} exceeds m_max = "
            f"{p['m_max']}; set it to at most m_max"
        )
    n_dec = math.log10(p["shallow_P_max"] / p["shallow_P_min"])
    if n_dec * p["shallow_per_decade"] < 8:
        raise ConfigError(
            f"config key figures.{ID}.shallow_P_max: the shallow sweep from shallow_P_min = "
            f"{p['shallow_P_min']} to shallow_P_max = {p['shallow_P_max']} at {p['shallow_per_decade']} "
            "sizes per decade has fewer than 8 sizes, too few for a rate fit; widen the range"
        )
    for i, b in enumerate(p["depth_budgets"]):
        if b["H"] * b["k_max"] > FLOAT64_EXACT_M:
            raise ConfigError(
                f"config key figures.{ID}.depth_budgets[{i}]: H * k_max = {b['H'] * b['k_max']} "
                f"compositions exceed what float64 represents exactly ({FLOAT64_EXACT_M}); lower k_max"
            )
        if b["k_max"] > MAX_BUDGET_WIDTH_LOG2:
            raise ConfigError(
                f"config key figures.{ID}.depth_budgets[{i}].k_max = {b['k_max']}: width 2^k_max "
                f"is too wide to evaluate exactly; use k_max <= {MAX_BUDGET_WIDTH_LOG2}"
            )


def cases(p: dict) -> list[str]:
    return ["curves", "deep", "shallow", *[f"budget-H{b['H']}" for b in p["depth_budgets"]]]


def _exact_sup(net) -> float:
    return sup_error_1d(net, Square(), 0.0, 1.0).value


def compute(case: str, p: dict, ctx) -> dict:
    if case == "curves":
        x = np.linspace(0, 1, 1025)
        return {
            "x": x,
            "g": {str(s): sawtooth.sawtooth(x, s) for s in (1, 2, 3)},
            "f": {str(m): sawtooth.deep_square(m)(x)[:, 0] for m in (1, 2, 3, 4)},
        }
    if case == "deep":
        rows = []
        for m in ctx.progress(range(1, p["m_max"] + 1), "deep levels"):
            net = sawtooth.deep_square(m)
            bp = breakpoints_1d(net, 0.0, 1.0)
            e64 = sup_error_1d(net, Square(), 0.0, 1.0, breakpoints=bp)
            e32 = sup_error_1d(net, Square(), 0.0, 1.0, breakpoints=bp, dtype=np.float32)
            rows.append({"m": m, "W": net.W, "W_formula": sawtooth.deep_square_W(m), "L": net.L,
                         "width": net.width, "n_breakpoints": int(bp.size),
                         "err64": e64.value, "err32": e32.value,
                         "theory": sawtooth.interpolant_error(m)})
        return {"rows": rows}
    if case == "shallow":
        n_dec = math.log10(p["shallow_P_max"] / p["shallow_P_min"])
        Ps = np.unique(np.round(np.geomspace(p["shallow_P_min"], p["shallow_P_max"],
                                             int(p["shallow_per_decade"] * n_dec) + 1)).astype(int))
        rows = []
        for P in ctx.progress(Ps.tolist(), "shallow P"):
            net = sawtooth.shallow_square(P)
            rows.append({"P": P, "W": net.W, "err": _exact_sup(net), "theory": 1 / (4 * P * P)})
        return {"rows": rows}
    if case.startswith("budget-H"):
        H = int(case.removeprefix("budget-H"))
        k_max = next(b["k_max"] for b in p["depth_budgets"] if b["H"] == H)
        rows = []
        for k in ctx.progress(range(1, k_max + 1), f"H={H} widths"):
            net = sawtooth.budget_square(H, k)
            rows.append({"k": k, "W": net.W, "L": net.L, "width": net.width, "err": _exact_sup(net),
                         "theory": sawtooth.interpolant_error(H * k)})
        return {"H": H, "rows": rows}
    raise ValueError(f"unknown case {case!r}")


def _upper_half(W: np.ndarray, min_points: int = 4) -> tuple[float, float]:
    """Fit window: the upper half of the sweep in log W, widened to hold at least `min_points`
    sizes (the lower half is pre-asymptotic: the constant in W = cP + c0 still matters there)."""
    W = np.sort(W)
    lo = math.exp((math.log(W[0]) + math.log(W[-1])) / 2)
    lo = min(lo, float(W[max(0, W.size - min_points)]))
    return lo, float(W[-1])


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    m32 = p["m_max_float32"]
    return (
        "(a) The tooth g and its compositions g_2, g_3. (b) f_m = x - sum_{s<=m} g_s/4^s interpolates "
        "x^2 at k/2^m. (c) Exact sup error against the number of nonzero weights W: the deep width-4 "
        "network's error falls exponentially in W (a straight line on this semilog plot; float32 "
        f"stays exact up to m = {m32} and then hits its resolution), a one-layer interpolant "
        "polynomially. (d) At fixed depth (H wide layers joined by width-2 bottlenecks) the rate is "
        "p = 2H. Lines: theory (2^(-2m-2) for f_m, 1/(4P^2) for P pieces, 2^(-2Hk-2) for H layers "
        "of width 2^k), markers: measured. All errors are exact sup norms over the networks' breakpoints and the midpoints."
    )


def _rows(res: dict, *keys: str) -> list[np.ndarray]:
    return [np.array([r[k] for r in res["rows"]], float) for k in keys]


def measure(results: dict, p: dict) -> Measurement:
    deep = results["deep"]["rows"]
    m, W_deep, e64, e32, th = _rows(results["deep"], "m", "W", "err64", "err32", "theory")
    m = m.astype(int)
    P_sh, W_sh, e_sh = _rows(results["shallow"], "P", "W", "err")
    budgets = [results[f"budget-H{b['H']}"] for b in p["depth_budgets"]]

    claims = []
    ratio64 = np.abs(e64 / th - 1)
    claims.append(Claim.within(
        ID, "deep float64 error is exactly 2^(-2m-2)", paper=PAPER, kind="consistency",
        statement=f"sup|f_m - x^2| = 2^(-2m-2), attained at the midpoints; m = 1..{m.max():.0f}, "
                  "float64 (the interpolant's error, a property of the construction)",
        measured=float(ratio64.max()), lo=0.0, hi=1e-9, theory=0.0,
        why="exact sup norm of an exactly representable network: only float64 rounding (~1e-16)",
        detail=f"max |err/2^(-2m-2) - 1| over m <= {m.max():.0f}"))
    m32 = p["m_max_float32"]
    sel32 = m <= m32
    claims.append(Claim.within(
        ID, "deep float32 error is exactly 2^(-2m-2)", paper=PAPER, kind="consistency",
        statement=f"the same network evaluated in float32 is still exact for m <= {m32}",
        measured=float(np.abs(e32[sel32] / th[sel32] - 1).max()), lo=0.0, hi=1e-9, theory=0.0,
        why="f_m's values need ~2m+2 bits; float32's 24 bits suffice up to m = 12 "
            "(docs/figures/sawtooth-square.md)",
        detail="; ".join(f"m={mm:.0f}: err32/theory = {r:.3g}"
                         for mm, r in zip(m[~sel32][:3], (e32 / th)[~sel32][:3]))))
    claims.append(Claim.holds(
        ID, "deep network weight count W = 15m - 5", paper=PAPER, kind="consistency",
        statement="the plain width-4 network of f_m has W = 15m - 5 and depth m + 1",
        condition=bool(np.all(W_deep == [r["W_formula"] for r in deep]) and
                       all(r["L"] == r["m"] + 1 and r["width"] == 4 for r in deep)),
        measured=f"W(m={m.max():.0f}) = {W_deep[-1]:.0f}, L = {deep[-1]['L']}",
        theory=f"W = {15 * m.max() - 5:.0f}, L = {m.max() + 1:.0f}", tolerance="exact",
        why="integer counts of the built network's nonzero weights"))
    # Exponential in depth: log2 err against the level m. Proposition 2's construction halves
    # the error twice per level; a polynomial law err ~ W^-p (the shallow rate p = 2) would
    # give log2 err a slope of -p d(log2 W)/dm per level on the same networks.
    slope = float(np.polyfit(m, np.log2(e64), 1)[0])
    poly_slope = -2.0 * float(np.polyfit(m, np.log2(W_deep), 1)[0])
    claims.append(Claim.close(
        ID, "error halves twice per level", paper=PAPER, kind="reproduction",
        statement=f"log2 sup error falls by 2 per composition level, m = 1..{m.max():.0f}: "
                  "exponential in depth and in W = 15m - 5 (Proposition 2)",
        measured=slope, theory=-2.0, tol=1e-9,
        why="the errors are exact powers of 2; only rounding",
        control=Alt("polynomial decay at the shallow rate, err ~ W^-2", theory=poly_slope,
                    detail="its slope of log2 err on m for these networks' W")))
    fit_sh = fit_power_law(W_sh, e_sh, _upper_half(W_sh), tol=0.02)
    claims.append(Claim.from_fit(
        ID, "shallow rate p = 2", paper=PAPER, kind="reproduction",
        statement="one hidden layer, P pieces: error 1/(4P^2) with W = 3P - 1, so err ~ W^-2",
        fit=fit_sh, theory=2.0, tol=0.02,
        why="0.02: the errors are exact; the fit's only bias is W = 3P - 1 (local slope "
            "2 - 2/(3P)), below 0.002 in the window",
        control=Alt("the rate of the next lower smoothness, p = 1 (a merely Lipschitz target)",
                    theory=1.0)))
    budget_fits = []
    for b in budgets:
        H = b["H"]
        Wb, eb, tb = _rows(b, "W", "err", "theory")
        ok_exact = float(np.abs(eb / tb - 1).max())
        fb = fit_power_law(Wb, eb, _upper_half(Wb), tol=0.2 * H)
        budget_fits.append(fb)
        alt = (Alt("depth adds nothing at fixed depth: the shallow rate p = 2", theory=2.0)
               if H > 1 else Alt("the rate of the next lower smoothness, p = 1", theory=1.0))
        claims.append(Claim.from_fit(
            ID, f"depth budget H={H}: rate p = 2H", paper=PAPER, kind="reproduction",
            statement=f"H = {H} wide layers, k compositions each: error (2^k)^(-2H)/4, W ~ 4H 2^k, "
                      f"so p = {2 * H} (construction in the spirit of Theorem 2's depth-rate "
                      f"trade-off); widths 2^k up to k = {len(b['rows'])} at default size",
            fit=fb, theory=2.0 * H, tol=0.2 * H,
            why=f"10% of 2H: W's additive constant biases small widths (errors themselves exact "
                f"to {ok_exact:.1g})",
            control=alt))

    fits = {"shallow": fit_sh, "budgets": budget_fits}
    data = {
        "curves": {"x": results["curves"]["x"], "g": results["curves"]["g"],
                   "f_m": results["curves"]["f"],
                   "units": "x in [0, 1]; g_s and f_m dimensionless"},
        "deep": {"m": m, "W": W_deep, "err_float64": e64, "err_float32": e32, "theory": th},
        # theory: the one-layer interpolant's error 1/(4P^2) (not the measured sup norm)
        "shallow": {"P": P_sh, "W": W_sh, "err": e_sh, "theory": 1.0 / (4.0 * P_sh**2)},
        "budgets": [{"H": b["H"], "k": [r["k"] for r in b["rows"]], "W": [r["W"] for r in b["rows"]],
                     "err": [r["err"] for r in b["rows"]], "theory": [r["theory"] for r in b["rows"]]}
                    for b in budgets],
        "fits": {"shallow": fit_sh.to_dict(), "budgets": [f.to_dict() for f in fits["budgets"]]},
        "float32_resolution": 2.0**-24,
        "units": "sup errors of x^2 on [0, 1]; W = nonzero weights",
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    fig, axes = plotting.subplots(4, 1, width=3.3, height=2.9)
    ax = axes[0]
    cur = d["curves"]
    x = np.asarray(cur["x"])
    for s, c in zip(("1", "2", "3"), plotting.colors(3)):
        ax.plot(x, cur["g"][s], color=c, label=f"$g_{s}$")
    ax.set_xlabel("x")
    ax.set_title("sawtooth $g_s$")
    ax.legend(loc="upper right")
    ax = axes[1]
    ax.plot(x, x**2, color="black", lw=2.2, alpha=0.35, label="$x^2$")
    for mm, c in zip(("1", "2", "3", "4"), plotting.colors(4)):
        ax.plot(x, cur["f_m"][mm], color=c, lw=1, label=f"$f_{mm}$")
    ax.set_xlabel("x")
    ax.set_title("$f_m \\to x^2$")
    ax.legend(loc="upper left")

    deep, sh, budgets = d["deep"], d["shallow"], d["budgets"]
    W_deep, e64, e32 = (np.asarray(deep[k]) for k in ("W", "err_float64", "err_float32"))
    W_sh, e_sh, t_sh = (np.asarray(sh[k]) for k in ("W", "err", "theory"))
    ax = axes[2]
    cols = plotting.colors(3 + len(budgets))
    # theory lines (thin, black-edged) under the measured markers
    ax.semilogy(W_deep, deep["theory"], "-", color=cols[0], lw=0.8,
                label=r"theory $2^{-2m-2}$ (deep)")
    ax.semilogy(W_deep, e64, "o", color=cols[0], ms=4, mfc="none", label="deep width 4, float64")
    ax.semilogy(W_deep, e32, "x", color=cols[0], ms=5, label="deep, float32")
    res = d["float32_resolution"]
    ax.axhline(res, color="grey", ls=":", lw=1)
    ax.text(W_deep.min(), res / 6, "float32 resolution $2^{-24}$", ha="left", va="top",
            fontsize=6.5, color="grey")
    xmax = W_deep.max() * 1.05
    sel = W_sh <= xmax
    ax.semilogy(W_sh[sel], t_sh[sel], "-", color=cols[1], lw=0.8)
    ax.semilogy(W_sh[sel], e_sh[sel], "s", color=cols[1], ms=3, label="shallow (1 layer)")
    for b, c in zip(budgets, cols[2:]):
        Wb, eb, tb = (np.asarray(b[k]) for k in ("W", "err", "theory"))
        ax.semilogy(Wb[Wb <= xmax], tb[Wb <= xmax], "--", color=c, lw=0.8)
        ax.semilogy(Wb[Wb <= xmax], eb[Wb <= xmax], "^", color=c, ms=3, label=f"H = {b['H']} layers")
    ax.set_xlabel("W (nonzero weights)")
    ax.set_ylabel("sup error")
    ax.set_title("error vs W (semilog; lines: theory)")
    ax.legend(loc="upper right", fontsize=6)

    ax = axes[3]
    fit_sh = d["fits"]["shallow"]
    ax.loglog(W_sh, t_sh, "-", color=cols[1], lw=0.8)
    ax.loglog(W_sh, e_sh, "s", color=cols[1], ms=3,
              label=f"shallow: p = {fit_sh['exponent']:.3f} (theory 2)")
    for b, fb, c in zip(budgets, d["fits"]["budgets"], cols[2:]):
        Wb, eb, tb = (np.asarray(b[k]) for k in ("W", "err", "theory"))
        ax.loglog(Wb, tb, "--", color=c, lw=0.8)
        ax.loglog(Wb, eb, "^", color=c, ms=3,
                  label=f"H = {b['H']}: p = {fb['exponent']:.2f} (theory {2 * b['H']})")
    ax.loglog(W_deep, deep["theory"], "-", color=cols[0], lw=0.8)
    ax.loglog(W_deep, e64, "o", color=cols[0], ms=3, mfc="none", label="deep (exponential)")
    ax.set_xlabel("W")
    ax.set_title("fixed depth: error ~ $W^{-2H}$ (lines: theory)")
    ax.legend(loc="lower left", fontsize=6)
    plotting.label_panels(axes)
    return fig
