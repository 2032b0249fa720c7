"""The track-D data stages and experiments: data set specs and user mesh directories, the
`voxel` CLI (bad meshes are named), the feature store (same numbers as the direct protocol),
the identity checker, and a tiny end-to-end classification."""

import json
import math

import numpy as np
import pytest

from voxel_testdata import CUBE_F, CUBE_V, quaternion_matrix

from deeprates.cli import main
from deeprates.voxel.classify import (
    FeatureBlock,
    feature_names,
    global_feature_set,
    headline_feature_set,
    mesh_feature_vectors,
    n_features,
    raw_feature_set,
    single_kind_feature_set,
    symmetrise,
)
from deeprates.voxel.dataset import DatasetSpec, MeshEntry, config_problems, read_split_lists
from deeprates.voxel.experiments import FEATURE_SETS, feature_set, run_feature_set, run_raw
from deeprates.voxel.extraction import FeatureStore, copy_rotations, extract_chunk, missing_extractions
from deeprates.voxel.features import compute_features
from deeprates.voxel.identities import IDENTITIES, identity_residuals, mesh_invariants
from deeprates.voxel.mesh import GRID_FILL, Mesh, MeshError, normalize_to_grid, write_off
from deeprates.voxel.shapes import generate_mesh

TINY_CLASSES = ("pipe", "gear", "l_block")
SIZES = (1, 2, 4, 8, 16, 32, 64, 128)


# ---------------------------------------------------------------------------------------------
# data set spec


def test_spec_key_tracks_content_not_resources():
    a = DatasetSpec.from_params({"n_train": 3, "copies": 2, "resources": {"mem_mb": 100}})
    b = DatasetSpec.from_params({"n_train": 3, "copies": 2, "resources": {"mem_mb": 9000}})
    c = DatasetSpec.from_params({"n_train": 3, "copies": 3})
    assert a.key() == b.key() != c.key()
    assert DatasetSpec.from_params(a.to_params()) == a
    # 12 classes x 30 meshes in chunks of 15: two chunks per class, named by class index
    spec = DatasetSpec()
    assert len(spec.chunks()) == 24 and spec.chunk_paths()[1] == f"{spec.root}/features/c00-p1.npz"


def test_config_problems_name_the_key():
    probs = config_problems({"raw_sizes": [1, 3]}, raw_feature_set(8, ("EV",)))
    assert ("raw_sizes", "[3] are not powers of 2 (Haar features need them)") in probs
    assert ("raw_sizes", "raw grids at S = 16 are needed: add 16 to raw_sizes") in config_problems(
        {}, raw_feature_set(16, ("EV",)))
    assert config_problems({}, headline_feature_set()) == []
    assert "unknown classes" in dict(config_problems({"classes": ["pipe", "teapot"]}))["classes"]
    assert dict(config_problems({"mesh_dir": "/nonexistent/meshes"}))["mesh_dir"].startswith("/nonexistent")
    assert missing_extractions(headline_feature_set(), (1, 2, 4), (1, 2, 4)) == [
        ("sizes", f"percentiles at S = {S} are needed: add {S} to sizes") for S in (128, 16, 32, 64, 8)]


def _mesh_dir(tmp_path, files: dict[str, Mesh | str], test=("a/t0.off",)):
    """A user mesh directory: {relative path: mesh or raw text}; train.txt lists all but `test`."""
    for rel, m in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(m, str):
            p.write_text(m)
        else:
            write_off(m, p)
    (tmp_path / "train.txt").write_text("\n".join(r for r in files if r not in test) + "\n")
    (tmp_path / "test.txt").write_text("\n".join(test) + "\n")
    return tmp_path


