"""D2 voxel-resolution: test error vs grid resolution, one curve per feature kind (arXiv:1701.04249,
Section 4, "performance of individual features").

Cases `S<S>-seed<k>`: for every kind, boosted trees on that kind's raw voxel grid at resolution S
(S^3 voxels x the kind's columns), with the trees of the author's resolution experiment (depth 6,
row subsample 0.5, no column sampling: XGBoost defaults apart from subsample). Case `shuffled`: the
same trees at the finest S on permuted training labels, the chance level the claims are measured
against (Bool at S = 1 is at chance: beating it is not evidence that resolution helps).
"""

from __future__ import annotations

import numpy as np

from deeprates import plotting
from deeprates.claims import Alt, Claim, Control
from deeprates.config import ConfigError
from deeprates.figure_record import Measurement
from deeprates.voxel.classify import raw_feature_set
from deeprates.voxel.dataset import DatasetSpec, config_problems
from deeprates.voxel.experiments import (
    chance_error,
    paired_difference,
    parse_resolution_case,
    resolution_cases,
    run_raw,
)
from deeprates.voxel.extraction import FeatureStore

ID = "voxel-resolution"
TRACK = "voxel"
TITLE = "Symmetrised test error vs voxel resolution, one curve per feature kind"
PAPER = "arXiv:1701.04249 (Yarotsky 2017), Section 4 (resolution vs error, single kinds)"


def cases(p: dict) -> list[str]:
    return [*resolution_cases(p["sizes"], p["seeds"]), "shuffled"]


def inputs(case: str, p: dict) -> list[str]:
    return DatasetSpec.from_params(p["dataset"]).chunk_paths()


def check_params(p: dict) -> None:
    if 1 not in p["sizes"] or len(p["sizes"]) < 2:
        raise ConfigError(f"config key figures.{ID}.sizes must contain 1 (global features, the "
                          "reference of the claim) and at least one larger resolution")
    if "Bool" not in p["kinds"]:
        raise ConfigError(f"config key figures.{ID}.kinds must include Bool (its claim is checked)")
    blocks = [b for S in p["sizes"] for b in raw_feature_set(S, tuple(p["kinds"]))]
    for key, msg in config_problems(p["dataset"], blocks):
        raise ConfigError(f"config key figures.{ID}.dataset.{key}: {msg}")


def compute(case: str, p: dict, ctx) -> dict:
    shuffled = case == "shuffled"
    S = max(p["sizes"]) if shuffled else parse_resolution_case(case)[0]
    store = FeatureStore.load(ctx.inputs, blocks=raw_feature_set(S, tuple(p["kinds"])))
    out = {"S": S, "shuffled_labels": shuffled, "kinds": {}}
    for i, kind in enumerate(ctx.progress(p["kinds"], f"S={S} kinds")):
        r = run_raw(store, S, [kind], "voxel", ctx.seed + i, num_rounds=p["rounds"],
                    max_depth=p["max_depth"], threads=ctx.threads, shuffle_labels=shuffled)
        out["kinds"][kind] = {k: r[k] for k in ("symmetrised_error", "test_error", "n_features", "mesh_correct")}
        ctx.log(f"S={S} {kind}{' (shuffled labels)' if shuffled else ''}: symmetrised error "
                f"{r['symmetrised_error']:.3f}")
    out["n_test_meshes"] = r["n_test_meshes"]
    out["n_classes"] = len(r["classes"])
    return out


def caption(p: dict) -> str:
    d = DatasetSpec.from_params(p["dataset"])
    return (
        "Symmetrised test error of boosted trees trained on one feature kind's raw voxel grid at "
        f"resolution S (S^3 voxels), S = {', '.join(map(str, p['sizes']))}; S = 1 is the kind's "
        f"global total. Trees as in the paper's resolution experiment: depth {p['max_depth']}, "
        f"{p['rounds']} rounds, learning rate 0.3, row subsample 0.5, no column sampling. "
        f"{d.copies} rotated copies per mesh, mean over {p['seeds']} seed(s). Dashed: chance, "
        f"1 - 1/(number of classes); crosses: every kind at S = {max(p['sizes'])} trained on shuffled "
        "labels (the measured chance level). Bool carries no information at S = 1 (Bool = 1)."
    )


