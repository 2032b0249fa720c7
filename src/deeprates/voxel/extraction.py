"""Feature extraction for the classification protocol of arXiv:1701.04249, stored for reuse.

One pass over a mesh's rotated copies computes the engine at every grid size the figures need and
keeps, per copy, what any feature set can be assembled from later without touching the mesh again:

- `hist`: the percentiles 0/25/50/75/100 of all 17 columns at every size S in `sizes`;
- `raw`:  the voxel grid at each S in `raw_sizes` (dense (17, S^3) for S <= DENSE_MAX_S, else the
  list of non-empty voxels, since at S = 16 about 90 % of the grid is empty);
- the relative residuals of the engine's global identities (identities.py) at every S, so every
  copy of every mesh is checked, not a sample.

Haar coefficients are computed from the raw grid when a feature set asks for them (they are a
fixed orthonormal transform of it). `FeatureStore` concatenates the chunk files of a data set and
builds the matrix of any tuple of `classify.FeatureBlock`s, in `classify.feature_names` order.
Rows are copies, mesh-major (a mesh's copies are contiguous).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from deeprates.atomic_io import read_npz, write_npz

from .aggregates import PERCENTILES, haar_matrix
from .classify import n_features, random_rotations
from .features import N_COLUMNS, compute_features, surface_angles
from .identities import IDENTITIES, identity_residuals, mesh_invariants
from .mesh import GRID_FILL, normalize_to_grid

__all__ = ["DENSE_MAX_S", "extract_copies", "extract_chunk", "save_chunk", "FeatureStore", "copy_rotations",
           "missing_extractions"]

# Raw grids up to this size are stored dense (17 * 8^3 = 8704 values per copy); larger ones as
# voxel lists.
DENSE_MAX_S = 8


def copy_rotations(n_copies: int, seed: int, mesh_key: int, distribution: str) -> np.ndarray:
    """The rotations of one mesh's copies, from SeedSequence([seed, mesh_key]): they do not depend
    on the other meshes, the chunking or the order of extraction."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(mesh_key)]))
    return random_rotations(n_copies, rng, distribution)


def extract_copies(vertices: np.ndarray, faces: np.ndarray, rotations: np.ndarray,
                   sizes, raw_sizes) -> dict[str, np.ndarray]:
    """Features of one mesh under each rotation: {"hist_S{S}": (n, 17, 5) float64,
    "dense_S{S}": (n, 17, S^3) float32, "sparse_S{S}": list of (xyz int16 (k, 3), values float32
    (k, 17)) per copy, "identities": (n, len(sizes), len(IDENTITIES)) float64}."""
    sizes = sorted({int(s) for s in sizes} | {int(s) for s in raw_sizes})
    raw_sizes = sorted({int(s) for s in raw_sizes})
    inv = mesh_invariants(vertices, faces)
    angles = surface_angles(vertices, faces)
    n = len(rotations)
    out: dict = {f"hist_S{S}": np.empty((n, N_COLUMNS, len(PERCENTILES))) for S in sizes}
    for S in raw_sizes:
        if S <= DENSE_MAX_S:
            out[f"dense_S{S}"] = np.zeros((n, N_COLUMNS, S ** 3), dtype=np.float32)
        else:
            out[f"sparse_S{S}"] = []
    ident = np.empty((n, len(sizes), len(IDENTITIES)))
    for r, R in enumerate(rotations):
        vr = vertices @ np.asarray(R, dtype=np.float64).T
        extent = float((vr.max(axis=0) - vr.min(axis=0)).max())
        for j, S in enumerate(sizes):
            v = normalize_to_grid(vertices, S, R)
            vf = compute_features(v, faces, S, angles=angles)
            out[f"hist_S{S}"][r] = np.percentile(vf.values.astype(np.float64), PERCENTILES, axis=0).T
            res = identity_residuals(vf, inv, GRID_FILL * S / extent, R)
            ident[r, j] = [res[k] for k in IDENTITIES]
            if S in raw_sizes:
                x, y, z = (vf.xyz[:, i].astype(np.int64) for i in range(3))
                if S <= DENSE_MAX_S:
                    out[f"dense_S{S}"][r][:, x + S * y + S * S * z] = vf.values.T
                else:
                    out[f"sparse_S{S}"].append((vf.xyz.astype(np.int16), vf.values))
    out["identities"] = ident
    out["sizes"] = np.array(sizes)
    return out


def save_chunk(path: str | os.PathLike, per_mesh: list[dict], meta: dict) -> None:
    """Write the features of a chunk of meshes (list of `extract_copies` outputs) as one npz.

    `meta` holds per-mesh arrays: "mesh_id" (global index), "label", "split", "file"."""
    n_copies = np.array([len(m["identities"]) for m in per_mesh])
    arrays: dict[str, np.ndarray] = {"n_copies": n_copies, "sizes": per_mesh[0]["sizes"]}
    for k, v in meta.items():
        arrays[f"meta_{k}"] = np.asarray(v)
    keys = [k for k in per_mesh[0] if k != "sizes"]
    for k in keys:
        if k.startswith("sparse_"):
            copies = [c for m in per_mesh for c in m[k]]
            counts = np.array([len(xyz) for xyz, _ in copies])
            arrays[f"{k}_offsets"] = np.r_[0, np.cumsum(counts)]
            arrays[f"{k}_xyz"] = np.concatenate([xyz for xyz, _ in copies])
            arrays[f"{k}_values"] = np.concatenate([v for _, v in copies])
        else:
            arrays[k] = np.concatenate([m[k] for m in per_mesh])
    write_npz(path, **arrays)


