"""E3 wa-ensembling: ensembles of weight-adjusted networks, WA(n) (arXiv:2008.00741, Section 6
(verify)).

Groups of K bias-free ReLU MLPs trained on the digits from independent initialisations (the
endpoint training rule shared with lowloss-paths-deep). In each group net 0 is the base; net k is
replaced by its adjusted copy (the base's first layers, the next layer refitted on the training
set). One compute case per group: single, plain-ensemble and WA-ensemble test accuracies.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim, Control
from deeprates.config import ConfigError
from deeprates.connectivity import ensembles, stats
from deeprates.connectivity import nets as cnets
from deeprates.connectivity.data import digits_split
from deeprates.figure_record import Measurement

ID = "wa-ensembling"
TRACK = "connectivity"
TITLE = "Ensembles of weight-adjusted networks (WA(n)) on the digits"
PAPER = "arXiv:2008.00741 (Anokhin & Yarotsky, ICML 2020), Section 6 \"WA(n)\" (verify)"


def check_params(p: dict) -> None:
    n = p["training"]["n_train"]
    width = p["hidden"][p["layer"] - 1]
    if not 1 <= p["layer"] < len(p["hidden"]) + 1:
        raise ConfigError(f"config key figures.{ID}.layer = {p['layer']}: must name a hidden "
                          f"layer, 1..{len(p['hidden'])}")
    if width < 2 * n:
        raise ConfigError(
            f"config key figures.{ID}.hidden: the width at layer {p['layer']} ({width}) must be "
            f">= 2 training.n_train ({2 * n}) for the adjusted nets to keep their training outputs")


def _arch(p: dict) -> dict:
    return {"hidden": list(p["hidden"]), "bias": False}


def nets(p: dict) -> list[cnets.NetSpec]:
    return cnets.endpoint_specs(_arch(p), p["training"], p["groups"] * p["K"])


def cases(p: dict) -> list[str]:
    return [f"group{g}" for g in range(p["groups"])]


def inputs(case: str, p: dict) -> list[str]:
    g = int(case.removeprefix("group"))
    specs = nets(p)[g * p["K"] : (g + 1) * p["K"]]
    return [cnets.net_path(s) for s in specs]


def compute(case: str, p: dict, ctx) -> dict:
    t = p["training"]
    split = digits_split(t["n_train"], t["split_seed"])
    trained = [cnets.load(path) for path in ctx.inputs]
    ctx.log(f"{case}: {len(trained)} nets, adjusting after layer {p['layer']}")
    res = ensembles.evaluate([tn.layers for tn in trained], p["layer"], split)
    return {**res, "seeds": [tn.spec.seed for tn in trained],
            "nets": {tn.spec.name: tn.info for tn in trained}}


def caption(p: dict) -> str:
    return (
        f"Ensembles of {p['K']} bias-free ReLU MLPs (hidden widths {p['hidden']}) trained on the "
        f"digits from independent initialisations, {p['groups']} independent groups. WA "
        f"ensemble: in net k the first {p['layer']} layer(s) are the base net's and the next "
        "layer is refitted on the training set (W_k F_k^T pinv(F_1^T)), so every adjusted net "
        "keeps its original's training outputs while sharing the base's lower layers. Test "
        "accuracy of the plain and the WA ensemble of the first m nets (mean and standard error "
        "over groups), single nets as dots. The paper's experiments are on CIFAR-10/100."
    )


def measure(results: dict, p: dict) -> Measurement:
    groups = [results[c] for c in cases(p)]
    K = p["K"]
    plain = np.array([g["plain"] for g in groups])
    wa = np.array([g["wa"] for g in groups])
    single = np.array([g["single"] for g in groups])
    best = single.max(axis=1)
    dev = max(g["train_logits_dev"] for g in groups)
    copies_gain = max(float(np.max(np.abs(np.asarray(g["copies"]) - g["single"][0]))) for g in groups)
    m_wa, se_wa, z_wa = stats.paired(wa[:, -1] - best)
    m_pl, se_pl, z_pl = stats.paired(wa[:, -1] - plain[:, -1])
    n_test = 1797 - p["training"]["n_train"]
    claims = [
        Claim.within(
            ID, "adjusted nets keep their training outputs", paper=PAPER, kind="consistency",
            statement=f"with width >= 2 n_train at layer {p['layer']}, each adjusted net "
                      "reproduces its original's training logits",
            measured=dev, lo=0.0, hi=1e-8, theory=0.0,
            why="exact when the base's features have rank n_train; 1e-8 for the least-squares "
                "solve", detail="max |z_adjusted - z_original| / max |z| over nets and groups"),
        Claim.within(
            ID, "K copies of one net gain nothing", paper=PAPER, kind="consistency",
            statement="an ensemble of K copies of the base net has the base net's accuracy (the "
                      "accuracy statistic reads zero gain when nothing is gained)",
            measured=copies_gain, lo=0.0, hi=0.0, theory=0.0, why="exact: the same softmax averaged"),
        Claim.within(
            ID, "WA ensemble beats the best single net", paper=PAPER, kind="reproduction",
            statement=f"the WA ensemble of {K} nets is more accurate than the best of its members "
                      "(the paper's direction: verify)",
            measured=m_wa, lo=0.0, hi=None, theory="> 0", stat_err=se_wa,
            why="paired differences over independent groups of nets",
            detail=f"test accuracy gain {m_wa:.4f} +- {se_wa:.2g} (SE) over {len(groups)} "
                   f"groups, z = {z_wa:.2f}; {n_test} test images (one image = {1 / n_test:.4f})",
            control=Control("the WA ensemble gains nothing over its best member (paired null)",
                            round(z_wa, 3), bool(z_wa > 2),
                            "rejected when the gain lies beyond 2 standard errors")),
        Claim.within(
            ID, "WA ensemble not better than the plain ensemble", paper=PAPER, kind="reproduction",
            statement="sharing the base's lower layers does not beat independent members (the "
                      "paper's direction: verify)",
            measured=z_pl, lo=None, hi=2.0, theory="z <= 2",
            why="2 standard errors of the paired differences (WA minus plain) over groups",
            detail=f"WA - plain = {m_pl:.4f} +- {se_pl:.2g} (SE)",
            control=Alt("the WA ensemble beats the plain ensemble as clearly as it beats the best "
                        "single net (the same z statistic, against the best single net)",
                        measured=z_wa)),
    ]
    sqrt_g = np.sqrt(len(groups))
    data = {
        "m": np.arange(1, K + 1),
        "plain_mean": plain.mean(0), "plain_se": plain.std(0, ddof=1) / sqrt_g,
        "wa_mean": wa.mean(0), "wa_se": wa.std(0, ddof=1) / sqrt_g,
        "single": single, "single_adjusted": np.array([g["single_adjusted"] for g in groups]),
        "groups": len(groups), "hidden": list(p["hidden"]), "layer": p["layer"],
        "units": "test accuracy (fraction of the digits test set)",
    }
    return Measurement(data, claims)


def draw(d: dict, p: dict):
    fig, ax = plotting.subplots(1, 1, width=3.6, height=2.7)
    c = plotting.colors(3)
    m = np.asarray(d["m"])
    ax.errorbar(m, d["plain_mean"], yerr=d["plain_se"], fmt="o-", color=c[0], ms=3, capsize=2,
                label="plain ensemble")
    ax.errorbar(m + 0.08, d["wa_mean"], yerr=d["wa_se"], fmt="s--", color=c[1], ms=3, capsize=2,
                label=f"WA({d['layer']}) ensemble")
    single = np.asarray(d["single"])
    for g in range(single.shape[0]):
        ax.plot(np.full(single.shape[1], 0.75), single[g], ".", color="grey", ms=3,
                label="single nets" if g == 0 else None)
    ax.set_xlabel("number of nets m")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"ensembles of {len(m)} nets, {d['groups']} groups")
    ax.legend(fontsize=6.5, loc="lower right")
    return fig