def test_split_lists(tmp_path):
    cube = Mesh(CUBE_V, CUBE_F)
    d = _mesh_dir(tmp_path, {"a/x.off": cube, "a/t0.off": cube, "b/y.off": cube})
    lists = read_split_lists(d)
    assert list(lists) == ["a", "b"]
    assert lists["a"] == [("a/x.off", "train"), ("a/t0.off", "test")]
    spec = DatasetSpec(mesh_dir=str(d))
    assert spec.class_names() == ["a", "b"] and spec.problems() == []
    (d / "test.txt").write_text("c/z.off\n")
    with pytest.raises(MeshError, match="class 'c' has test meshes but no training meshes"):
        read_split_lists(d)
    (d / "test.txt").write_text("loose.off\n")
    with pytest.raises(MeshError, match=r"test.txt: line 1: 'loose.off' has no class directory"):
        read_split_lists(d)


def test_a_mesh_in_both_split_lists_is_refused_with_the_file_names(tmp_path, capsys):
    """The same file in train.txt and test.txt stops the config check (no mesh read); a copy
    under another name stops the class's meshes job; both name the files."""
    cube = Mesh(CUBE_V, CUBE_F)
    d = _mesh_dir(tmp_path / "m", {"a/x.off": cube, "a/t0.off": Mesh(CUBE_V + 1.0, CUBE_F), "b/y.off": cube})
    (d / "test.txt").write_text("a/t0.off\nb/./y.off\n")  # y.off is also a training mesh
    with pytest.raises(MeshError, match=r"test.txt: 'b/./y.off' is also in .*train.txt \(as 'b/y.off'\)"):
        read_split_lists(d)
    problems = dict(DatasetSpec(mesh_dir=str(d)).problems())
    assert "b/./y.off" in problems["mesh_dir"] and "train.txt" in problems["mesh_dir"]
    write_off(cube, d / "a" / "t0.off")  # now a copy of the training mesh a/x.off
    (d / "test.txt").write_text("a/t0.off\n")
    spec = json.dumps(DatasetSpec(mesh_dir=str(d)).to_params())
    rc = main(["voxel", "meshes", "--dataset", spec, "--class-index", "0", "--out", str(tmp_path / "c00.json")])
    err = capsys.readouterr().err
    assert rc == 2 and "same mesh" in err and str(d / "a" / "t0.off") in err and str(d / "a" / "x.off") in err, err
    assert not (tmp_path / "c00.json").exists()


# ---------------------------------------------------------------------------------------------
# the voxel CLI: bad meshes are named, open meshes warn


BAD_MESHES = {
    "empty": ("", "file is empty"),
    "nan": ("OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n", "NaN or infinite"),
    "range": ("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n", "out of range"),
    "degenerate": ("OFF\n3 1 0\n0 0 0\n1 0 0\n2 0 0\n3 0 1 2\n", "all 1 faces are degenerate"),
    "binary": ("OFF\n\udcff", "cannot read|not a text OFF file|not an OFF"),
}