def _reductions(p: dict) -> str:
    d = DatasetSpec.from_params(p["dataset"])
    return (f"default size: S <= {max(p['sizes'])} (paper: 1..32), {p['seeds']} classifier seed(s), "
            f"{d.copies} rotated copies per mesh (paper: 20)")


def measure(results: dict, p: dict) -> Measurement:
    sizes, kinds = list(p["sizes"]), list(p["kinds"])
    runs = {S: [results[f"S{S}-seed{s}"] for s in range(p["seeds"])] for S in sizes}
    err = {k: np.array([[r["kinds"][k]["symmetrised_error"] for r in runs[S]] for S in sizes]) for k in kinds}
    mean = {k: v.mean(axis=1) for k, v in err.items()}
    first = runs[sizes[0]][0]
    n_test, n_classes = first["n_test_meshes"], first["n_classes"]
    chance = chance_error(n_classes)
    chance_se = float(np.sqrt(chance * (1 - chance) / n_test))  # binomial noise of a chance-level error
    shuf = results["shuffled"]
    i1 = sizes.index(1)
    fine = [j for j in range(len(sizes)) if j != i1]
    best = {k: fine[int(np.argmin(mean[k][fine]))] for k in kinds}

    def paired(k: str) -> tuple[float, float]:
        """err(best S > 1) - err(S = 1) of kind k, mean over seeds, and the mean paired SE."""
        d = [paired_difference(a["kinds"][k]["mesh_correct"], b["kinds"][k]["mesh_correct"])
             for a, b in zip(runs[sizes[best[k]]], runs[1])]
        return float(np.mean([x for x, _ in d])), float(np.mean([e for _, e in d]))

    claims = [Claim.close(
        ID, "Bool at S = 1 is the no-information classifier", paper=PAPER, kind="consistency",
        statement="Bool is 1 in the single voxel of every mesh, so the trees cannot split and predict "
                  "the (balanced) class prior: error 1 - 1/(number of classes)",
        measured=float(mean["Bool"][i1]), theory=chance, tol=1e-12,
        why="a property of the construction: a constant feature gives no split",
        detail=f"{n_classes} classes, {n_test} test meshes")]

    # resolution helps: only for kinds whose global total carries information (S = 1 error below
    # chance); for the others any S > 1 result only says "better than chance" (claim below)
    informative = [k for k in kinds if mean[k][i1] < chance - 2 * chance_se]
    gains = {k: paired(k) for k in informative}
    z = {k: -d / e if e > 0 else (np.inf if d < 0 else 0.0) for k, (d, e) in gains.items()}
    weakest = min(z, key=z.get) if z else None  # no kind with a global signal: nothing to test
    claims.append(Claim.holds(
        ID, "spatial resolution helps every kind with a global signal", paper=PAPER, kind="reproduction",
        statement="for every kind whose global total (S = 1) classifies better than chance, the best "
                  "error over S > 1 is below its S = 1 error",
        condition=bool(informative) and all(d < 0 for d, _ in gains.values()),
        measured=f"{sum(d < 0 for d, _ in gains.values())} of {len(informative)} kinds",
        theory=f"{len(informative)} of {len(informative)}", tolerance="every kind; control at 2 paired SE",
        why="paired (McNemar) standard errors on the one test set are the noise floor; the best of "
            f"{len(fine)} sizes is picked per kind, which the 2-SE control absorbs",
        detail=f"{_reductions(p)}; kinds above chance at S = 1 ({chance:.3f} - 2 x {chance_se:.3f}): "
               + "; ".join(f"{k}: S=1 {mean[k][i1]:.3f} -> S={sizes[best[k]]} {mean[k][best[k]]:.3f} "
                           f"(z {z[k]:.1f})" for k in informative)
               + "; left out (S = 1 at chance): " + (", ".join(k for k in kinds if k not in informative) or "none"),
        control=Control("resolution adds nothing beyond the global totals (best S > 1 = S = 1 up to "
                        "test-set noise)", round(float(z[weakest]), 6) if z else None,
                        bool(z) and bool(z[weakest] > 2),
                        f"weakest kind {weakest}: gain / paired SE = {z[weakest]:.2f} vs 2" if z else
                        "no kind classifies better than chance at S = 1")))

    jb = best["Bool"]
    claims.append(Claim.within(
        ID, "occupancy alone classifies once resolved", paper=PAPER, kind="reproduction",
        statement="Bool (which voxels the surface meets) at its best S > 1 classifies better than "
                  "chance, though at S = 1 it carries nothing",
        measured=float(mean["Bool"][jb]), lo=None, hi=chance - 2 * chance_se,
        theory=f"< chance {chance:.3f} - 2 binomial SE",
        why=f"2 binomial standard errors of a chance-level error on {n_test} test meshes",
        detail=f"{_reductions(p)}; best S = {sizes[jb]}",
        control=Alt(f"Bool carries no class information: the same trees on shuffled training labels "
                    f"at S = {shuf['S']}", measured=shuf["kinds"]["Bool"]["symmetrised_error"])))

    data = {
        "sizes": sizes,
        "kinds": kinds,
        "symmetrised_error": {k: err[k].tolist() for k in kinds},
        "mean": {k: mean[k] for k in kinds},
        "units": "fraction of misclassified test meshes; rows = sizes, columns = seeds",
        "n_features": {k: [runs[S][0]["kinds"][k]["n_features"] for S in sizes] for k in kinds},
        "n_test_meshes": n_test,
        "chance": chance,
        "shuffled": {"S": shuf["S"], "symmetrised_error": {k: shuf["kinds"][k]["symmetrised_error"] for k in kinds}},
    }
    tol = {"data.symmetrised_error": {"rel": 0.0, "abs": 0.03}, "data.mean": {"rel": 0.0, "abs": 0.03},
           "data.shuffled": {"rel": 0.0, "abs": 0.05}, "claims": {"rel": 0.2, "abs": 0.03}}
    return Measurement(data, claims, tol)


