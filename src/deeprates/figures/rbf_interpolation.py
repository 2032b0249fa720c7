"""E4 rbf-interpolation: Gaussian-RBF / exponential interpolation, the HCIZ identity behind the
integral error formula, and exponential convergence (arXiv:1205.5961).

Cases: `hciz` (Haar Monte Carlo of the HCIZ integral for each size), `error-formula` (the
homepage's error formula by Monte Carlo over (v, U) against the direct error) and `nodes-<k>`
(one random node set each: sup errors in mpmath for three targets, plus the
Gaussian = e^{-x^2/2} x exponential identity and a precision check at the largest N).
"""

from __future__ import annotations

import mpmath
import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.interpolation import error_formula, hciz, rbf

ID = "rbf-interpolation"
TRACK = "interpolation"
TITLE = "Interpolation by Gaussians: the HCIZ identity, the integral error formula, convergence"
PAPER = "arXiv:1205.5961 (Yarotsky 2012) and the error formula on the author's homepage"

# Spectra of the HCIZ check: distinct, O(1), so exp tr(...) has a modest variance.
def hciz_spectra(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(-0.5, 0.5, n), np.linspace(0.0, 1.0, n)


def check_params(p: dict) -> None:
    ef = p["error_formula"]
    for i, nodes in enumerate(ef["nodes"]):
        if len(set(nodes)) != len(nodes):
            raise ConfigError(f"config key figures.{ID}.error_formula.nodes[{i}] = {nodes}: nodes "
                              "must be distinct (the interpolation system is singular otherwise)")
        if min(abs(ef["b"] - n) for n in nodes) < 1e-3:
            raise ConfigError(
                f"config key figures.{ID}.error_formula.b = {ef['b']} is (almost) a node of "
                f"error_formula.nodes[{i}]: the bump is then a basis function, its error is 0 "
                "everywhere and the check says nothing")
        for x in ef["x"]:
            if min(abs(x - n) for n in nodes) < 1e-3:
                raise ConfigError(
                    f"config key figures.{ID}.error_formula.x contains {x}, (almost) a node of "
                    f"error_formula.nodes[{i}]: the error vanishes there and the check says nothing")
    Ns = p["convergence"]["N"]
    if list(Ns) != sorted(set(Ns)) or len(Ns) < 3:
        raise ConfigError(f"config key figures.{ID}.convergence.N = {Ns}: give at least 3 "
                          "increasing node counts (a slope is fitted through them)")


def cases(p: dict) -> list[str]:
    return ["hciz", "error-formula"] + [f"nodes-{k}" for k in range(p["convergence"]["node_sets"])]


def compute(case: str, p: dict, ctx) -> dict:
    rng = np.random.default_rng(ctx.seed)
    if case == "hciz":
        rows = []
        for n in ctx.progress(p["hciz"]["sizes"], "HCIZ sizes"):
            a, b = hciz_spectra(n)
            mean, se = hciz.hciz_monte_carlo(a, b, p["hciz"]["samples"], rng)
            rows.append({"N": n, "a": a, "b": b, "mc": mean, "se": se})
        return {"rows": rows, "samples": p["hciz"]["samples"]}
    if case == "error-formula":
        ef = p["error_formula"]
        rows = []
        for nodes in ctx.progress(ef["nodes"], "node sets"):
            for x in ef["x"]:
                est, se = error_formula.formula_monte_carlo(nodes, ef["b"], x, ef["samples"], rng)
                rows.append({"nodes": nodes, "x": x, "formula": est, "se": se,
                             "direct": error_formula.direct_error(nodes, ef["b"], x)})
        # the direct error on a fine grid, for the curves of panel (b)
        grid = np.linspace(min(ef["x"]), max(ef["x"]), 121)
        curves = [[error_formula.direct_error(nodes, ef["b"], x) for x in grid]
                  for nodes in ef["nodes"]]
        return {"rows": rows, "b": ef["b"], "samples": ef["samples"],
                "curve": {"x": grid, "nodes": ef["nodes"], "direct": curves}}
    if case.startswith("nodes-"):
        return _convergence(p["convergence"], rng, ctx)
    raise ValueError(f"unknown case {case!r}")


def _convergence(cp: dict, rng: np.random.Generator, ctx) -> dict:
    Ns, dps = cp["N"], cp["digits"]
    # Nested random nodes: the first N of one uniform draw, so N grows by adding nodes.
    draw = rng.uniform(-1.0, 1.0, size=max(Ns))
    out = {"N": Ns, "digits": dps, "nodes": draw, "targets": {}}
    with mpmath.workdps(dps):
        xs = mpmath.linspace(-1, 1, cp["eval_points"])
        errs = {name: [] for name in rbf.TARGETS}
        for n in ctx.progress(Ns, "N"):
            nodes = [mpmath.mpf(float(x)) for x in draw[:n]]
            for name, (_, f) in rbf.TARGETS.items():
                errs[name].append(float(rbf.sup_error(f, nodes, xs)))
        nodes = [mpmath.mpf(float(x)) for x in draw[: Ns[-1]]]
        for name, (_, f) in rbf.TARGETS.items():
            gauss = rbf.interpolant(rbf.gaussian_basis, nodes, [f(x) for x in nodes], xs)
            via_exp = rbf.gaussian_via_exponentials(f, nodes, xs)
            with mpmath.workdps(dps + 20):
                finer = rbf.interpolant(rbf.gaussian_basis, nodes, [f(x) for x in nodes], xs)
            out["targets"][name] = {
                "err": errs[name],
                "gauss_vs_exp": float(max(abs(g - e) for g, e in zip(gauss, via_exp))),
                "precision_diff": float(max(abs(g - h) for g, h in zip(gauss, finer))),
            }
    return out


def caption(p: dict) -> str:
    cp = p["convergence"]
    return (
        "(a) The HCIZ integral int exp tr(A U B U*) dU over Haar U in U(N) by Monte Carlo "
        f"({p['hciz']['samples']} unitaries) against (prod p!) det[e^(a_i b_j)]/(Delta(a) Delta(b)), "
        "as (MC - formula)/standard error. (b) The homepage's integral error formula for Gaussian "
        "interpolation, by Monte Carlo over (v, U), against the direct error f(x) - f^(x) for the "
        f"bump f(q) = exp(bq - q^2/2), b = {p['error_formula']['b']:g}; its symbols are not defined "
        "on the homepage and the paper's text could not be read, so X, X~, P_v, Z and the measures "
        "are our reading, which this panel tests. (c) Sup error on "
        f"{cp['eval_points']} points of Gaussian-RBF interpolation (basis exp(-(x - x_n)^2/2)) on "
        f"{cp['node_sets']} nested sets of uniform random nodes in [-1, 1], in mpmath "
        f"({cp['digits']} digits): exponential convergence for sin 2x and 1/(1 + x^2/4); the Runge "
        "function, with poles at ±0.2i, does not converge (the theorem asks for analyticity in a "
        "sufficiently large domain)."
    )


def _slopes(Ns: np.ndarray, errs: np.ndarray) -> np.ndarray:
    """Least-squares slope of log10 err vs N, one per node set (rows of errs)."""
    return np.array([np.polyfit(Ns, np.log10(e), 1)[0] for e in errs])


def measure(results: dict, p: dict) -> Measurement:
    # (a) HCIZ
    hz = results["hciz"]["rows"]
    h_formula = [hciz.hciz_closed_form(np.asarray(r["a"]), np.asarray(r["b"])) for r in hz]
    h_z = [(r["mc"] - f) / r["se"] for r, f in zip(hz, h_formula)]
    # (b) error formula
    ef = results["error-formula"]["rows"]
    e_z = [(r["formula"] - r["direct"]) / r["se"] for r in ef]
    # The nearest other reading of Z: det[e^{x_i x_j}] alone, without HCIZ's prod p!/Delta(x)^2.
    # It rescales each estimate by Z/det; the same z-score shows whether the data tell them apart.
    alt_z = []
    for r in ef:
        x = np.asarray(r["nodes"], dtype=float)
        scale = hciz.hciz_closed_form(x, x) / float(np.linalg.det(np.exp(np.outer(x, x))))
        alt_z.append((r["formula"] * scale - r["direct"]) / (r["se"] * abs(scale)))
    # (c) convergence
    sets = sorted((k for k in results if k.startswith("nodes-")), key=lambda k: int(k[6:]))
    Ns = np.asarray(results[sets[0]]["N"], dtype=float)
    err = {t: np.array([results[k]["targets"][t]["err"] for k in sets]) for t in rbf.TARGETS}
    slopes = {t: _slopes(Ns, err[t]) for t in rbf.TARGETS}
    runge_growth = err["runge"][:, -1] / err["runge"][:, 0]
    gauss_exp = max(results[k]["targets"][t]["gauss_vs_exp"] / results[k]["targets"][t]["err"][-1]
                    for k in sets for t in rbf.TARGETS)
    prec = max(results[k]["targets"][t]["precision_diff"] / results[k]["targets"][t]["err"][-1]
               for k in sets for t in rbf.TARGETS)
    digits = results[sets[0]]["digits"]

    runge_alt = Alt(
        "convergence needs no large domain of analyticity: the same check passes for the Runge "
        "function (poles at ±0.2i)",
        measured=float(slopes["runge"].max()),
        detail=f"Runge err(N={Ns[-1]:g})/err(N={Ns[0]:g}) = "
               + ", ".join(f"{g:.3g}" for g in runge_growth) + " over the node sets")
    claims = [
        Claim.within(
            ID, "HCIZ identity by Haar Monte Carlo", paper=PAPER, kind="consistency",
            statement="int_{U(N)} exp tr(A U B U*) dU = (prod_{p<N} p!) det[e^{a_i b_j}]/"
                      "(Delta(a) Delta(b)), the integral the paper's error formula rests on",
            measured=float(np.max(np.abs(h_z))), lo=0.0, hi=3.0, theory=0.0,
            why="3 standard errors of the Monte Carlo mean: an exact identity, only sampling "
                "noise remains",
            detail="; ".join(f"N = {r['N']}: MC {r['mc']:.6g} ± {r['se']:.2g} vs {f:.6g}"
                             for r, f in zip(hz, h_formula)) + "; measured = max |MC - formula|/SE"),
        Claim.within(
            ID, "error formula equals the direct error", paper=PAPER, kind="consistency",
            statement="f(x) - f^(x) = prod(x - x_n)/(N! Z) int int e^{tr(X U* P_v* X~ P_v U)} "
                      "e^{-x^2/2} [prod (d/dq - x_n)] e^{q^2/2} f(q)|_{q = v* X~ v} dv dU, with our "
                      "reading of the symbols (X = diag(x_1..x_N), X~ = diag(x, x_1..x_N), v uniform "
                      "on the unit sphere of C^{N+1}, P_v an isometry onto v-perp, Z = int "
                      "e^{tr(X U* X U)} dU, probability measures): the homepage does not define "
                      "them and the paper's text could not be read",
            measured=float(np.max(np.abs(e_z))), lo=0.0, hi=3.0, theory=0.0,
            why="3 standard errors of the Monte Carlo estimate: an exact identity (if our reading "
                "of the symbols is right), only sampling noise remains",
            detail=f"{len(ef)} points (node sets of sizes "
                   f"{sorted({len(r['nodes']) for r in ef})}, x in "
                   f"{sorted({r['x'] for r in ef})}); measured = max |formula - direct|/SE; "
                   "the reading Z = det[e^{x_i x_j}] (no HCIZ normalisation) would give "
                   f"max |z| = {np.max(np.abs(alt_z)):.3g}"),
    ]
    for t, lab in (("sin2x", "sin 2x"), ("poles2i", "1/(1 + x^2/4)")):
        claims.append(Claim.within(
            ID, f"{lab} converges exponentially", paper=PAPER, kind="reproduction",
            statement=f"Gaussian interpolants of {rbf.TARGETS[t][0]} on generic nodes converge "
                      "exponentially when f is analytic in a sufficiently large domain",
            measured=float(slopes[t].max()), lo=None, hi=-0.3, theory="<= -0.3 per node",
            why="exponential convergence is a slope of log10 err vs N bounded away from 0; "
                "-0.3 per node (a factor 2 per added node) is far from the flat or growing error "
                "of a function the theorem does not cover",
            detail=f"worst of {len(sets)} node sets; slopes "
                   + ", ".join(f"{s:.3g}" for s in slopes[t])
                   + f"; N = {Ns[0]:g}..{Ns[-1]:g}",
            control=runge_alt))
    claims += [
        Claim.within(
            ID, "Gaussian = e^{-x^2/2} x exponential interpolation", paper=PAPER,
            kind="consistency",
            statement="sum c_n e^{-(x - x_n)^2/2} = e^{-x^2/2} sum c'_n e^{x_n x}: Gaussian "
                      "interpolation of f is exponential interpolation of e^{x^2/2} f",
            measured=float(gauss_exp), lo=0.0, hi=1e-6, theory=0.0,
            why="the two linear systems are solved separately at the working precision; their "
                "interpolants must agree far below the interpolation error (1e-6 of it)",
            detail=f"max over node sets and targets at N = {Ns[-1]:g} of "
                   "sup|Gaussian - via exponentials| / sup error"),
        Claim.within(
            ID, f"{digits} digits suffice", paper=PAPER, kind="consistency",
            statement=f"the interpolants at {digits} and {digits + 20} digits agree far below the "
                      "interpolation error, so the errors of panel (c) are not rounding",
            measured=float(prec), lo=0.0, hi=1e-3, theory=0.0,
            why="a rounding contribution under 1e-3 of the error does not move log10 err",
            detail=f"max over node sets and targets at N = {Ns[-1]:g} of "
                   "sup|interpolant - interpolant at +20 digits| / sup error"),
    ]
    data = {
        "hciz": {"N": [r["N"] for r in hz], "mc": [r["mc"] for r in hz],
                 "se": [r["se"] for r in hz], "formula": h_formula, "z": h_z,
                 "samples": results["hciz"]["samples"]},
        "error_formula": {"N": [len(r["nodes"]) for r in ef], "x": [r["x"] for r in ef],
                          "formula": [r["formula"] for r in ef], "se": [r["se"] for r in ef],
                          "direct": [r["direct"] for r in ef], "z": e_z,
                          "b": results["error-formula"]["b"],
                          "curve": results["error-formula"]["curve"]},
        "convergence": {"N": Ns, "digits": digits,
                        "labels": {t: rbf.TARGETS[t][0] for t in rbf.TARGETS},
                        "err": err, "slopes": slopes},
        "units": "errors in the units of f; z = (MC - exact)/standard error",
    }
    # LAPACK's QR rounds differently across machines: the Monte Carlo numbers agree to ~1e-12.
    tol = {"data.hciz": {"rel": 1e-6, "abs": 1e-9},
           "data.error_formula": {"rel": 1e-6, "abs": 1e-9}}
    return Measurement(data, claims, tol)


def draw(d: dict, p: dict):
    fig, axes = plotting.subplots(3, 1, width=3.3, height=2.9)
    c = plotting.colors(4)
    ax = axes[0]
    hz = d["hciz"]
    ax.axhspan(-3, 3, color="0.9")
    ax.axhline(0, color="black", lw=0.8)
    ax.plot(hz["N"], hz["z"], "o", color=c[0], ms=5)
    for n, mc, se, f in zip(hz["N"], hz["mc"], hz["se"], hz["formula"]):
        ax.annotate(f"MC {mc:.5f}±{se:.1g}\nformula {f:.5f}", (n, 0), textcoords="offset points",
                    xytext=(0, -30), ha="center", fontsize=6)
    ax.set_xlim(min(hz["N"]) - 0.6, max(hz["N"]) + 0.6)
    ax.set_xticks(hz["N"])
    ax.set_ylim(-4, 4)
    ax.set_xlabel("N (U in U(N))")
    ax.set_ylabel("(MC - formula) / SE")
    ax.set_title("HCIZ identity")
    ax = axes[1]
    ef = d["error_formula"]
    cu = ef["curve"]
    for i, (nodes, direct) in enumerate(zip(cu["nodes"], cu["direct"])):
        n = len(nodes)
        ax.plot(cu["x"], direct, "-", color=c[i], lw=1, label=f"direct, N = {n}")
        ax.plot(nodes, np.zeros(n), "|", color=c[i], ms=8)
        sel = [j for j, m in enumerate(ef["N"]) if m == n]
        ax.errorbar([ef["x"][j] for j in sel], [ef["formula"][j] for j in sel],
                    yerr=[2 * ef["se"][j] for j in sel], fmt="o", color=c[i], ms=3.5, capsize=2,
                    label=f"formula (MC ±2 SE), N = {n}")
    ax.axhline(0, color="black", lw=0.5)
    ax.text(0.03, 0.03, f"max |formula - direct|/SE = {np.max(np.abs(ef['z'])):.2f}",
            transform=ax.transAxes, fontsize=6.5)
    ax.set_xlabel("x")
    ax.set_ylabel(r"$f(x) - \hat f(x)$")
    ax.set_title(f"error formula, bump b = {ef['b']:g}")
    ax.legend(fontsize=6)
    ax = axes[2]
    cv = d["convergence"]
    Ns = np.asarray(cv["N"])
    for i, t in enumerate(cv["err"]):
        e = np.asarray(cv["err"][t])
        for k, row in enumerate(e):
            ax.semilogy(Ns, row, "o-", color=c[i], ms=2.5, lw=0.8, alpha=0.8,
                        label=cv["labels"][t] if k == 0 else None)
    ax.set_xlabel("N (random nodes in [-1, 1])")
    ax.set_ylabel(f"sup error ({p['convergence']['eval_points']} points)")
    ax.set_title(f"Gaussian RBF, {cv['digits']} digits")
    ax.legend(fontsize=6)
    plotting.label_panels(axes)
    return fig
