"""D4 voxel-error-history: boosting error history and the headline table (arXiv:1701.04249, Section 4).

Cases `<set>-seed<k>`: the paper's classifier (depth-2 boosted trees, LightGBM in place of XGBoost,
see deeprates.voxel.classify.lightgbm_params) trained on one feature set of the shared data set:
"all" (the 2369-feature headline set), "global" (S = 1 totals only), or one feature kind alone;
and `shuffled-seed0`: "all" on permuted training labels, the chance level the headline error is
measured against.
The figure shows the train, test and symmetrised test error per boosting round of "all" and the
table of symmetrised test errors (mean +- std over seeds) of every set.
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim, Control
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.voxel.dataset import DatasetSpec, config_problems
from deeprates.voxel.experiments import feature_set, paired_difference, ranked_kinds, run_feature_set
from deeprates.voxel.extraction import FeatureStore

ID = "voxel-error-history"
TRACK = "voxel"
TITLE = "Boosted depth-2 trees on voxel features: error per round and error by feature set"
PAPER = "arXiv:1701.04249 (Yarotsky 2017), Section 4 (ESB experiments)"

# Bands fixed before the first run (docs/figures/voxel-error-history.md): generated classes replace
# ESB, so only the regime of the paper's numbers is comparable.
HEADLINE_BAND = (0.08, 0.20)   # full model (paper: 11.4 % +- 1.4 % on ESB)
GLOBAL_RATIO_MIN = 1.5         # global-only at least 1.5x worse (paper: 24 % / 11.4 % = 2.1)
EV_TOP = 3                     # "EV among the best single kinds" := EV's mean error ranks in the top 3
SHUFFLED = "shuffled"          # the headline set on permuted training labels


def _sets(p: dict) -> list[str]:
    return ["all", "global", *p["kinds"]]


def cases(p: dict) -> list[str]:
    return [f"{s}-seed{k}" for s in _sets(p) for k in range(p["seeds"])] + [f"{SHUFFLED}-seed0"]


def _parse(case: str) -> tuple[str, int]:
    name, seed = case.rsplit("-seed", 1)
    return name, int(seed)


def inputs(case: str, p: dict) -> list[str]:
    return DatasetSpec.from_params(p["dataset"]).chunk_paths()


def check_params(p: dict) -> None:
    blocks = [b for s in _sets(p) for b in feature_set(s)]
    for key, msg in config_problems(p["dataset"], blocks):
        raise ConfigError(f"config key figures.{ID}.dataset.{key}: {msg}")
    if p["history_rounds"] > p["rounds"]:
        raise ConfigError(f"config key figures.{ID}.history_rounds = {p['history_rounds']} exceeds rounds = "
                          f"{p['rounds']}; set it to at most rounds")
    if "EV" not in p["kinds"] or len(p["kinds"]) < 2:
        raise ConfigError(f"config key figures.{ID}.kinds must include EV and another kind (EV's rank "
                          "is checked against the others)")


def compute(case: str, p: dict, ctx) -> dict:
    name, _ = _parse(case)
    shuffled = name == SHUFFLED
    fs = "all" if shuffled else name
    store = FeatureStore.load(ctx.inputs, blocks=feature_set(fs))
    ctx.log(f"{name}: {store.n_rows} copies of {len(set(store.mesh_id.tolist()))} meshes")
    out = run_feature_set(store, fs, ctx.seed, num_rounds=p["rounds"], threads=ctx.threads,
                          shuffle_labels=shuffled)
    out["importances"] = out["importances"][:40]
    out["n_train_copies"] = int(len(store.rows("train")))
    out["n_test_copies"] = int(len(store.rows("test")))
    ctx.log(f"{name}: symmetrised test error {out['symmetrised_error']:.4f}, per copy {out['test_error']:.4f}")
    return out


def caption(p: dict) -> str:
    d = DatasetSpec.from_params(p["dataset"])
    data = (f"the meshes of {d.mesh_dir}" if d.mesh_dir else
            f"{len(d.classes)} generated CAD-like classes, {d.n_train} training and {d.n_test} "
            "test meshes per class")
    return (
        f"Gradient-boosted depth-2 trees ({p['rounds']} rounds, learning rate 0.3, row and column "
        "subsampling 0.5; LightGBM, column sampling per node instead of per level) on voxel "
        f"features of {data}, each mesh in {d.copies} randomly rotated copies ({d.rotation} "
        f"rotations). (a) Train, test (per copy) and symmetrised test error (class probabilities "
        f"averaged over a test mesh's copies) per boosting round, all 2369 features, mean over "
        f"{p['seeds']} seeds. (b) Symmetrised test error by feature set: all features, global "
        "features only (S = 1 totals), and each kind alone within the headline structure; bars are "
        f"mean +- std over {p['seeds']} classifier seeds; the shaded band is the 8-20 % the headline error "
        "is checked against; the dashed line is the error of the same classifier on shuffled labels."
    )


def _table(results: dict, p: dict) -> list[dict]:
    rows = []
    for s in _sets(p):
        runs = [results[f"{s}-seed{k}"] for k in range(p["seeds"])]
        err = np.array([r["symmetrised_error"] for r in runs])
        per_copy = np.array([r["test_error"] for r in runs])
        rows.append({
            "feature_set": s,
            "n_features": runs[0]["n_features"],
            "symmetrised_error": err.tolist(),
            "mean": float(err.mean()),
            "std": float(err.std(ddof=1)) if len(err) > 1 else 0.0,
            "per_copy_error_mean": float(per_copy.mean()),
        })
    return rows


def _paired(results: dict, a: str, b: str, seeds: int) -> tuple[float, float]:
    """err(a) - err(b) on the same test meshes, mean over seeds, and the mean paired SE (the seeds
    share one test set, so averaging them does not shrink the test-set noise)."""
    d = [paired_difference(results[f"{a}-seed{k}"]["mesh_correct"], results[f"{b}-seed{k}"]["mesh_correct"])
         for k in range(seeds)]
    return float(np.mean([x for x, _ in d])), float(np.mean([e for _, e in d]))


def _reductions(p: dict) -> str:
    d = DatasetSpec.from_params(p["dataset"])
    return (f"default size: {d.copies} rotated copies per mesh (paper: 20), {p['seeds']} classifier "
            "seeds, generated classes instead of ESB")


def measure(results: dict, p: dict) -> Measurement:
    table = _table(results, p)
    by = {r["feature_set"]: r for r in table}
    runs_all = [results[f"all-seed{k}"] for k in range(p["seeds"])]
    shuffled = results[f"{SHUFFLED}-seed0"]
    n_test = runs_all[0]["n_test_meshes"]
    hist = {k: np.array([r["history"][k] for r in runs_all]) for k in ("train", "test", "symmetrised")}
    H = p["history_rounds"]

    claims = []
    a = by["all"]
    binom = float(np.sqrt(a["mean"] * (1 - a["mean"]) / n_test))
    claims.append(Claim.within(
        ID, "headline error in the paper's band", paper=PAPER, kind="reproduction",
        statement="all 2369 features, symmetrised test error (paper on ESB: 11.4 % +- 1.4 %)",
        measured=a["mean"], lo=HEADLINE_BAND[0], hi=HEADLINE_BAND[1], stat_err=a["std"],
        why="band 8-20 % fixed before the run: generated classes replace ESB, so only the regime of "
            "the paper's 11.4 % is comparable (docs/figures/voxel-error-history.md)",
        detail=f"mean +- std over {p['seeds']} classifier seeds; {n_test} test meshes, so the test-set "
               f"sampling error alone is about {binom:.3f}; {_reductions(p)}",
        control=Alt("the features carry no class information: the same classifier on shuffled "
                    "training labels", measured=shuffled["symmetrised_error"])))
    g = by["global"]
    ratio = g["mean"] / a["mean"] if a["mean"] > 0 else float("inf")
    ratio_err = ratio * float(np.hypot(g["std"] / max(g["mean"], 1e-12), a["std"] / max(a["mean"], 1e-12)))
    gd, gse = _paired(results, "global", "all", p["seeds"])
    gz = gd / gse if gse > 0 else (np.inf if gd > 0 else 0.0)
    claims.append(Claim.within(
        ID, "global-only features are much worse", paper=PAPER, kind="reproduction",
        statement="error with global (S = 1) features only / error with all features (paper: about 2x)",
        measured=ratio, lo=GLOBAL_RATIO_MIN, hi=None, stat_err=ratio_err,
        why="at least 1.5x, fixed before the run; the paper's ESB ratio is about 24 % / 11.4 % = 2.1",
        detail=f"global {g['mean']:.3f} +- {g['std']:.3f}, all {a['mean']:.3f} +- {a['std']:.3f}; "
               f"{_reductions(p)}",
        control=Control("global features are as good as all (the local ones add nothing)",
                        round(float(gz), 6), bool(gz > 2),
                        f"(err(global) - err(all)) / paired SE = {gd:.3f} / {gse:.3f} = {gz:.2f} vs 2")))
    kind_means = {k: by[k]["mean"] for k in p["kinds"]}
    ranked = ranked_kinds(kind_means)
    rank = ranked.index("EV") + 1
    # nearest wrong hypothesis: EV is no better than the best kind the claim leaves out
    # (with fewer kinds than that, the worst other kind; if EV is outside, the last kind inside)
    others = [k for k in ranked if k != "EV"]
    nxt = (ranked[EV_TOP] if len(ranked) > EV_TOP else others[-1]) if rank <= EV_TOP else ranked[EV_TOP - 1]
    ed, ese = _paired(results, nxt, "EV", p["seeds"])
    ez = ed / ese if ese > 0 else (np.inf if ed > 0 else 0.0)
    claims.append(Claim.holds(
        ID, "EV among the best single kinds", paper=PAPER, kind="reproduction",
        statement=f"EV alone ranks in the top {EV_TOP} of the {len(ranked)} kinds by mean symmetrised "
                  "error (paper: EV best, 13 %; AN worst, 32 %)",
        condition=rank <= EV_TOP, measured=f"rank {rank}", theory=f"rank <= {EV_TOP}",
        tolerance=f"rank <= {EV_TOP} of {len(ranked)}; control at 2 paired SE",
        why=f"'among the best' fixed before the run as the top {EV_TOP} of {len(ranked)} kinds; a rank is "
            "only evidence if EV beats the kinds below it by more than the test-set noise",
        detail="; ".join(f"{k} {kind_means[k]:.3f}" for k in ranked) + f"; {_reductions(p)}",
        control=Control(f"EV is no better than {nxt}, the best kind outside the top {EV_TOP}",
                        round(float(ez), 6), bool(ez > 2),
                        f"(err({nxt}) - err(EV)) / paired SE = {ed:.3f} / {ese:.3f} = {ez:.2f} vs 2"),
        deviation="at the default size the single kinds other than Bool, AN and SA lie within about "
                  "two paired standard errors of each other (180 test meshes of generated classes, "
                  "4 rotated copies): EV ranks first, but not significantly ahead of the mid-ranked "
                  "kinds; the paper's ranking on ESB (191 test meshes) came without such a test "
                  "(docs/figures/voxel-error-history.md)"))
    cw = np.array([r["copy_wrong_fraction"] for r in runs_all])       # (seeds, meshes)
    sw = 1.0 - np.array([r["mesh_correct"] for r in runs_all], dtype=float)
    gain = (cw - sw).mean(axis=0)                                       # per mesh, mean over seeds
    sym_final, copy_final = float(sw.mean()), float(cw.mean())
    gain_se = float(gain.std(ddof=1) / np.sqrt(len(gain)))
    sz = float(gain.mean() / gain_se) if gain_se > 0 else (np.inf if gain.mean() > 0 else 0.0)
    claims.append(Claim.holds(
        ID, "symmetrisation lowers the test error", paper=PAPER, kind="reproduction",
        statement="averaging class probabilities over a test mesh's rotated copies gives a lower "
                  "error than classifying copies one by one (final round, all features)",
        condition=bool(sym_final < copy_final), measured=sym_final, theory=f"< {copy_final:.4f} (per copy)",
        tolerance="symmetrised < per-copy; control at 2 standard errors of the per-mesh gain",
        why="both errors are on the same test meshes: the per-mesh difference (fraction of copies "
            "wrong minus symmetrised wrong) has its own standard error",
        detail=f"per-copy {copy_final:.4f}, symmetrised {sym_final:.4f}, mean over {p['seeds']} seeds; "
               f"{_reductions(p)}",
        control=Control("symmetrisation changes nothing (a mesh's copies are classified alike)",
                        round(sz, 6), bool(sz > 2),
                        f"mean per-mesh gain / its SE = {gain.mean():.4f} / {gain_se:.4f} = {sz:.2f} vs 2")))

    data = {
        "table": table,
        "table_units": "symmetrised test error = fraction of misclassified test meshes",
        "shuffled_labels_error": shuffled["symmetrised_error"],
        "history": {"round": np.arange(1, H + 1),
                    **{k: {"mean": v[:, :H].mean(axis=0), "min": v[:, :H].min(axis=0),
                           "max": v[:, :H].max(axis=0)} for k, v in hist.items()}},
        "history_units": "fraction of misclassified training copies / test copies / test meshes",
        "band": list(HEADLINE_BAND),
        "n_test_meshes": n_test,
        "n_train_copies": runs_all[0]["n_train_copies"],
        "n_test_copies": runs_all[0]["n_test_copies"],
        "classes": runs_all[0]["classes"],
    }
    # classifier runs differ across machines/library builds only by floating-point ties
    tol = {"data.table": {"rel": 0.0, "abs": 0.03}, "data.history": {"rel": 0.0, "abs": 0.03},
           "data.shuffled_labels_error": {"rel": 0.0, "abs": 0.05}, "claims": {"rel": 0.2, "abs": 0.03}}
    return Measurement(data, claims, tol)


def draw(d: dict, p: dict):
    fig, axes = plotting.subplots(2, 1, width=4.2, height=3.3)
    ax = axes[0]
    rounds = np.asarray(d["history"]["round"])
    styles = {"train": ("train", ":"), "test": ("test (per copy)", "--"), "symmetrised": ("test, symmetrised", "-")}
    for (k, (lab, ls)), c in zip(styles.items(), plotting.colors(3)):
        h = d["history"][k]
        ax.plot(rounds, h["mean"], ls, color=c, label=lab)
        if np.any(np.asarray(h["max"]) > np.asarray(h["min"])):
            ax.fill_between(rounds, h["min"], h["max"], color=c, alpha=0.15, lw=0)
    ax.set_xlabel("boosting round")
    ax.set_ylabel("classification error")
    ax.set_ylim(0, None)
    ax.set_title("error history, all features")
    ax.legend(loc="upper right")
    ax = axes[1]
    table = d["table"]
    names = [r["feature_set"] for r in table]
    means = np.array([r["mean"] for r in table])
    stds = np.array([r["std"] for r in table])
    cols = plotting.colors(3)
    colors = [cols[0] if n == "all" else cols[1] if n == "global" else cols[2] for n in names]
    ax.axhspan(*d["band"], color="grey", alpha=0.15, lw=0)
    ax.axhline(d["shuffled_labels_error"], color="grey", ls="--", lw=1)
    ax.text(len(names) - 0.5, d["shuffled_labels_error"], "shuffled labels", color="grey", fontsize=6.5,
            ha="right", va="bottom")
    ax.bar(np.arange(len(names)), means, yerr=stds, color=colors, capsize=2)
    ax.set_xticks(np.arange(len(names)), names, rotation=45)
    ax.set_ylim(0, 1)
    ax.set_ylabel("symmetrised test error")
    ax.set_title("error by feature set")
    plotting.label_panels(axes)
    return fig
