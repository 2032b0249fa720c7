"""The classification experiments of arXiv:1701.04249 (Section 4 and its figures), on a FeatureStore.

Each function trains on the training copies and evaluates on the test copies of a data set and
returns plain data (errors, histories, importances, probabilities):

- `feature_set(name)`: the sets of the headline table: "all" (the 2369-feature set), "global"
  (S = 1 totals only) and one kind alone (its part of the headline structure);
- `run_feature_set`: the paper's depth-2 boosted trees on one set (D4, D5, D6);
- `run_raw`: raw (or Haar) voxel features of some kinds at one resolution, with the trees of the
  author's resolution experiments (XGBoost defaults there: depth 6, no column sampling) (D2, D3).

Both take `shuffle_labels=True` for the controls of the figures' claims: the same classifier
trained on the training meshes' labels permuted across meshes (all copies of a mesh keep one
label), so the features carry no class information; its test error is the chance level, measured
the way the claims measure everything else. `paired_difference` compares two classifiers on the
same test meshes.
"""

from __future__ import annotations

import numpy as np

from .classify import (
    HEADLINE_KINDS,
    feature_names,
    global_feature_set,
    headline_feature_set,
    n_features,
    raw_feature_set,
    run_protocol,
    single_kind_feature_set,
)
from .extraction import DENSE_MAX_S, FeatureStore
from .features import KINDS

__all__ = ["FEATURE_SETS", "feature_set", "labels_of", "run_feature_set", "run_raw", "ranked_kinds",
           "paired_difference", "chance_error"]

FEATURE_SETS = ("all", "global", *KINDS)


def resolution_cases(sizes, seeds: int) -> list[str]:
    """Case names "S<size>-seed<k>" of a resolution sweep: one classifier run per grid size and
    classifier seed, so each is its own job."""
    return [f"S{S}-seed{k}" for S in sizes for k in range(seeds)]


def parse_resolution_case(case: str) -> tuple[int, int]:
    """(size, seed index) of a `resolution_cases` name."""
    S, seed = case.removeprefix("S").split("-seed")
    return int(S), int(seed)


def feature_set(name: str):
    if name == "all":
        return headline_feature_set()
    if name == "global":
        return global_feature_set(HEADLINE_KINDS)
    if name in KINDS:
        return single_kind_feature_set(name)
    raise ValueError(f"unknown feature set {name!r}; choose from {', '.join(FEATURE_SETS)}")


def labels_of(store: FeatureStore) -> tuple[np.ndarray, list[str]]:
    """Integer class labels per row and the class names, in order of first appearance (the data
    set's class order)."""
    names = list(dict.fromkeys(store.label.tolist()))
    index = {c: i for i, c in enumerate(names)}
    return np.array([index[c] for c in store.label]), names


def _shuffled(y: np.ndarray, mesh_id: np.ndarray, seed: int) -> np.ndarray:
    """Labels permuted across meshes: every copy of a mesh gets the label of one other mesh."""
    ids, first, inv = np.unique(mesh_id, return_index=True, return_inverse=True)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5EED]))
    return y[first][rng.permutation(len(ids))][inv]


def _split(store: FeatureStore, blocks, sparse: bool = False, shuffle_seed: int | None = None):
    y, names = labels_of(store)
    tr, te = store.rows("train"), store.rows("test")
    if shuffle_seed is not None:  # training labels only: the test set keeps its true labels
        y = y.copy()
        y[tr] = _shuffled(y[tr], store.mesh_id[tr], shuffle_seed)
    return (store.matrix(blocks, tr, sparse), y[tr], store.matrix(blocks, te, sparse), y[te],
            store.mesh_id[te], names)