def _batched_haar(grid: np.ndarray, S: int) -> np.ndarray:
    """Orthonormal 3-D Haar coefficients of (n, c, S^3) grids (flat x + S*y + S^2*z) in the layout
    of aggregates.haar_coefficients (flat hz*S^2 + hy*S + hx)."""
    H = haar_matrix(S)
    g = grid.reshape(grid.shape[0], grid.shape[1], S, S, S)  # [n, c, z, y, x]
    g = np.einsum("az,nczyx->ncayx", H, g)
    g = np.einsum("by,ncayx->ncabx", H, g)
    g = np.einsum("cx,nkabx->nkabc", H, g)
    return g.reshape(grid.shape[0], grid.shape[1], S ** 3)


@dataclass
class FeatureStore:
    """The features of a data set: all chunks concatenated, rows = copies (mesh-major)."""

    arrays: dict[str, np.ndarray]
    mesh_id: np.ndarray      # per row: global mesh index
    label: np.ndarray        # per row: class name
    split: np.ndarray        # per row: "train" or "test"
    mesh_meta: dict[str, np.ndarray]  # per mesh (first row of each), e.g. "file"

    @classmethod
    def load(cls, paths, blocks=None, identities: bool = False) -> "FeatureStore":
        """Concatenate chunk files (in mesh order). With `blocks`, only the arrays those feature
        blocks need are read (and the identity residuals if `identities`)."""
        wanted = None if blocks is None else _arrays_for(blocks) | ({"identities"} if identities else set())
        parts = []
        for p in paths:
            # read_npz names the file (and moves it aside for a rebuild) when it is damaged
            parts.append(read_npz(p, lambda k: k.startswith("meta_") or k in ("n_copies", "sizes")
                                  or wanted is None or _array_base(k) in wanted))
        if not parts:
            raise ValueError("no feature chunks given")
        n_copies = np.concatenate([p["n_copies"] for p in parts])
        arrays: dict[str, np.ndarray] = {}
        for k in parts[0]:
            if k.startswith(("meta_", "sparse_")) or k in ("n_copies", "sizes"):
                continue
            arrays[k] = np.concatenate([p[k] for p in parts])
        for k in [k[:-len("_offsets")] for k in parts[0] if k.endswith("_offsets")]:
            offs, xyz, vals, base = [np.zeros(1, dtype=np.int64)], [], [], 0
            for p in parts:
                offs.append(p[f"{k}_offsets"][1:] + base)
                base += int(p[f"{k}_offsets"][-1])
                xyz.append(p[f"{k}_xyz"])
                vals.append(p[f"{k}_values"])
            arrays[f"{k}_offsets"] = np.concatenate(offs)
            arrays[f"{k}_xyz"] = np.concatenate(xyz)
            arrays[f"{k}_values"] = np.concatenate(vals)
        arrays["sizes"] = parts[0]["sizes"]
        meta = {k[5:]: np.concatenate([p[k] for p in parts]) for k in parts[0] if k.startswith("meta_")}
        if np.any(np.diff(meta["mesh_id"]) <= 0):
            raise ValueError("feature chunks must be given in mesh order")
        missing = sorted((wanted or set()) - {_array_base(k) for k in arrays} - {"identities"})
        if missing:
            raise KeyError(f"the feature chunks lack {missing}: extract them (data set sizes / raw_sizes)")

        def rows(a):  # per mesh -> per row
            return np.repeat(a, n_copies)

        return cls(arrays, rows(meta["mesh_id"]), rows(meta["label"]).astype(str),
                   rows(meta["split"]).astype(str), meta)

    @property
    def n_rows(self) -> int:
        return len(self.mesh_id)

    def rows(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == split)

    def raw_grid(self, S: int, columns, rows=None) -> np.ndarray:
        """(n_rows, len(columns), S^3) float32 voxel grids (flat x + S*y + S^2*z)."""
        rows = np.arange(self.n_rows) if rows is None else np.asarray(rows)
        cols = list(columns)
        if f"dense_S{S}" in self.arrays:
            return self.arrays[f"dense_S{S}"][rows][:, cols, :]
        if f"sparse_S{S}_offsets" not in self.arrays:
            raise KeyError(f"raw grids at S = {S} were not extracted (add {S} to the data set's raw sizes)")
        offs = self.arrays[f"sparse_S{S}_offsets"]
        xyz = self.arrays[f"sparse_S{S}_xyz"].astype(np.int64)
        vals = self.arrays[f"sparse_S{S}_values"]
        out = np.zeros((len(rows), len(cols), S ** 3), dtype=np.float32)
        for i, r in enumerate(rows):
            a, b = offs[r], offs[r + 1]
            flat = xyz[a:b, 0] + S * xyz[a:b, 1] + S * S * xyz[a:b, 2]
            out[i][:, flat] = vals[a:b][:, cols].T
        return out

    def _raw_csr(self, S: int, columns, rows):
        """Raw voxel grids stored as voxel lists, as a scipy CSR matrix (n_rows, len(columns) * S^3)
        in feature_names order (column-major: column c, then voxel x + S*y + S^2*z)."""
        from scipy import sparse

        offs = self.arrays[f"sparse_S{S}_offsets"]
        starts, stops = offs[rows], offs[np.asarray(rows) + 1]
        counts = stops - starts
        idx = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
        xyz = self.arrays[f"sparse_S{S}_xyz"][idx].astype(np.int64)
        flat = xyz[:, 0] + S * xyz[:, 1] + S * S * xyz[:, 2]
        vals = self.arrays[f"sparse_S{S}_values"][idx][:, list(columns)].astype(np.float64)
        nc = len(columns)
        row_of = np.repeat(np.arange(len(rows)), counts)
        r = np.repeat(row_of, nc)
        c = (np.arange(nc)[None, :] * S ** 3 + flat[:, None]).ravel()
        m = sparse.csr_matrix((vals.ravel(), (r, c)), shape=(len(rows), nc * S ** 3))
        m.eliminate_zeros()
        m.sort_indices()
        return m

    def matrix(self, blocks, rows=None, sparse: bool = False):
        """(n_rows, n_features) float64 feature matrix of `blocks` in classify.feature_names order.

        With `sparse`, a scipy CSR matrix built without the dense grids (for raw voxel blocks at
        large S: at S = 32 a dense QF block is 196608 columns per copy)."""
        rows = np.arange(self.n_rows) if rows is None else np.asarray(rows)
        blocks = tuple(blocks)
        if sparse:
            from scipy import sparse as sp

            parts = []
            for b in blocks:
                if b.aggregate == "voxel" and f"sparse_S{b.S}_offsets" in self.arrays:
                    parts.append(self._raw_csr(b.S, b.columns, rows))
                else:
                    parts.append(sp.csr_matrix(self.matrix((b,), rows)))
            return sp.hstack(parts, format="csr")
        X = np.empty((len(rows), n_features(blocks)))
        pos = 0
        for b in blocks:
            if b.aggregate == "hist":
                if f"hist_S{b.S}" not in self.arrays:
                    raise KeyError(f"percentiles at S = {b.S} were not extracted (add {b.S} to the data set's sizes)")
                part = self.arrays[f"hist_S{b.S}"][rows][:, b.columns, :]
            else:
                part = self.raw_grid(b.S, b.columns, rows).astype(np.float64)
                if b.aggregate == "haar":
                    part = _batched_haar(part, b.S)
            X[:, pos:pos + b.size] = part.reshape(len(rows), -1)
            pos += b.size
        return X

    def identity_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(residuals (n_rows, n_sizes, n_identities), sizes)."""
        return self.arrays["identities"], self.arrays["sizes"]


def _array_base(name: str) -> str:
    """'sparse_S16_xyz' -> 'raw_S16'; 'dense_S4' -> 'raw_S4'; 'hist_S8' -> 'hist_S8'."""
    if name.startswith(("dense_", "sparse_")):
        return "raw_" + name.split("_")[1]
    return name


def _arrays_for(blocks) -> set[str]:
    return {f"hist_S{b.S}" if b.aggregate == "hist" else f"raw_S{b.S}" for b in blocks}


def missing_extractions(blocks, sizes, raw_sizes) -> list[tuple[str, str]]:
    """(key, message) for what an extraction with these sizes lacks to build `blocks`."""
    hist = set(sizes) | set(raw_sizes)
    out = set()
    for b in blocks:
        if b.aggregate == "hist" and b.S not in hist:
            out.add(("sizes", f"percentiles at S = {b.S} are needed: add {b.S} to sizes"))
        elif b.aggregate != "hist" and b.S not in set(raw_sizes):
            out.add(("raw_sizes", f"raw grids at S = {b.S} are needed: add {b.S} to raw_sizes"))
    return sorted(out)


def extract_chunk(entries, copies: int, seed: int, rotation: str, sizes, raw_sizes, out_path,
                  progress=None) -> None:
    """Read each mesh of `entries` (dataset.MeshEntry), extract its rotated copies and write the
    chunk's npz. A mesh file that cannot be used raises mesh.MeshError naming it."""
    from .mesh import read_mesh

    progress = progress or (lambda items, desc: items)
    per_mesh = []
    for e in progress(list(entries), "meshes"):
        mesh = read_mesh(e.file)
        rots = copy_rotations(copies, seed, e.mesh_id, rotation)
        per_mesh.append(extract_copies(mesh.vertices, mesh.faces, rots, sizes, raw_sizes))
    meta = {
        "mesh_id": [e.mesh_id for e in entries],
        "label": [e.label for e in entries],
        "split": [e.split for e in entries],
        "file": [e.file for e in entries],
    }
    save_chunk(out_path, per_mesh, meta)
