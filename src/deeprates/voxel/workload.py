"""What the voxel stages' cost grows with, read off a data set's meshes before any stage runs
(deeprates.cost.drivers: the meshes and feature-chunk jobs, the raw-grid boosters).

The voxel engine (features.compute_features) visits every face of a mesh at every grid size S
and clips it into voxel pieces, about as many as the surface's area in voxel faces: a mesh of
area A at S = 1 covers ~A S^2 voxels at size S. A is taken as the stages take it: each rotated
copy is scaled so that its rotated bounding box's longest side is 0.9 S (mesh.normalize_to_grid),
so A is averaged over rotations of the data set's distribution (a long pin's area in grid units
depends on how it lies in the box: 4 copies of 24 meshes timed at S = 1..128 fit A S^2 + F / 2
within 0.88-1.17 with this A, within 0.60-1.24 with the unrotated one).
The classes' meshes differ 6x in that area (a long pin against a housing), so a class's cost is
its meshes' geometry, not a count of meshes. Kept out of dataset.py: the voxel commands' code
fingerprints (workflow_support.command_fingerprint) cover that module, and a cost estimate must
not make their outputs stale.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .classify import random_rotations
from .dataset import DatasetSpec
from .mesh import face_areas, normalize_to_grid, read_mesh
from .shapes import generate_mesh

__all__ = ["class_geometry", "mean_geometry", "mesh_stage_us_per_face"]

# The meshes stage's CPU per face: generating a class's mesh (shapes.generate_mesh, and writing
# it as OFF) costs per face what its construction costs (a gear's polar outline and a housing's
# holes cost 2-3x a plate's extrusion), reading and checking a user's mesh the same for every
# class. Single thread here, 12 meshes of each class at generator seeds 1000-1011 (outside
# every configured data set), and those 144 meshes read back as OFF and validated.
GENERATOR_US_PER_FACE = {
    "elbow_90": 10.4, "elbow_other": 8.6, "pipe": 8.2, "long_pin": 5.2, "bolt": 6.7, "disc_flange": 6.9,
    "gear": 9.8, "l_block": 7.1, "u_part": 8.2, "machined_plate": 5.2, "thin_plate": 5.0, "rect_housing": 13.9,
}
READ_US_PER_FACE = 4.2

# Rotations the area is averaged over.
ROTATIONS = 16


@functools.lru_cache(maxsize=8)
def _rotations(distribution: str) -> np.ndarray:
    return random_rotations(ROTATIONS, np.random.default_rng(0), distribution)


def _geometry(vertices, faces, distribution: str) -> tuple[int, float]:
    area = np.mean([face_areas(normalize_to_grid(vertices, 1, R), faces).sum() for R in _rotations(distribution)])
    return len(faces), float(area)


@functools.lru_cache(maxsize=4096)
def _generated(label: str, seed: int, distribution: str) -> tuple[int, float]:
    m = generate_mesh(label, seed).mesh
    return _geometry(m.vertices, m.faces, distribution)


@functools.lru_cache(maxsize=4096)
def _from_file(path: str, mtime_ns: int, distribution: str) -> tuple[int, float]:
    m = read_mesh(path)
    return _geometry(m.vertices, m.faces, distribution)


def class_geometry(spec: DatasetSpec, label: str, items) -> list[tuple[int, float]]:
    """(faces, area at S = 1 averaged over rotations of the data set's distribution) of each mesh
    of one class, `items` its entries of spec.class_members(). Generated meshes are rebuilt with
    make_class_manifest's seed rule (~22 ms each: the paper's 864 took 18.7 s of CPU here, once
    per process); a user's are read."""
    return [_generated(label, int(spec.seed) * 100003 + k, spec.rotation) if src is None
            else _from_file(str(src), Path(src).stat().st_mtime_ns, spec.rotation)
            for k, (src, _) in enumerate(items)]


def mean_geometry(geometry: list[tuple[int, float]]) -> dict:
    """{"faces", "area"}: the means over some meshes' (faces, area) (a class's, a chunk's)."""
    if not geometry:
        return {"faces": 0.0, "area": 0.0}
    n = len(geometry)
    return {"faces": round(sum(f for f, _ in geometry) / n, 4), "area": round(sum(a for _, a in geometry) / n, 4)}


def mesh_stage_us_per_face(spec: DatasetSpec, label: str) -> float:
    """CPU microseconds per face of a class's meshes stage (GENERATOR_US_PER_FACE)."""
    return READ_US_PER_FACE if spec.mesh_dir else GENERATOR_US_PER_FACE[label]
