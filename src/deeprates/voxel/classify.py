"""Shape classification protocol of arXiv:1701.04249, as pure functions over arrays.

Protocol (paper, Section 4): every mesh is rotated at random several times ("copies"); each copy's
bounding box is centred and its longest side scaled to 0.9 of the grid; voxel features are
aggregated into a fixed-length vector; gradient-boosted depth-2 trees (XGBoost in the paper) are
trained on all training copies; at test time the class probabilities of a mesh's copies are
averaged ("symmetrisation").

Rotations. `random_rotations(..., distribution="haar")` (default) draws uniformly from SO(3) (unit
quaternions with Gaussian components). `distribution="paper"` reproduces the paper's draw: a
uniform axis and an angle uniform in [-2 pi, 2 pi], which is NOT Haar-uniform (it over-weights small
rotation angles: Haar density of the angle is (1 - cos t)/pi on [0, pi]).

Feature sets. A set is a tuple of `FeatureBlock(S, aggregate, kinds)`; aggregate is "voxel" (raw
dense grid), "haar" or "hist" (percentiles), see aggregates.py. The paper's headline set has 2369
features, which we reconstruct as

    S = 2    raw    8 voxels x 14 columns                      112
    S = 2    hist   5 percentiles x 14                           70
    S = 4    raw    64 x 14                                     896
    S = 4    haar   64 x 14                                     896
    S = 4    hist   5 x 14                                       70
    S = 8, 16, 32, 64, 128  hist, 5 x 13 each (no Bool)         325
                                                       total   2369

with the kinds Bool SA QF EV VAD EAD VE (1+1+6+3+1+1+1 = 14 columns; AN is left out). The count
2369 only comes out if the Bool percentiles, constant 1 over non-empty voxels, are absent at
S >= 8 (with them it would be 2394). The author's published ESB demo (github.com/yarotsky/
voxelfeatures, demo/demoXGBoostESB.py, its `featureL`) lists exactly these blocks: S = 2 voxel +
hist and S = 4 voxel + haar + hist over the 7 kinds, S = 8..128 hist without Bool; so the
reconstruction is the paper's set, not a guess (feature order within it differs, which does not
matter to trees).

Classifier. LightGBM replaces XGBoost (not a dependency here); `lightgbm_params` maps every
parameter and documents the one that differs (column sampling per level -> per node).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import numpy as np

from .aggregates import PERCENTILES, haar_coefficients, percentiles, voxel_grid
from .features import FEATURE_COLUMNS, KIND_COLUMNS, compute_features
from .mesh import normalize_to_grid

__all__ = [
    "HEADLINE_KINDS",
    "FeatureBlock",
    "random_rotations",
    "headline_feature_set",
    "global_feature_set",
    "single_kind_feature_set",
    "raw_feature_set",
    "feature_names",
    "parse_feature_name",
    "paper_label",
    "n_features",
    "mesh_feature_vectors",
    "dataset_features",
    "lightgbm_params",
    "train_boosted_trees",
    "staged_probabilities",
    "symmetrise",
    "error_history",
    "split_importances",
    "ClassificationResult",
    "run_protocol",
]

HEADLINE_KINDS = ("Bool", "SA", "QF", "EV", "VAD", "EAD", "VE")
AGGREGATES = ("voxel", "haar", "hist")


# --------------------------------------------------------------------------------------------
# rotations


def random_rotations(n: int, rng: np.random.Generator, distribution: str = "haar") -> np.ndarray:
    """(n, 3, 3) rotation matrices. "haar": uniform on SO(3). "paper": axis uniform on the sphere,
    angle uniform in [-2 pi, 2 pi] (the draw of 1701.04249; not uniform on SO(3))."""
    if distribution == "haar":
        q = rng.normal(size=(n, 4))
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        return _quaternion_to_matrix(q)
    if distribution == "paper":
        axis = rng.normal(size=(n, 3))
        axis /= np.linalg.norm(axis, axis=1, keepdims=True)
        angle = rng.uniform(-2 * np.pi, 2 * np.pi, size=n)
        q = np.c_[np.cos(angle / 2), np.sin(angle / 2)[:, None] * axis]
        return _quaternion_to_matrix(q)
    raise ValueError(f"unknown rotation distribution {distribution!r} (use 'haar' or 'paper')")


def _quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
    ], axis=1)


# --------------------------------------------------------------------------------------------
# feature sets


@dataclass(frozen=True)
class FeatureBlock:
    """Features of the `kinds` at grid size S, aggregated by "voxel", "haar" or "hist"."""

    S: int
    aggregate: str
    kinds: tuple[str, ...] = HEADLINE_KINDS

    def __post_init__(self):
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {AGGREGATES}, got {self.aggregate!r}")
        unknown = set(self.kinds) - set(KIND_COLUMNS)
        if unknown:
            raise ValueError(f"unknown feature kinds {sorted(unknown)}; known: {list(KIND_COLUMNS)}")

    @property
    def columns(self) -> list[int]:
        return [c for k in self.kinds for c in KIND_COLUMNS[k]]

    @property
    def size(self) -> int:
        n = len(PERCENTILES) if self.aggregate == "hist" else self.S ** 3
        return n * len(self.columns)


def headline_feature_set(kinds=HEADLINE_KINDS) -> tuple[FeatureBlock, ...]:
    """The paper's 2369-feature set (module docstring); `kinds` restricts it to some kinds."""
    kinds = tuple(kinds)
    blocks = [
        FeatureBlock(2, "voxel", kinds), FeatureBlock(2, "hist", kinds),
        FeatureBlock(4, "voxel", kinds), FeatureBlock(4, "haar", kinds), FeatureBlock(4, "hist", kinds),
    ]
    fine = tuple(k for k in kinds if k != "Bool")  # Bool percentiles are constant 1
    if fine:
        blocks += [FeatureBlock(S, "hist", fine) for S in (8, 16, 32, 64, 128)]
    return tuple(blocks)