def draw(d: dict, p: dict):
    sizes, kinds = d["sizes"], d["kinds"]
    fig, ax = plotting.subplots(1, 1, width=4.6, height=3.6)
    cols = plotting.colors(len(kinds))
    styles = ["-", "--", ":", "-.", "-", "--", ":", "-."]
    x = np.arange(len(sizes))
    for k, c, ls in zip(kinds, cols, styles):
        ax.plot(x, d["mean"][k], ls, marker="o", ms=3, color=c, label=k)
    ax.axhline(d["chance"], color="grey", ls="--", lw=1)
    ax.text(0.02, d["chance"] + 0.01, "chance", color="grey", fontsize=6.5, va="bottom",
            transform=ax.get_yaxis_transform())
    js = sizes.index(d["shuffled"]["S"])
    for k, c in zip(kinds, cols):
        ax.plot(js + 0.12, d["shuffled"]["symmetrised_error"][k], "x", ms=3.5, color=c)
    ax.plot([], [], "x", color="grey", label="shuffled labels")
    ax.set_xticks(x, [str(S) for S in sizes])
    ax.set_xlabel("resolution S")
    ax.set_ylabel("symmetrised test error")
    ax.set_ylim(0, 1)
    ax.set_title("single kinds, raw voxel features")
    ax.legend(ncol=3, loc="lower left", fontsize=6.5)
    return fig