@pytest.mark.parametrize("kind", sorted(BAD_MESHES))
def test_cli_features_names_a_bad_mesh(tmp_path, capsys, kind):
    text, message = BAD_MESHES[kind]
    bad = tmp_path / "meshes" / "a" / f"{kind}.off"
    bad.parent.mkdir(parents=True)
    if kind == "binary":
        bad.write_bytes(b"OFF\n\xff\xfe\x00garbage")
    else:
        bad.write_text(text)
    manifest = tmp_path / "c00.json"
    manifest.write_text(json.dumps({"meshes": [{"mesh_id": 0, "label": "a", "split": "train", "file": str(bad)}]}))
    spec = json.dumps(DatasetSpec(copies=1, sizes=(1, 2), raw_sizes=(1,)).to_params())
    rc = main(["voxel", "features", "--dataset", spec, "--manifest", str(manifest), "--part", "0",
               "--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert rc == 2 and str(bad) in err, err
    assert any(m in err for m in message.split("|")), err
    assert not (tmp_path / "x.npz").exists()


def test_cli_meshes_checks_user_meshes(tmp_path, capsys):
    cube = Mesh(CUBE_V, CUBE_F)
    moved = Mesh(CUBE_V + 1.0, CUBE_F)  # not a copy of x.off: a copy would be refused as a train/test overlap
    d = _mesh_dir(tmp_path / "m", {"a/x.off": cube, "a/t0.off": moved, "b/y.off": "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 9\n"})
    spec = json.dumps(DatasetSpec(mesh_dir=str(d)).to_params())
    out = tmp_path / "c00.json"
    assert main(["voxel", "meshes", "--dataset", spec, "--class-index", "0", "--out", str(out)]) == 0
    entries = json.loads(out.read_text())["meshes"]
    assert [(e["mesh_id"], e["split"]) for e in entries] == [(0, "train"), (1, "test")]
    rc = main(["voxel", "meshes", "--dataset", spec, "--class-index", "1", "--out", str(tmp_path / "c01.json")])
    err = capsys.readouterr().err
    assert rc == 2 and str(d / "b" / "y.off") in err and "out of range" in err


def test_open_mesh_is_accepted_with_a_warning(tmp_path, capsys):
    open_box = Mesh(CUBE_V, CUBE_F[2:])  # one side missing
    p = tmp_path / "a" / "open.off"
    p.parent.mkdir()
    write_off(open_box, p)
    with pytest.warns(UserWarning, match="open mesh"):
        extract_chunk([MeshEntry(0, "a", "train", str(p))], 1, 0, "haar", (1, 2), (1,), tmp_path / "o.npz")
    store = FeatureStore.load([tmp_path / "o.npz"], identities=True)
    res, _ = store.identity_table()
    names = list(IDENTITIES)
    assert np.isnan(res[0, :, names.index("VE")]).all()       # needs a closed surface
    assert (res[0, :, names.index("SA")] < 1e-6).all()         # holds on any surface
    assert main(["voxel", "check-mesh", str(p)]) == 0
    assert "usable with warnings" in capsys.readouterr().out


def test_d1_user_mesh_is_checked_cheaply_and_named_by_its_job(tmp_path, capsys):
    """Issue 12 item 9: the config check parsed the `mesh:` file on every `snakemake` start
    (2M faces: 12 s, 1.3 GB). Now it checks the file is there and is OFF/PLY; the compute job
    reads it and names it when it is bad."""
    from deeprates.config import ConfigError
    from deeprates.figures import voxel_feature_examples as d1

    params = {"dataset": {}, "S": 24, "part": "machined_plate", "part_seed": 0}
    with pytest.raises(ConfigError, match=r"figures.voxel-feature-examples.mesh: .*absent.off is not an OFF/PLY file"):
        d1.check_params({**params, "mesh": str(tmp_path / "absent.off")})
    bad = tmp_path / "elbow.off"
    bad.write_text("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 9\n")
    d1.check_params({**params, "mesh": str(bad)})  # not parsed here
    d1.check_params({**params, "mesh": None})
    rc = main(["compute", "voxel-feature-examples", "example", "--params", json.dumps({**params, "mesh": str(bad)}),
               "--device", "cpu", "--out", str(tmp_path / "example.json")])
    err = capsys.readouterr().err
    assert rc == 2 and f"{bad}: face 0 refers to vertex 9" in err, err


def test_user_files_are_inputs_of_the_jobs_that_read_them(tmp_path):
    """Issue 12 item 4: replacing a user mesh or editing a split list left the old features."""
    import deeprates.workflow_support as ws

    cube = Mesh(CUBE_V, CUBE_F)
    d = _mesh_dir(tmp_path, {"a/x.off": cube, "a/t0.off": cube, "b/y.off": cube})
    spec = DatasetSpec(mesh_dir=str(d))
    lists = [str(d / "train.txt"), str(d / "test.txt")]
    assert spec.source_files(0) == lists + [str(d / "a" / "x.off"), str(d / "a" / "t0.off")]
    assert spec.source_files(1) == lists + [str(d / "b" / "y.off")]
    assert spec.mesh_files(1) == [str(d / "b" / "y.off")]  # what a features job reads
    assert DatasetSpec().source_files(0) == DatasetSpec().mesh_files(0) == []  # generated meshes
    cfg = {"figures": {"voxel-feature-examples": {"mesh": str(d / "a" / "x.off"), "S": 24}}}
    assert ws.user_files(cfg, "voxel-feature-examples") == [str(d / "a" / "x.off")]


# ---------------------------------------------------------------------------------------------
# identities


def test_identity_residuals_are_small_and_catch_errors(sample_meshes):
    m = sample_meshes["bolt"]
    R = quaternion_matrix([0.2, 0.7, -0.3, 0.5])
    inv = mesh_invariants(m.vertices, m.faces)
    vr = m.vertices @ R.T
    scale = GRID_FILL * 16 / np.ptp(vr, axis=0).max()
    vf = compute_features(normalize_to_grid(m.vertices, 16, R), m.faces, 16)
    res = identity_residuals(vf, inv, scale, R)
    assert set(res) == set(IDENTITIES) and max(res.values()) < 1e-6, res
    # the checker is not vacuous: a wrong rotation breaks QF, a wrong scale breaks SA / VE / EAD
    assert identity_residuals(vf, inv, scale, np.eye(3))["QF"] > 1e-3
    wrong = identity_residuals(vf, inv, scale * 1.001, R)
    assert min(wrong["SA"], wrong["VE"], wrong["EAD"]) > 1e-4
    vals = vf.values.copy()
    vals[0, 11] += 0.01  # one eigenvalue off
    bad = type(vf)(vf.S, vf.xyz, vals)
    assert identity_residuals(bad, inv, scale, R)["EV"] > 1e-4


# ---------------------------------------------------------------------------------------------
# feature sets, store, symmetrisation, tiny end to end


def test_feature_set_counts():
    counts = {name: n_features(feature_set(name)) for name in FEATURE_SETS}
    assert counts["all"] == 2369 and counts["global"] == 14
    # headline structure per kind: S=2 voxel+hist, S=4 voxel+haar+hist, S>=8 hist (no Bool there)
    for kind, d in {"Bool": 1, "SA": 1, "AN": 3, "QF": 6, "EV": 3, "VAD": 1, "EAD": 1, "VE": 1}.items():
        fine = 0 if kind == "Bool" else 5 * 5 * d
        assert counts[kind] == (8 + 5 + 64 + 64 + 5) * d + fine == n_features(single_kind_feature_set(kind))
    assert counts["EV"] == 513 and counts["QF"] == 1026
    assert n_features(raw_feature_set(16, ("QF",))) == 6 * 4096


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    """3 classes x (3 train + 2 test) generated meshes, 2 copies each, grids 1..8, two chunks."""
    tmp = tmp_path_factory.mktemp("store")
    entries, meshes = [], {}
    for ci, c in enumerate(TINY_CLASSES):
        for k in range(5):
            g = generate_mesh(c, 100 + k)
            p = tmp / c / f"{k}.off"
            p.parent.mkdir(exist_ok=True)
            write_off(g.mesh, p)
            e = MeshEntry(5 * ci + k, c, "train" if k < 3 else "test", str(p))
            entries.append(e)
            meshes[e.mesh_id] = g.mesh
    extract_chunk(entries[:7], 2, 3, "paper", SIZES, (1, 2, 4, 8), tmp / "c0.npz")
    extract_chunk(entries[7:], 2, 3, "paper", SIZES, (1, 2, 4, 8), tmp / "c1.npz")
    paths = [tmp / "c0.npz", tmp / "c1.npz"]
    return FeatureStore.load(paths, identities=True), meshes, paths


def test_store_matches_direct_protocol(tiny_store):
    store, meshes, _ = tiny_store
    blocks = (FeatureBlock(1, "voxel"), FeatureBlock(2, "voxel", ("SA", "QF")), FeatureBlock(4, "haar", ("EV",)),
              FeatureBlock(4, "hist"), FeatureBlock(8, "hist", ("VAD",)), FeatureBlock(8, "haar", ("VE",)))
    X = store.matrix(blocks)
    assert X.shape == (30, n_features(blocks))
    for mid in (0, 7, 14):
        rows = np.flatnonzero(store.mesh_id == mid)
        R = copy_rotations(2, 3, mid, "paper")
        direct = mesh_feature_vectors(meshes[mid].vertices, meshes[mid].faces, R, blocks)
        np.testing.assert_allclose(X[rows], direct, rtol=1e-12, atol=1e-12)
    assert len(feature_names(blocks)) == X.shape[1]
    # the sparse assembly of raw blocks equals the dense one
    raw = raw_feature_set(8, ("QF", "SA"))
    np.testing.assert_array_equal(store.matrix(raw, np.arange(5), sparse=True).toarray(), store.matrix(raw, np.arange(5)))
    res, sizes = store.identity_table()
    assert list(sizes) == list(SIZES) and res.shape == (30, 8, len(IDENTITIES)) and np.nanmax(res) < 1e-6


def test_store_loads_only_what_is_asked(tiny_store):
    _, _, paths = tiny_store
    sub = FeatureStore.load(paths, blocks=global_feature_set())
    assert set(sub.arrays) == {"dense_S1", "sizes"}
    with pytest.raises(KeyError, match="raw_S16"):
        FeatureStore.load(paths, blocks=raw_feature_set(16, ("EV",)))
    with pytest.raises(ValueError, match="mesh order"):
        FeatureStore.load(paths[::-1], blocks=global_feature_set())


def test_tiny_end_to_end_classification(tiny_store):
    store, _, _ = tiny_store
    r = run_feature_set(store, "all", seed=1, num_rounds=8, keep_probabilities=True)
    assert r["n_features"] == 2369 and r["n_test_meshes"] == 6 and r["classes"] == list(TINY_CLASSES)
    assert all(len(v) == 8 for v in r["history"].values())
    assert 0.0 <= r["symmetrised_error"] <= 1.0
    assert sum(c for _, c in r["importances"]) == r["n_splits"] > 0
    # symmetrised probabilities are the mean over each test mesh's copies, and give the error
    P = np.asarray(r["probabilities"])
    assert P.shape == (6, 3) and np.allclose(P.sum(axis=1), 1)
    assert r["symmetrised_error"] == pytest.approx(np.mean(P.argmax(axis=1) != r["test_labels"]))
    again = run_feature_set(store, "all", seed=1, num_rounds=8)
    assert again["history"]["symmetrised"].tolist() == r["history"]["symmetrised"].tolist()
    raw = run_raw(store, 1, ["EV"], "voxel", seed=2, num_rounds=5, max_depth=3)
    haar = run_raw(store, 1, ["EV"], "haar", seed=2, num_rounds=5, max_depth=3)
    assert raw["symmetrised_error"] == haar["symmetrised_error"]  # the 1-voxel Haar transform is the identity


def test_symmetrise_averages_copies():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=12)
    groups = np.repeat([5, 2, 9], 4)
    s, ids = symmetrise(p, groups)
    assert ids.tolist() == [2, 5, 9]
    for i, g in enumerate(ids):
        assert np.allclose(s[i], p[groups == g].mean(axis=0))
    assert math.isclose(s.sum(), 3.0)


def test_staged_probabilities_match_lightgbm_round_by_round():
    from deeprates.voxel.classify import staged_probabilities, train_boosted_trees

    rng = np.random.default_rng(4)
    X = rng.normal(size=(90, 5))
    y = (X[:, 0] + 0.5 * rng.normal(size=90) > 0).astype(int) + (X[:, 1] > 1)
    b = train_boosted_trees(X, y, 3, seed=3, num_rounds=12)
    P = staged_probabilities(b, X)
    assert P.shape == (12, 90, 3)
    for k in range(1, b.current_iteration() + 1):
        np.testing.assert_allclose(P[k - 1], b.predict(X, num_iteration=k), rtol=1e-10, atol=1e-12)