def global_feature_set(kinds=HEADLINE_KINDS) -> tuple[FeatureBlock, ...]:
    """Global features only: the whole mesh in one voxel (S = 1), i.e. the kinds' totals."""
    return (FeatureBlock(1, "voxel", tuple(kinds)),)


def single_kind_feature_set(kind: str) -> tuple[FeatureBlock, ...]:
    """The headline structure restricted to one kind."""
    return headline_feature_set((kind,))


def raw_feature_set(S: int, kinds, aggregate: str = "voxel") -> tuple[FeatureBlock, ...]:
    """One block: raw (or Haar) features of `kinds` at resolution S (figures D2, D3)."""
    return (FeatureBlock(int(S), aggregate, tuple(kinds)),)


def feature_names(blocks) -> list[str]:
    """Readable names, e.g. 'S4_haar_QF_xy_h17' (coefficient 17), 'S8_hist_EV_1_p50', 'S2_voxel_SA_v3'."""
    names = []
    for b in blocks:
        cols = [FEATURE_COLUMNS[c] for c in b.columns]
        if b.aggregate == "hist":
            names += [f"S{b.S}_hist_{c}_p{int(q)}" for c in cols for q in PERCENTILES]
        else:
            tag = "h" if b.aggregate == "haar" else "v"
            names += [f"S{b.S}_{b.aggregate}_{c}_{tag}{i}" for c in cols for i in range(b.S ** 3)]
    return names


# the inverse of feature_names: S, aggregate, kind, optional component (QF xy, EV 1), tag, index
_NAME = re.compile(r"S(\d+)_(voxel|haar|hist)_([A-Za-z]+)(?:_(\w+?))?_(v|h|p)(\d+)$")


def parse_feature_name(name: str) -> dict:
    """'S8_hist_EV_2_p50' -> {S: 8, aggregate: 'hist', kind: 'EV', component: '2', index: 50}; a
    name feature_names does not build comes back as its own kind with the other fields None."""
    m = _NAME.match(name)
    if not m:
        return {"S": None, "aggregate": None, "kind": name, "component": None, "index": None}
    S, agg, kind, comp, _, idx = m.groups()
    return {"S": int(S), "aggregate": agg, "kind": kind, "component": comp, "index": int(idx)}


def paper_label(name: str) -> str:
    """The paper's notation [S][kind][position or percentile][component] of a feature name."""
    d = parse_feature_name(name)
    if d["S"] is None:
        return name
    pos = {"hist": f"p{d['index']}", "haar": f"haar{d['index']}"}.get(d["aggregate"], str(d["index"]))
    comp = f"[{d['component']}]" if d["component"] else ""
    return f"[{d['S']}][{d['kind']}][{pos}]{comp}"


