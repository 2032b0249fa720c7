"""`deeprates voxel features MESH|FOLDER ...`: the voxel features of arXiv:1701.04249 for your own
meshes, without the pipeline.

Two outputs:
- default: the percentiles 0/25/50/75/100 of all 17 feature columns at each grid size S given
  (`--S 8 32`), 85 numbers per S and mesh copy;
- `--headline`: the paper's 2369-feature vector (raw voxels at S = 2, 4, Haar coefficients at
  S = 4, percentiles at S = 2 ... 128), the one the classification figures use.
Each mesh is normalised as in the paper (bounding box centred, longest side 0.9 S) after an
optional rotation: `--rotation none` (the mesh as given, one copy), or `haar` / `paper` random
rotations (`--copies` per mesh, from `--seed` and the mesh's position in the list).
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from .classify import FeatureBlock, feature_names, headline_feature_set
from .extraction import FeatureStore, copy_rotations, extract_copies, save_chunk
from .features import KINDS
from .mesh import MESH_SUFFIXES, MeshError, read_mesh

HEADLINE_SIZES = (2, 4, 8, 16, 32, 64, 128)
HEADLINE_RAW = (2, 4)


def mesh_files(paths) -> list[Path]:
    """The mesh files named, and those under folders named (recursively, sorted)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in MESH_SUFFIXES and f.is_file())
            if not found:
                raise MeshError(f"{p}: no {'/'.join(s[1:].upper() for s in MESH_SUFFIXES)} files in this folder")
            out += found
        else:
            out.append(p)
    return out


def announce_compilation(log=print) -> None:
    """The engine is compiled by numba on first use (about 10-20 s) and cached on disk after: say
    so before the first call rather than sit silent."""
    from . import features

    cache_dir = Path(os.environ.get("NUMBA_CACHE_DIR") or Path(features.__file__).parent / "__pycache__")
    if not list(cache_dir.rglob("features._voxel_features_kernel*.nbi")):
        log("compiling the voxel engine (numba, first use only: 10-20 s; cached for later runs)")


def compute(paths, sizes=(8,), headline=False, rotation="none", copies=1, seed=0, log=print):
    """(feature matrix (n_meshes x copies, n_features), feature names, per-row mesh file)."""
    files = mesh_files(paths)
    if rotation == "none" and copies != 1:
        raise ValueError("--rotation none gives one copy per mesh; ask for --rotation haar or paper")
    if headline:
        blocks, hist_sizes, raw_sizes = headline_feature_set(), HEADLINE_SIZES, HEADLINE_RAW
    else:
        blocks = tuple(FeatureBlock(int(S), "hist", KINDS) for S in sizes)
        hist_sizes, raw_sizes = tuple(int(S) for S in sizes), ()
    announce_compilation(log)
    per_mesh = []
    for i, f in enumerate(files):
        mesh = read_mesh(f)
        rots = np.eye(3)[None] if rotation == "none" else copy_rotations(copies, seed, i, rotation)
        per_mesh.append(extract_copies(mesh.vertices, mesh.faces, rots, hist_sizes, raw_sizes))
        log(f"[{i + 1}/{len(files)}] {f}: {mesh.n_faces} faces")
    meta = {"mesh_id": list(range(len(files))), "label": [f.parent.name for f in files],
            "split": ["user"] * len(files), "file": [str(f) for f in files]}
    with tempfile.TemporaryDirectory() as tmp:
        chunk = Path(tmp) / "features.npz"
        save_chunk(chunk, per_mesh, meta)
        store = FeatureStore.load([chunk], blocks)
        X = store.matrix(blocks)
    rows = [str(f) for f, m in zip(files, per_mesh) for _ in range(len(m["identities"]))]
    return X, feature_names(blocks), rows


def write(path, X, names, rows) -> None:
    """.npz (features, names, files) or .csv (a header, one row per mesh copy)."""
    path = Path(path)
    if path.suffix == ".npz":
        np.savez_compressed(path, features=X, names=np.array(names), files=np.array(rows))
    elif path.suffix == ".csv":
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["file", *names])
            for r, x in zip(rows, X):
                w.writerow([r, *(repr(float(v)) for v in x)])
    else:
        raise ValueError(f"{path}: write .npz or .csv")


def log_to_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
