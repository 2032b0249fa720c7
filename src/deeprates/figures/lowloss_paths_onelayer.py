"""E1 lowloss-paths-onelayer: low-loss paths between two trained one-hidden-layer networks
(arXiv:2008.00741, Anokhin and Yarotsky, ICML 2020, Table 1 (verify)).

Endpoints A and B are trained from independent initialisations on the digits (a training rule
of their own, shared with any figure asking for the same networks). One compute case per width
N evaluates, for every endpoint pair, the six paths Linear, Arc, OT, Linear+WA, Arc+WA, OT+WA
(train cross-entropy and test error), the OT and Linear paths with B's neurons permuted, and
the trace of the neuron-cloud covariance along Linear and Arc.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Claim, Control
from deeprates.config import ConfigError
from deeprates.connectivity import nets as cnets
from deeprates.connectivity import paths, stats
from deeprates.connectivity.data import N_DIGITS, digits_split
from deeprates.figure_record import Measurement

ID = "lowloss-paths-onelayer"
TRACK = "connectivity"
TITLE = "Low-loss paths between trained one-hidden-layer networks (Linear, Arc, OT, WA)"
PAPER = "arXiv:2008.00741 (Anokhin & Yarotsky, ICML 2020), Table 1 (verify)"
DOC = "docs/figures/lowloss-paths-onelayer.md"
METHODS = paths.METHODS_ONELAYER


def check_params(p: dict) -> None:
    n = p["training"]["n_train"]
    if n >= N_DIGITS:
        raise ConfigError(f"config key figures.{ID}.training.n_train = {n}: the digits have "
                          f"{N_DIGITS} images; leave some for the test set")
    if not any(N >= 2 * n for N in p["widths"]):
        raise ConfigError(
            f"config key figures.{ID}.widths: at least one width must be >= 2 training.n_train "
            f"({2 * n}), where weight adjustment must keep A's training outputs exactly")
    if len(p["widths"]) < 3:
        raise ConfigError(f"config key figures.{ID}.widths: need >= 3 widths for the trend in N")


def cases(p: dict) -> list[str]:
    return [f"N{N}" for N in p["widths"]]


def _arch(N: int) -> dict:
    return {"hidden": [int(N)], "bias": True}


def nets(p: dict) -> list[cnets.NetSpec]:
    return [s for N in p["widths"] for s in cnets.endpoint_specs(_arch(N), p["training"], 2 * p["pairs"])]


def inputs(case: str, p: dict) -> list[str]:
    N = int(case[1:])
    return [cnets.net_path(s) for s in cnets.endpoint_specs(_arch(N), p["training"], 2 * p["pairs"])]


def compute(case: str, p: dict, ctx) -> dict:
    N = int(case[1:])
    t = p["training"]
    split = digits_split(t["n_train"], t["split_seed"])
    trained = [cnets.load(path) for path in ctx.inputs]
    rng = np.random.default_rng(ctx.seed)
    pairs = []
    for k in ctx.progress(range(p["pairs"]), f"pairs at N = {N}"):
        A, B = trained[2 * k].layers, trained[2 * k + 1].layers
        # The same function with B's neurons shuffled: OT must not notice, Linear must.
        Bp = paths.permute_hidden(B, rng.permutation(N))
        row = {"seeds": [trained[2 * k].spec.seed, trained[2 * k + 1].spec.seed],
               **paths.pair_record(A, B, Bp, paths.onelayer_path, paths.match_onelayer, METHODS,
                                   ("OT", "Linear"), split, p["points"])}
        row["covariance"] = paths.covariance_traces(A, B, p["points"])
        pairs.append(row)
    return {"N": N, "n_train": t["n_train"], "pairs": pairs,
            "nets": {tn.spec.name: tn.info for tn in trained}}


def caption(p: dict) -> str:
    t = p["training"]
    return (
        f"Two one-hidden-layer ReLU nets trained from independent initialisations on the digits "
        f"({t['n_train']} training images, {t['epochs']} epochs of SGD with momentum), joined by "
        "paths: Linear, Arc (keeps the neuron cloud's covariance), OT (B's neurons matched to A's "
        "first) and their weight-adjusted versions (+WA: the output layer refitted to A's training "
        "outputs while the hidden layer moves, then moved linearly to B's). (a) Training "
        "cross-entropy along each path at the largest width (path position: t for plain paths, "
        "t/2 for WA paths). (b) Barrier (maximum along the path minus the larger endpoint loss) "
        f"against the width N, mean and standard error over {p['pairs']} endpoint pairs. (c) "
        "Trace of the neuron cloud's covariance along Linear and Arc over its endpoint value, "
        "with the independent-cloud predictions. When N >= 2 n_train the WA output layer reproduces "
        "A's training outputs although its weights differ from A's (a projection of V^A). The "
        "paper's numbers are from MNIST and CIFAR-10, which cannot be downloaded here."
    )


def measure(results: dict, p: dict) -> Measurement:
    Ns = sorted(r["N"] for r in results.values())
    by_N = {r["N"]: r for r in results.values()}
    n_train = p["training"]["n_train"]
    bar = {m: np.array([[row["curves"][m]["barrier"] for row in by_N[N]["pairs"]] for N in Ns])
           for m in METHODS}  # (widths, pairs)
    end_dev = max(row["curves"][m]["endpoint_dev"] for N in Ns for row in by_N[N]["pairs"]
                  for m in METHODS)
    # WA is exact when the hidden features F_t (n x N) have rank n. At N = n dead neurons make
    # them rank-deficient (measured on digits: rank 963 of 1000 at N = n = 1000), so the
    # identity is checked where N >= 2 n.
    wide = [N for N in Ns if N >= 2 * n_train]
    wa_dev = max(row["curves"][m]["wa_logits_dev"] for N in wide for row in by_N[N]["pairs"]
                 for m in METHODS if m.endswith("+WA"))
    # Linear+WA's second half: logits affine in t, cross-entropy convex in the logits, so the
    # loss cannot exceed the larger endpoint (the first half ends at A's outputs when N >= n).
    excess = []
    for N in wide:
        for row in by_N[N]["pairs"]:
            loss = np.asarray(row["curves"]["Linear+WA"]["train_loss"])
            half = len(loss) // 2
            excess.append(loss[half:].max() - max(loss[half], loss[-1]))
    cov_dev = {kind: max(float(np.max(np.abs(np.asarray(row["covariance"][kind])
                                             / np.asarray(row["covariance"][f"{kind}_pred"]) - 1)))
                         for N in Ns for row in by_N[N]["pairs"]) for kind in ("linear", "arc")}
    perm_ot = max(abs(row["permuted"]["OT"] - row["curves"]["OT"]["barrier"])
                  for N in Ns for row in by_N[N]["pairs"])
    perm_lin = min(abs(row["permuted"]["Linear"] - row["curves"]["Linear"]["barrier"])
                   for N in Ns for row in by_N[N]["pairs"])

    claims = [
        Claim.within(
            ID, "paths start at A and end at B", paper=PAPER, kind="consistency",
            statement="every path reproduces both endpoint networks' training logits",
            measured=end_dev, lo=0.0, hi=1e-12, theory=0.0,
            why="float64 evaluation of the same weights; only rounding remains",
            detail="max |z(path end) - z(endpoint)| / max |z| over widths, pairs and methods"),
        Claim.within(
            ID, "WA keeps A's training outputs when N >= 2 n_train", paper=PAPER, kind="consistency",
            statement="for N >= 2 n_train the refitted output layer V^A F_A^T pinv(F_t^T) gives A's "
                      "training logits all along the first half (with weights that are a "
                      "projection of V^A, not V^A itself)",
            measured=wa_dev, lo=0.0, hi=1e-8, theory=0.0,
            why="exact when F_t has rank n (2 n neurons leave room for dead ones); 1e-8 "
                "relative leaves room for the conditioning of the least-squares solve",
            detail=f"widths {wide}, n_train = {n_train}; max over the first half of the path"),
        Claim.within(
            ID, "Linear+WA second half never exceeds the larger endpoint", paper=PAPER,
            kind="consistency",
            statement="logits are affine in t on the second half and cross-entropy is convex in "
                      "the logits, so the loss stays below the larger endpoint loss",
            measured=float(max(excess)), lo=None, hi=1e-12, theory="<= 0",
            why="convexity; 1e-12 for rounding", detail=f"widths {wide}"),
        Claim.within(
            ID, "covariance along Arc: cos^2 tr C_A + sin^2 tr C_B", paper=PAPER,
            kind="consistency",
            statement="the Arc path keeps the neuron cloud's covariance (up to the A-B cross term, "
                      "O(N^-1/2) for independent nets)",
            measured=cov_dev["arc"], lo=0.0, hi=0.05, theory=0.0,
            why="5%: the cross-covariance of independently trained nets, paired by index",
            detail="max over t, widths and pairs of |tr C(t) / prediction - 1|"),
        Claim.within(
            ID, "covariance along Linear: (1-t)^2 tr C_A + t^2 tr C_B", paper=PAPER,
            kind="consistency",
            statement="the Linear path shrinks the cloud's covariance, to about 1/2 at t = 1/2",
            measured=cov_dev["linear"], lo=0.0, hi=0.05, theory=0.0,
            why="5%: the same cross term as for Arc",
            detail="max over t, widths and pairs of |tr C(t) / prediction - 1|"),
        Claim.holds(
            ID, "OT ignores B's neuron order, Linear does not", paper=PAPER, kind="consistency",
            statement="B with its hidden neurons permuted is the same function: the OT barrier is "
                      "unchanged, the Linear barrier changes (the matching does the work)",
            condition=perm_ot <= 1e-9 and perm_lin > 1e-6,
            measured=f"max |dOT| = {perm_ot:.2g}, min |dLinear| = {perm_lin:.2g}",
            theory="dOT = 0, dLinear != 0", tolerance="|dOT| <= 1e-9 and |dLinear| > 1e-6",
            why="an exact assignment is permutation-equivariant; 1e-9 for rounding"),
    ]
    pooled = {m: bar[m].ravel() for m in METHODS}

    def order_claim(name, hi_m, lo_m, statement):
        return stats.ordering_claim(ID, PAPER, name, pooled[hi_m] - pooled[lo_m], hi_m, lo_m,
                                    statement)

    claims += [
        order_claim("barrier Linear > Arc", "Linear", "Arc",
                    "Arc, which keeps the neuron distribution, has a lower barrier than Linear"),
        order_claim("barrier Linear > OT", "Linear", "OT",
                    "matching neurons first (OT) lowers the barrier of the straight path"),
    ]
    for m in ("Linear", "Arc", "OT"):
        claims.append(order_claim(
            f"barrier {m} > {m}+WA", m, f"{m}+WA",
            f"weight adjustment lowers the barrier of the {m} path"))
    # Barrier falling with the width: Spearman rho of (N, barrier) over all pairs, for Linear;
    # control: no dependence on N (the smallest and largest widths' barriers equal within 2 SE).
    for m in ("Linear", "Arc"):
        xs = np.repeat(Ns, bar[m].shape[1])
        rho = stats.spearman(xs, bar[m].ravel())
        d_mean, d_se, d_z = stats.paired(bar[m][0] - bar[m][-1])
        claims.append(Claim.within(
            ID, f"{m} barrier falls with N", paper=PAPER, kind="reproduction",
            statement=f"wider networks are connected by lower {m} paths",
            measured=rho, lo=None, hi=-0.8, theory="Spearman rho < -0.8",
            why="the paper's trend; rho over all (N, pair) points",
            detail=f"widths {Ns}; barrier(N_min) - barrier(N_max) = {d_mean:.4g} +- {d_se:.2g}",
            control=Control("the barrier does not depend on N (smallest vs largest width, "
                            "paired null)", round(d_z, 3), bool(d_z > 2),
                            "rejected when the difference lies beyond 2 standard errors")))

    big = by_N[Ns[-1]]["pairs"]
    data = {
        "widths": Ns, "n_train": n_train, "methods": list(METHODS),
        "barrier_mean": {m: bar[m].mean(axis=1) for m in METHODS},
        "barrier_se": {m: bar[m].std(axis=1, ddof=1) / np.sqrt(bar[m].shape[1]) for m in METHODS},
        "barriers": {m: bar[m] for m in METHODS},
        "path_largest_N": {m: {"position": np.asarray(big[0]["curves"][m]["t"])
                               / (2.0 if m.endswith("+WA") else 1.0),
                               "train_loss": big[0]["curves"][m]["train_loss"],
                               "test_error": big[0]["curves"][m]["test_error"]} for m in METHODS},
        "covariance": {k: big[0]["covariance"][k] for k in
                       ("t", "linear", "arc", "linear_pred", "arc_pred", "trace_a")},
        "nets": {k: v for N in Ns for k, v in by_N[N]["nets"].items()},
        "units": "train loss: mean cross-entropy (nats); test error: fraction misclassified",
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    fig, axes = plotting.subplots(1, 3, width=7.2, height=2.5)
    c = plotting.colors(len(d["methods"]))
    styles = {m: ("-" if "+WA" not in m else "--") for m in d["methods"]}
    ax = axes[0]
    for i, m in enumerate(d["methods"]):
        cur = d["path_largest_N"][m]
        ax.plot(cur["position"], cur["train_loss"], styles[m], color=c[i % 3], lw=1, label=m)
    ax.set_yscale("log")
    ax.set_xlabel("path position")
    ax.set_ylabel("train cross-entropy")
    ax.set_title(f"N = {d['widths'][-1]}, pair 1")
    ax.legend(fontsize=5.5, ncol=2, loc="upper right")
    ax = axes[1]
    Ns = np.asarray(d["widths"])
    for i, m in enumerate(d["methods"]):
        mean = np.asarray(d["barrier_mean"][m])
        se = np.asarray(d["barrier_se"][m])
        ax.errorbar(Ns, np.maximum(mean, 1e-6), yerr=se, fmt="o" + styles[m], color=c[i % 3],
                    ms=3, lw=1, capsize=2, label=m)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width N")
    ax.set_ylabel("barrier (train CE)")
    ax.set_title("barrier vs width")
    ax = axes[2]
    cov = d["covariance"]
    t = np.asarray(cov["t"])
    tr0 = float(cov["trace_a"])
    ax.plot(t, np.asarray(cov["linear"]) / tr0, "-", color=c[0], label="Linear")
    ax.plot(t, np.asarray(cov["linear_pred"]) / tr0, ":", color="black", lw=0.8,
            label="(1-t)$^2$ + t$^2$ (pred.)")
    ax.plot(t, np.asarray(cov["arc"]) / tr0, "-", color=c[1], label="Arc")
    ax.plot(t, np.asarray(cov["arc_pred"]) / tr0, "--", color="black", lw=0.8,
            label="cos$^2$ + sin$^2$ (pred.)")
    ax.set_xlabel("t")
    ax.set_ylabel("tr Cov(t) / tr Cov(A)")
    ax.set_title("neuron-cloud covariance")
    ax.legend(fontsize=5.5, loc="lower left")
    plotting.label_panels(axes)
    return fig