def n_features(blocks) -> int:
    return sum(b.size for b in blocks)


# --------------------------------------------------------------------------------------------
# feature extraction


def mesh_feature_vectors(vertices: np.ndarray, faces: np.ndarray, rotations: np.ndarray, blocks) -> np.ndarray:
    """(n_copies, n_features) float64 features of one mesh under each rotation (protocol:
    rotate, centre the bounding box, longest side = 0.9 * S, then the engine at each S)."""
    blocks = tuple(blocks)
    sizes = sorted({b.S for b in blocks})
    out = np.empty((len(rotations), n_features(blocks)))
    for r, R in enumerate(rotations):
        per_S = {}
        for S in sizes:
            vf = compute_features(normalize_to_grid(vertices, S, R), faces, S)
            per_S[S] = {"vf": vf}
        pos = 0
        for b in blocks:
            cache = per_S[b.S]
            if b.aggregate not in cache:
                vf = cache["vf"]
                if b.aggregate == "voxel":
                    cache["voxel"] = voxel_grid(vf)
                elif b.aggregate == "haar":
                    cache["haar"] = haar_coefficients(vf)
                else:
                    cache["hist"] = percentiles(vf)
            block = cache[b.aggregate][b.columns]       # (n_columns, S^3 or 5), column-major names
            out[r, pos:pos + b.size] = block.ravel()
            pos += b.size
    return out


def dataset_features(meshes, n_copies: int, blocks, seed: int, distribution: str = "haar"):
    """Features of `n_copies` random rotations of each (vertices, faces) in `meshes`.

    Returns (X (n_meshes * n_copies, n_features), group (mesh index per row)). The rotations of
    mesh i come from SeedSequence([seed, i]), so they do not depend on the other meshes."""
    rows, groups = [], []
    for i, (v, f) in enumerate(meshes):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), i]))
        rows.append(mesh_feature_vectors(v, f, random_rotations(n_copies, rng, distribution), blocks))
        groups.append(np.full(n_copies, i))
    return np.concatenate(rows), np.concatenate(groups)


# --------------------------------------------------------------------------------------------
# classifier


def lightgbm_params(num_class: int, seed: int, max_depth: int = 2, **overrides) -> dict:
    """LightGBM parameters equivalent to the paper's XGBoost setting.

    XGBoost (paper)              -> LightGBM
    max_depth = 2                -> max_depth = 2, num_leaves = 4 (= 2^depth: leaf-wise growth
                                    under both limits builds the same full depth-2 trees)
    eta = 0.3                    -> learning_rate = 0.3
    100 rounds                   -> num_boost_round = 100 (train_boosted_trees)
    subsample = 0.5              -> bagging_fraction = 0.5 with bagging_freq = 1 (resample each round)
    colsample_bytree = 0.5       -> feature_fraction = 0.5
    colsample_bylevel = 0.5      -> feature_fraction_bynode = 0.5   <- DIFFERS: LightGBM samples
                                    columns per node, XGBoost per level (the two depth-1 nodes of a
                                    tree share one sample in XGBoost, get independent ones here)
    min_child_weight = 1         -> min_sum_hessian_in_leaf = 1, min_data_in_leaf = 1 (XGBoost has
                                    no count limit; LightGBM's default 20 would bind first)
    lambda = 1, alpha = 0        -> lambda_l2 = 1, lambda_l1 = 0
    gamma = 0                    -> min_gain_to_split = 0
    objective multi:softprob     -> objective multiclass (softmax), num_class
    exact / 256-bin histograms   -> max_bin = 255 (histogram splits)
    Determinism: num_threads = 1, deterministic = True, force_col_wise, and every seed fixed.
    """
    seed = int(seed) % 2_000_000_000  # LightGBM seeds are C ints; job seeds are 32-bit unsigned
    p = dict(
        objective="multiclass", num_class=int(num_class),
        max_depth=int(max_depth), num_leaves=2 ** int(max_depth),
        learning_rate=0.3,
        bagging_fraction=0.5, bagging_freq=1,
        feature_fraction=0.5, feature_fraction_bynode=0.5,
        min_sum_hessian_in_leaf=1.0, min_data_in_leaf=1,
        lambda_l2=1.0, lambda_l1=0.0, min_gain_to_split=0.0,
        max_bin=255,
        num_threads=1, deterministic=True, force_col_wise=True,
        seed=int(seed), bagging_seed=int(seed) + 1, feature_fraction_seed=int(seed) + 2,
        data_random_seed=int(seed) + 3, extra_seed=int(seed) + 4,
        verbosity=-1,
    )
    p.update(overrides)
    return p