def _summary(res, names, n_test_meshes) -> dict:
    return {
        # per test mesh (sorted mesh ids): is the symmetrised prediction right (paired comparisons)
        "mesh_correct": (np.asarray(res.probabilities).argmax(axis=1) == res.test_labels),
        # per test mesh: the fraction of its copies misclassified one by one (final round)
        "copy_wrong_fraction": res.copy_wrong_fraction,
        "symmetrised_error": res.symmetrised_error,
        "test_error": res.test_error,
        "history": {k: np.asarray(v) for k, v in res.history.items()},
        "n_features": res.n_features,
        "n_splits": res.n_splits,
        "n_trees": res.n_trees,
        "n_test_meshes": int(n_test_meshes),
        "classes": names,
    }


def run_feature_set(store: FeatureStore, name: str, seed: int, num_rounds: int = 100,
                    threads: int = 1, keep_probabilities: bool = False, shuffle_labels: bool = False) -> dict:
    """The paper's classifier (depth-2 boosted trees, classify.lightgbm_params) on one feature set
    (on permuted training labels with `shuffle_labels`: module docstring)."""
    blocks = feature_set(name)
    Xtr, ytr, Xte, yte, gte, names = _split(store, blocks, shuffle_seed=seed if shuffle_labels else None)
    res = run_protocol(Xtr, ytr, Xte, yte, gte, len(names), seed, num_rounds=num_rounds, max_depth=2,
                       names=feature_names(blocks), num_threads=int(threads))
    out = _summary(res, names, len(np.unique(gte)))
    out["feature_set"] = name
    out["importances"] = res.importances
    if keep_probabilities:
        out["probabilities"] = res.probabilities
        out["test_labels"] = res.test_labels
        out["test_mesh_ids"] = np.unique(gte)
    return out


def run_raw(store: FeatureStore, S: int, kinds, aggregate: str, seed: int, num_rounds: int = 100,
            max_depth: int = 6, threads: int = 1, shuffle_labels: bool = False) -> dict:
    """Raw ("voxel") or "haar" features of `kinds` at resolution S. Trees as in the author's
    resolution experiments: depth `max_depth`, row subsample 0.5, no column sampling (XGBoost's
    defaults colsample_* = 1 there)."""
    blocks = raw_feature_set(S, tuple(kinds), aggregate)
    # voxel lists -> sparse matrices beyond the dense-stored sizes (most voxels are empty)
    Xtr, ytr, Xte, yte, gte, names = _split(store, blocks, sparse=aggregate == "voxel" and S > DENSE_MAX_S,
                                            shuffle_seed=seed if shuffle_labels else None)
    res = run_protocol(Xtr, ytr, Xte, yte, gte, len(names), seed, num_rounds=num_rounds,
                       max_depth=max_depth, names=feature_names(blocks), num_threads=int(threads),
                       feature_fraction=1.0, feature_fraction_bynode=1.0)
    out = _summary(res, names, len(np.unique(gte)))
    out.update(S=int(S), kinds=list(kinds), aggregate=aggregate, n_features=n_features(blocks))
    return out


def ranked_kinds(mean_errors: dict[str, float]) -> list[str]:
    """Kinds by mean error, best first (ties broken by the order of features.KINDS)."""
    return sorted(mean_errors, key=lambda k: (mean_errors[k], KINDS.index(k)))


def chance_error(n_classes: int) -> float:
    """Error of a classifier without information on balanced classes: 1 - 1/C."""
    return 1.0 - 1.0 / n_classes


def paired_difference(correct_a, correct_b) -> tuple[float, float]:
    """err(a) - err(b) on the same test meshes and its paired (McNemar) standard error.

    Both errors come from one test set, so only the meshes on which the two disagree carry the
    difference: with b_ = #(a right, b wrong) and c_ = #(a wrong, b right) out of n, the
    difference is (c_ - b_)/n with standard error sqrt(b_ + c_ - (c_ - b_)^2/n)/n."""
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"paired comparison needs the same test meshes: {a.shape} vs {b.shape}")
    n = len(a)
    b_, c_ = int(np.sum(a & ~b)), int(np.sum(~a & b))
    return (c_ - b_) / n, float(np.sqrt(max(b_ + c_ - (c_ - b_) ** 2 / n, 0.0)) / n)
