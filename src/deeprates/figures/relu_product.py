"""A2 relu-product: the multiplication network and its exact worst error (arXiv:1610.01145).

Cases: `exact` (per m: W, the analytic worst-case candidates, an offset grid and random points,
the exact zeros) and `aligned-grid` (the naive grid that reports false zeros, for the inset).
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.approximation import product
from deeprates.approximation.supnorm import offset_grid, sup_error_points
from deeprates.claims import Alt, Claim
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement

ID = "relu-product"
TRACK = "approximation"
TITLE = "The ReLU multiplication network: exact worst error M^2 2^(-2m)"
PAPER = "arXiv:1610.01145 (Yarotsky 2017), Proposition 3"


def check_params(p: dict) -> None:
    n = p["aligned_grid"] - 1
    if n & (n - 1):
        raise ConfigError(
            f"config key figures.{ID}.aligned_grid = {p['aligned_grid']}: the inset shows the false "
            "zero of a grid aligned with the dyadic breakpoints, which needs 2^j + 1 points "
            "(e.g. 1025 or 2049)"
        )


def cases(p: dict) -> list[str]:
    return ["exact", "aligned-grid"]


def _xy(pts: np.ndarray) -> np.ndarray:
    return pts[:, 0] * pts[:, 1]


def compute(case: str, p: dict, ctx) -> dict:
    M = float(p["M"])
    ms = list(range(1, p["m_max"] + 1))
    if case == "exact":
        rng = np.random.default_rng(ctx.seed)
        grid = offset_grid(p["offset_grid"], -M, M, 2)
        rand = rng.uniform(-M, M, size=(p["random_points"], 2))
        line = np.linspace(-M, M, 4097)
        axes_pts = np.concatenate([np.stack([np.zeros_like(line), line], 1),
                                   np.stack([line, np.zeros_like(line)], 1)])
        rows = []
        for m in ctx.progress(ms, "levels m"):
            net = product.product_network(m, M)
            cand = sup_error_points(net, _xy, product.worst_case_points(m, M))
            og = sup_error_points(net, _xy, grid)
            rp = sup_error_points(net, _xy, rand)
            zeros = net(axes_pts)[:, 0]
            rows.append({
                "m": m, "W": net.W, "L": net.L,
                "err_candidates": cand.lower, "argmax": cand.argmax,
                "err_offset_grid": og.lower, "err_random": rp.lower,
                "exact": product.exact_error(m, M), "paper_bound": product.paper_bound(m, M),
                "nonzero_on_axes": int(np.count_nonzero(zeros)),
            })
        # Signed error map for panel (b), at m = 3 where the pattern is visible.
        x = np.linspace(-M, M, 129)
        X, Y = np.meshgrid(x, x, indexing="ij")
        pts = np.stack([X.ravel(), Y.ravel()], 1)
        E = product.product_network(3, M)(pts)[:, 0] - _xy(pts)
        return {"rows": rows, "M": M, "offset_grid": p["offset_grid"],
                "random_points": p["random_points"],
                "error_map": {"m": 3, "x": x, "err": E.reshape(X.shape)}}
    if case == "aligned-grid":
        pts = product.aligned_grid(p["aligned_grid"], M)
        rows = []
        for m in ctx.progress(ms, "aligned grid"):
            b = sup_error_points(product.product_network(m, M), _xy, pts)
            rows.append({"m": m, "err_aligned": b.lower})
        return {"rows": rows, "n": p["aligned_grid"]}
    raise ValueError(f"unknown case {case!r}")


def caption(p: dict) -> str:
    """Figure caption; depends only on the parameters (also used by the report)."""
    n_al = p["aligned_grid"]
    level = int(np.log2(n_al - 1))
    return (
        "(a) Sup error of the ReLU multiplication network x(x,y) = 2M^2[f_m(|x+y|/2M) - f_m(|x|/2M) "
        "- f_m(|y|/2M)]: measured at the analytic maximisers (x, y at midpoints of f_m's grid), it "
        "equals M^2 2^(-2m), 2/3 of the paper's bound 6M^2 2^(-2m-2). Inset: a grid aligned with the "
        f"dyadic breakpoints ({n_al}^2 points) reports error exactly 0 for m >= {level}: never trust "
        "such grids. (b) The signed error for m = 3: negative where |x|/2M and |y|/2M are both "
        "midpoints."
    )


def measure(results: dict, p: dict) -> Measurement:
    rows = results["exact"]["rows"]
    M = results["exact"]["M"]
    m = np.array([r["m"] for r in rows])
    W = np.array([r["W"] for r in rows])
    cand = np.array([r["err_candidates"] for r in rows])
    grid = np.array([r["err_offset_grid"] for r in rows])
    rand = np.array([r["err_random"] for r in rows])
    exact = np.array([r["exact"] for r in rows])
    bound = np.array([r["paper_bound"] for r in rows])
    al = results["aligned-grid"]["rows"]
    n_al = results["aligned-grid"]["n"]
    m_al = np.array([r["m"] for r in al])
    e_al = np.array([r["err_aligned"] for r in al])
    level = int(np.log2(n_al - 1))  # the grid's points/2M are multiples of 2^-level

    # The sup estimate is the largest error found anywhere: at the analytic maximisers, on the
    # offset grid and at random points. It matches M^2 2^-2m only if the maximisers attain it
    # AND nothing else beats it, so the check can fail both ways.
    sup = np.maximum(cand, np.maximum(grid, rand))
    worst_rel = float(np.abs(sup / exact - 1).max())
    # Control: the paper's bound 6 M^2 2^(-2m-2) read as the actual error (no cancellation).
    bound_rel = float(np.abs(sup / bound - 1).max())
    claims = [
        Claim.within(
            ID, "worst error is M^2 2^(-2m)", paper=PAPER, kind="reproduction",
            statement="f_m >= t^2 is one-sided, so the three errors partly cancel: "
                      "sup |x(x,y) - xy| = M^2 2^(-2m) exactly (2/3 of Proposition 3's bound)",
            measured=worst_rel, lo=0.0, hi=1e-6, theory=0.0,
            why="1e-6 relative: the maximisers are exact, only rounding remains",
            detail=f"max over m = 1..{m.max()} of |sup/(M^2 2^-2m) - 1|, sup over the analytic "
                   f"maximisers, a {results['exact']['offset_grid']}^2 offset grid and "
                   f"{results['exact']['random_points']} random points; M = {M:g}",
            control=Alt("the error equals the paper's bound 6 M^2 2^(-2m-2) (no cancellation)",
                        measured=bound_rel)),
        Claim.within(
            ID, "below the paper's bound", paper=PAPER, kind="reproduction",
            statement="the error is below 6 M^2 2^(-2m-2) (Proposition 3)",
            measured=float((sup / bound).max()), lo=None, hi=1.0, theory="< 1 (exact: 2/3)",
            why="a bound: any ratio below 1 confirms it",
            control=Alt("a bound 2x tighter, 3 M^2 2^(-2m-2), also holds",
                        measured=float((sup / (bound / 2)).max()))),
        Claim.holds(
            ID, "x(0, y) = x(x, 0) = 0 exactly", paper=PAPER, kind="consistency",
            statement="the network is exactly zero on the axes (bitwise)",
            condition=all(r["nonzero_on_axes"] == 0 for r in rows),
            measured=int(sum(r["nonzero_on_axes"] for r in rows)),
            theory=0, tolerance="0 nonzero outputs (bitwise)",
            why="f_m(0) = 0 and the other two terms are the same operations on the same number"),
        Claim.holds(
            ID, "W grows like 45m", paper=PAPER, kind="consistency",
            statement="the plain network has W = 45m + 8 nonzero weights (three f_m of 15m - 5, "
                      "12 for |.|, 8 + 3 for the combination) and depth m + 3",
            condition=bool(np.all(W == 45 * m + 8) and all(r["L"] == r["m"] + 3 for r in rows)),
            measured=f"W(m={m.max()}) = {W[-1]}", theory=f"45m + 8 = {45 * m.max() + 8}",
            tolerance="exact", why="integer counts of the built network"),
        Claim.holds(
            ID, "aligned grids report false zeros", paper=PAPER, kind="consistency",
            statement=f"a {n_al}^2 grid aligned with the dyadic breakpoints reports error 0 for "
                      f"m >= {level} although the true error is positive",
            condition=bool(np.all(e_al[m_al >= level] == 0) and np.all(e_al[m_al < level] > 0)),
            measured=f"zero for m in {m_al[e_al == 0].tolist()}",
            theory=f"zero exactly for m >= {level}", tolerance="exact",
            why="documents why exact candidates, not aligned grids, are used"),
    ]
    data = {
        "m": m, "W": W, "M": M,
        "err_candidates": cand, "err_offset_grid": grid, "err_random": rand,
        "exact": exact, "paper_bound": bound,
        "offset_grid": results["exact"]["offset_grid"],
        "aligned_grid": {"n": n_al, "m": m_al, "err": e_al},
        "error_map": results["exact"]["error_map"],
        "units": "errors in the units of x*y on [-M, M]^2",
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    m, M = np.asarray(d["m"]), d["M"]
    exact, bound = np.asarray(d["exact"]), np.asarray(d["paper_bound"])
    cand, grid = np.asarray(d["err_candidates"]), np.asarray(d["err_offset_grid"])
    n_al = d["aligned_grid"]["n"]
    m_al, e_al = np.asarray(d["aligned_grid"]["m"]), np.asarray(d["aligned_grid"]["err"])

    fig, axes = plotting.subplots(2, 1, width=3.6, height=3.0)
    ax = axes[0]
    c = plotting.colors(4)
    ax.semilogy(m, bound, "--", color=c[3], label=r"paper bound $6M^2 2^{-2m-2}$")
    ax.semilogy(m, exact, "-", color="black", lw=1, label=r"exact $M^2 2^{-2m}$")
    ax.semilogy(m, cand, "o", color=c[0], ms=4, label="measured (analytic candidates)")
    ax.semilogy(m, grid, "x", color=c[1], ms=4, label=f"offset grid {d['offset_grid']}$^2$")
    ax.set_xlabel("m (depth m + 3, W = 45m + 8)")
    ax.set_ylabel("sup |x(x,y) - xy|")
    ax.set_title("product network error")
    ax.legend(loc="upper right", fontsize=6.5)
    inset = ax.inset_axes([0.08, 0.08, 0.42, 0.38])
    floor = exact.min() / 30
    shown = np.where(e_al > 0, e_al, floor)
    inset.semilogy(m_al, exact[: len(m_al)], "-", color="black", lw=0.8)
    inset.semilogy(m_al[e_al > 0], shown[e_al > 0], "s", color=c[2], ms=3)
    inset.semilogy(m_al[e_al == 0], shown[e_al == 0], "v", color="crimson", ms=3)
    inset.text(m_al[-1], floor * 3, "= 0 (false)", color="crimson", ha="right", fontsize=6)
    inset.set_title(f"aligned {n_al}$^2$ grid", fontsize=6.5)
    inset.tick_params(labelsize=5.5)
    ax = axes[1]
    emap = d["error_map"]
    x, E = np.asarray(emap["x"]), np.asarray(emap["err"])
    im = ax.pcolormesh(x, x, E.T / product.exact_error(emap["m"], M), cmap="RdBu_r", vmin=-1, vmax=1,
                       shading="auto", rasterized=True)
    fig.colorbar(im, ax=ax, label=r"error / $M^2 2^{-2m}$")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.set_title(f"error map, m = {emap['m']}")
    plotting.label_panels(axes)
    return fig