# LightGBM's optional integrations: importing them costs about a second per job (scikit-learn
# pulls in scipy.stats, pandas, ...), while the protocol only passes numpy / scipy.sparse arrays.
_LIGHTGBM_OPTIONAL = ("sklearn", "pandas", "dask", "pyarrow", "datatable", "graphviz", "matplotlib")


def _lightgbm():
    """Import LightGBM without its optional integrations when they are not loaded yet (they are
    hidden only during the import: later imports of them in the process work as usual)."""
    if "lightgbm" in sys.modules:
        return sys.modules["lightgbm"]
    hidden = [m for m in _LIGHTGBM_OPTIONAL if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # makes `import m` raise ImportError: LightGBM then skips it
    try:
        import lightgbm
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return lightgbm


def train_boosted_trees(X: np.ndarray, y: np.ndarray, num_class: int, seed: int, num_rounds: int = 100,
                        max_depth: int = 2, feature_names=None, **overrides):
    """Train the boosted trees of `lightgbm_params`; returns a lightgbm.Booster."""
    lgb = _lightgbm()

    params = lightgbm_params(num_class, seed, max_depth, **overrides)
    names = list(feature_names) if feature_names is not None else "auto"
    X = X.astype(np.float64) if hasattr(X, "tocsr") else np.asarray(X, dtype=np.float64)  # scipy sparse or dense
    data = lgb.Dataset(X, label=np.asarray(y), feature_name=names,
                       params={"max_bin": params["max_bin"], "verbosity": -1}, free_raw_data=False)
    booster = lgb.train(params, data, num_boost_round=int(num_rounds))
    booster.requested_rounds = int(num_rounds)  # for staged_probabilities if training stops early
    return booster


def _leaf_values(booster) -> list[np.ndarray]:
    """Leaf outputs of every tree (iteration-major, then class), indexed like pred_leaf's output.
    Cached on the booster (dump_model is the slow part)."""
    cached = getattr(booster, "_leaf_values_cache", None)
    if cached is not None and cached[0] == booster.current_iteration():
        return cached[1]
    out = []
    for tree in booster.dump_model()["tree_info"]:
        vals = np.zeros(max(int(tree["num_leaves"]), 1))
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "leaf_value" in node:
                vals[node.get("leaf_index", 0)] = node["leaf_value"]
            else:
                stack += [node["left_child"], node["right_child"]]
        out.append(vals)
    booster._leaf_values_cache = (booster.current_iteration(), out)
    return out


def staged_probabilities(booster, X: np.ndarray, num_rounds: int | None = None) -> np.ndarray:
    """(num_rounds, n, num_class) class probabilities after each boosting round.

    One pass: the leaf each sample reaches in every tree (pred_leaf), then cumulative sums of the
    leaf outputs per class give the raw scores after each round (LightGBM folds the initial score
    into the first trees' leaves, so the sums equal predict(raw_score=True) round by round).
    LightGBM stops adding trees once no split has positive gain (e.g. training data fitted
    exactly); later rounds would leave the prediction unchanged, so the last one is repeated up to
    `num_rounds` (default: the rounds requested in train_boosted_trees)."""
    built = booster.current_iteration()
    if num_rounds is None:
        num_rounds = getattr(booster, "requested_rounds", built)
    n_class = int(booster.params["num_class"])
    n = X.shape[0]
    out = np.empty((max(num_rounds, built), n, n_class))
    if built == 0:
        out[:] = 1.0 / n_class
        return out
    leaves = np.asarray(booster.predict(X, pred_leaf=True), dtype=np.int64).reshape(n, built * n_class)
    values = _leaf_values(booster)
    contrib = np.stack([values[t][leaves[:, t]] for t in range(built * n_class)], axis=1)
    raw = np.cumsum(contrib.reshape(n, built, n_class), axis=1).transpose(1, 0, 2)  # (built, n, C)
    e = np.exp(raw - raw.max(axis=2, keepdims=True))
    out[:built] = e / e.sum(axis=2, keepdims=True)
    out[built:] = out[built - 1]
    return out


def symmetrise(prob: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average class probabilities over each group's rows (a test mesh's rotated copies).
    prob (..., n, C) -> (..., n_groups, C), plus the sorted group ids."""
    ids, inv = np.unique(groups, return_inverse=True)
    weights = np.zeros((len(ids), len(inv)))
    weights[inv, np.arange(len(inv))] = 1.0 / np.bincount(inv)[inv]
    return np.matmul(weights, prob), ids  # (g, n) @ (..., n, C) -> (..., g, C)


def error_history(booster, X_train, y_train, X_test, y_test, test_groups, return_last: bool = False):
    """Per-round error rates: 'train' and 'test' over copies, 'symmetrised' over test meshes
    (and, with return_last, the final round's test probabilities per copy)."""
    p_tr = staged_probabilities(booster, X_train)
    p_te = staged_probabilities(booster, X_test)
    p_sym, ids = symmetrise(p_te, test_groups)
    y_sym = np.array([y_test[np.flatnonzero(test_groups == g)[0]] for g in ids])
    hist = {
        "train": (p_tr.argmax(axis=-1) != y_train).mean(axis=1),
        "test": (p_te.argmax(axis=-1) != y_test).mean(axis=1),
        "symmetrised": (p_sym.argmax(axis=-1) != y_sym).mean(axis=1),
    }
    return (hist, p_te[-1]) if return_last else hist


def split_importances(booster, names=None) -> list[tuple[str, int]]:
    """(feature name, number of splits using it), most used first; unused features left out."""
    counts = booster.feature_importance(importance_type="split")
    names = list(names) if names is not None else booster.feature_name()
    order = np.argsort(-counts, kind="stable")
    return [(names[i], int(counts[i])) for i in order if counts[i] > 0]


@dataclass
class ClassificationResult:
    history: dict                 # per-round 'train', 'test', 'symmetrised' error rates
    test_error: float             # final round, over copies
    symmetrised_error: float      # final round, over meshes
    probabilities: np.ndarray     # (n_test_meshes, n_classes) symmetrised, final round
    test_labels: np.ndarray       # (n_test_meshes,)
    copy_wrong_fraction: np.ndarray  # (n_test_meshes,) fraction of each mesh's copies misclassified
    importances: list             # split counts
    n_features: int
    n_splits: int = 0             # splits in the model: sum over trees of (leaves - 1)
    n_trees: int = 0


def run_protocol(X_train, y_train, X_test, y_test, test_groups, num_class: int, seed: int,
                 num_rounds: int = 100, max_depth: int = 2, names=None, **overrides) -> ClassificationResult:
    """Train on the training copies, evaluate per round, symmetrise over test copies."""
    booster = train_boosted_trees(X_train, y_train, num_class, seed, num_rounds, max_depth, names, **overrides)
    hist, p_last = error_history(booster, X_train, y_train, X_test, y_test, test_groups, return_last=True)
    p_sym, ids = symmetrise(p_last, test_groups)
    labels = np.array([y_test[np.flatnonzero(test_groups == g)[0]] for g in ids])
    wrong_copy = (p_last.argmax(axis=1) != np.asarray(y_test)).astype(float)
    copy_wrong = symmetrise(wrong_copy[:, None], test_groups)[0][:, 0]  # same mesh order as ids
    trees = _leaf_values(booster)  # one array of leaf outputs per tree
    return ClassificationResult(
        history=hist,
        test_error=float(hist["test"][-1]),
        symmetrised_error=float(hist["symmetrised"][-1]),
        probabilities=p_sym,
        test_labels=labels,
        copy_wrong_fraction=copy_wrong,
        importances=split_importances(booster, names),
        n_features=int(X_train.shape[1]),
        n_splits=int(sum(len(t) - 1 for t in trees)),
        n_trees=len(trees),
    )
