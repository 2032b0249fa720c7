"""E2 lowloss-paths-deep: low-loss paths between trained deep bias-free ReLU MLPs
(arXiv:2008.00741, Table 2 (verify)).

Endpoint pairs trained on the digits (the shared training rule); one compute case per (hidden
width, endpoint pair) evaluates Linear and Arc on all layers at once and the layer-by-layer paths
Linear+B-fly, Linear+WA, OT+B-fly and OT+WA (definitions in deeprates.connectivity.paths), plus
the OT and Linear paths with B's hidden neurons permuted. One pair per job: at width 1024 a pair
takes about 40 s, so the pairs run side by side instead of as one 130 s job on one core.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Claim, Control
from deeprates.config import ConfigError
from deeprates.connectivity import nets as cnets
from deeprates.connectivity import paths, stats
from deeprates.connectivity.data import digits_split
from deeprates.figure_record import Measurement

ID = "lowloss-paths-deep"
TRACK = "connectivity"
TITLE = "Low-loss paths between trained deep ReLU networks (layer by layer: WA, B-fly, OT)"
PAPER = "arXiv:2008.00741 (Anokhin & Yarotsky, ICML 2020), Table 2 (verify)"
METHODS = paths.METHODS_DEEP


def check_params(p: dict) -> None:
    n = p["training"]["n_train"]
    if not any(w >= 2 * n for w in p["widths"]):
        raise ConfigError(f"config key figures.{ID}.widths: at least one width must be >= 2 "
                          f"training.n_train ({2 * n}), where the WA stages must keep A's outputs")
    if len(p["widths"]) < 2:
        raise ConfigError(f"config key figures.{ID}.widths: need >= 2 widths for the trend")


def _arch(w: int, p: dict) -> dict:
    return {"hidden": [int(w)] * p["hidden_layers"], "bias": False}


def nets(p: dict) -> list[cnets.NetSpec]:
    return [s for w in p["widths"] for s in cnets.endpoint_specs(_arch(w, p), p["training"], 2 * p["pairs"])]


def cases(p: dict) -> list[str]:
    return [f"W{w}-p{k}" for w in p["widths"] for k in range(p["pairs"])]


def _case(case: str) -> tuple[int, int]:
    """"W<width>-p<pair>" -> (width, pair index)."""
    w, k = case.split("-p")
    return int(w[1:]), int(k)


def inputs(case: str, p: dict) -> list[str]:
    w, k = _case(case)
    specs = cnets.endpoint_specs(_arch(w, p), p["training"], 2 * p["pairs"])[2 * k : 2 * k + 2]
    return [cnets.net_path(s) for s in specs]


def compute(case: str, p: dict, ctx) -> dict:
    w, k = _case(case)
    t = p["training"]
    split = digits_split(t["n_train"], t["split_seed"])
    a, b = (cnets.load(path) for path in ctx.inputs)
    rng = np.random.default_rng(ctx.seed)
    ctx.log(f"width {w}, pair {k}: seeds {a.spec.seed} and {b.spec.seed}")
    # The same function with B's neurons shuffled: OT must not notice, Linear must.
    Bp = paths.permute_deep(b.layers, [rng.permutation(w) for _ in range(p["hidden_layers"])])
    row = {"seeds": [a.spec.seed, b.spec.seed],
           **paths.pair_record(a.layers, b.layers, Bp, paths.deep_path, paths.match_deep_net,
                               METHODS, ("OT+B-fly", "Linear"), split, p["points"])}
    return {"width": w, "pair": k, "n_train": t["n_train"], "pairs": [row],
            "nets": {tn.spec.name: tn.info for tn in (a, b)}}


def caption(p: dict) -> str:
    return (
        f"Paths between two bias-free ReLU MLPs with {p['hidden_layers']} hidden layers trained "
        "from independent initialisations on the digits. Linear and Arc move all layers at once; "
        "layer-by-layer paths have one stage per layer: +WA refits the next layer at every point "
        "to keep its pre-activations on the training set, +B-fly moves the next layer linearly to "
        "its refitted end value, OT+ first matches B's neurons to A's layer by layer. (a) Training "
        "cross-entropy along each path at the largest width (path position: t over the number of "
        f"stages). (b) Barrier against the hidden width, mean and standard error over {p['pairs']} "
        "endpoint pairs. The paper's experiments are on CIFAR-10."
    )


def measure(results: dict, p: dict) -> Measurement:
    # one result per (width, pair): regroup into each width's pairs, in pair order
    by_w = {}
    for r in sorted(results.values(), key=lambda r: (r["width"], r["pair"])):
        w = by_w.setdefault(r["width"], {"pairs": [], "nets": {}})
        w["pairs"] += r["pairs"]
        w["nets"].update(r["nets"])
    Ws = sorted(by_w)
    n_train = p["training"]["n_train"]
    bar = {m: np.array([[row["curves"][m]["barrier"] for row in by_w[w]["pairs"]] for w in Ws])
           for m in METHODS}
    end_dev = max(row["curves"][m]["endpoint_dev"] for w in Ws for row in by_w[w]["pairs"]
                  for m in METHODS)
    wide = [w for w in Ws if w >= 2 * n_train]
    wa_dev = max(row["curves"][m]["wa_logits_dev"] for w in wide for row in by_w[w]["pairs"]
                 for m in METHODS if m.endswith("+WA"))
    perm_ot = max(abs(row["permuted"]["OT+B-fly"] - row["curves"]["OT+B-fly"]["barrier"])
                  for w in Ws for row in by_w[w]["pairs"])
    perm_lin = min(abs(row["permuted"]["Linear"] - row["curves"]["Linear"]["barrier"])
                   for w in Ws for row in by_w[w]["pairs"])
    claims = [
        Claim.within(
            ID, "paths start at A and end at B", paper=PAPER, kind="consistency",
            statement="every path reproduces both endpoint networks' training logits",
            measured=end_dev, lo=0.0, hi=1e-12, theory=0.0, why="float64; only rounding remains",
            detail="max |z(path end) - z(endpoint)| / max |z| over widths, pairs and methods"),
        Claim.within(
            ID, "WA stages keep A's training outputs", paper=PAPER, kind="consistency",
            statement="with every hidden width >= 2 n_train, the layer-by-layer WA path keeps A's "
                      "training logits on every refitted stage",
            measured=wa_dev, lo=0.0, hi=1e-8, theory=0.0,
            why="exact when the moving layer's features have rank n_train; 1e-8 for the solve",
            detail=f"widths {wide}, n_train = {n_train}"),
        Claim.holds(
            ID, "OT ignores B's neuron order, Linear does not", paper=PAPER, kind="consistency",
            statement="B with its hidden neurons permuted is the same function: the OT+B-fly "
                      "barrier is unchanged, the Linear barrier changes",
            condition=perm_ot <= 1e-9 and perm_lin > 1e-6,
            measured=f"max |dOT+B-fly| = {perm_ot:.2g}, min |dLinear| = {perm_lin:.2g}",
            theory="dOT = 0, dLinear != 0", tolerance="|dOT| <= 1e-9 and |dLinear| > 1e-6",
            why="layer-wise assignments are permutation-equivariant; 1e-9 for rounding"),
    ]
    pooled = {m: bar[m].ravel() for m in METHODS}

    def order_claim(hi_m, lo_m, statement):
        return stats.ordering_claim(ID, PAPER, f"barrier {hi_m} > {lo_m}",
                                    pooled[hi_m] - pooled[lo_m], hi_m, lo_m, statement)

    claims += [
        order_claim("Linear", "Arc", "Arc on all layers has a lower barrier than Linear"),
        order_claim("Linear", "Linear+WA", "the layer-by-layer WA path lowers the barrier"),
        order_claim("Linear+B-fly", "OT+B-fly", "matching neurons first lowers the B-fly barrier"),
    ]
    rho = stats.spearman(np.repeat(Ws, bar["Linear"].shape[1]), bar["Linear"].ravel())
    d_mean, d_se, d_z = stats.paired(bar["Linear"][0] - bar["Linear"][-1])
    claims.append(Claim.within(
        ID, "Linear barrier falls with width", paper=PAPER, kind="reproduction",
        statement="wider networks are connected by lower straight paths",
        measured=rho, lo=None, hi=-0.8, theory="Spearman rho < -0.8",
        why="the paper's trend; rho over all (width, pair) points",
        detail=f"widths {Ws}; barrier(smallest) - barrier(largest) = {d_mean:.4g} +- {d_se:.2g}",
        control=Control("the barrier does not depend on the width (smallest vs largest, paired "
                        "null)", round(d_z, 3), bool(d_z > 2),
                        "rejected when the difference lies beyond 2 standard errors")))
    big = by_w[Ws[-1]]["pairs"][0]
    data = {
        "widths": Ws, "methods": list(METHODS), "n_train": n_train,
        "barrier_mean": {m: bar[m].mean(axis=1) for m in METHODS},
        "barrier_se": {m: bar[m].std(axis=1, ddof=1) / np.sqrt(bar[m].shape[1]) for m in METHODS},
        "barriers": {m: bar[m] for m in METHODS},
        "path_largest": {m: {"position": np.asarray(big["curves"][m]["t"])
                             / max(1.0, float(big["curves"][m]["t"][-1])),
                             "train_loss": big["curves"][m]["train_loss"],
                             "test_error": big["curves"][m]["test_error"]} for m in METHODS},
        "nets": {k: v for w in Ws for k, v in by_w[w]["nets"].items()},
        "units": "train loss: mean cross-entropy (nats); test error: fraction misclassified",
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    fig, axes = plotting.subplots(1, 2, width=6.0, height=2.6)
    c = plotting.colors(len(d["methods"]))
    for i, m in enumerate(d["methods"]):
        cur = d["path_largest"][m]
        axes[0].plot(cur["position"], cur["train_loss"], "-" if "+" not in m else "--",
                     color=c[i], lw=1, label=m)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("path position")
    axes[0].set_ylabel("train cross-entropy")
    axes[0].set_title(f"width {d['widths'][-1]}, pair 1")
    axes[0].legend(fontsize=5.5, ncol=2, loc="upper right")
    Ws = np.asarray(d["widths"])
    for i, m in enumerate(d["methods"]):
        axes[1].errorbar(Ws, np.maximum(np.asarray(d["barrier_mean"][m]), 1e-6),
                         yerr=d["barrier_se"][m], fmt="o-" if "+" not in m else "s--",
                         color=c[i], ms=3, lw=1, capsize=2, label=m)
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("hidden width")
    axes[1].set_ylabel("barrier (train CE)")
    axes[1].set_title("barrier vs width")
    plotting.label_panels(axes)
    return fig
