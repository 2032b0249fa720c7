"""A shape classification data set on disk: which meshes, their split, and where the stages of the
protocol (meshes -> features) keep their files.

A `DatasetSpec` is the plain description of a data set and of its feature extraction (arXiv:1701.04249,
Section 4: rotated copies, grid sizes). Meshes come either from the procedural generator
(shapes.py; `n_train` + `n_test` per class) or from a user directory `mesh_dir` holding `train.txt`
and `test.txt`, one mesh path per line relative to `mesh_dir`, the class being the path's parent
directory (the format of the ESB split lists, e.g. "Solid Of Revolution/90 degree elbows/1309429.off").

Work is split per class (`meshes` stage: one manifest per class) and per chunk of at most
`chunk_size` meshes of a class (`features` stage: one npz per chunk), so both fan out. File names
use the class index (c03), never the class name, which may hold spaces or slashes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .mesh import MeshError, check_split_disjoint, read_mesh, validate
from .shapes import CLASSES, generate_mesh, save_dataset

__all__ = ["DatasetSpec", "MeshEntry", "read_split_lists", "make_class_manifest", "read_manifest", "config_problems",
           "DEFAULT_SIZES"]

DEFAULT_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
SPLITS = ("train", "test")
MESH_SUFFIXES = (".off", ".ply")


@dataclass(frozen=True)
class MeshEntry:
    mesh_id: int      # global index: class-major, train before test
    label: str
    split: str
    file: str         # path of the mesh file (generated ones: beside the class manifest)


def read_split_lists(mesh_dir: str | os.PathLike) -> dict[str, list[tuple[str, str]]]:
    """{class: [(relative path, split), ...]} from <mesh_dir>/train.txt and test.txt, classes in
    sorted order, train before test within a class. Raises MeshError naming the file on problems."""
    root = Path(mesh_dir)
    if not root.is_dir():
        raise MeshError(f"{root}: mesh directory not found")
    by_class: dict[str, list[tuple[str, str]]] = {}
    for split in SPLITS:
        lst = root / f"{split}.txt"
        try:
            lines = lst.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise MeshError(f"{lst}: cannot read the {split} list ({exc.strerror or exc}); a mesh "
                            "directory needs train.txt and test.txt, one mesh path per line") from exc
        for n, line in enumerate(lines, start=1):
            rel = line.strip()
            if not rel or rel.startswith("#"):
                continue
            if Path(rel).suffix.lower() not in MESH_SUFFIXES:
                raise MeshError(f"{lst}: line {n}: {rel!r} is not an .off or .ply file")
            cls = str(Path(rel).parent)
            if cls in ("", "."):
                raise MeshError(f"{lst}: line {n}: {rel!r} has no class directory (expected <class>/<file>)")
            by_class.setdefault(cls, []).append((rel, split))
    if not by_class:
        raise MeshError(f"{root}: train.txt and test.txt list no meshes")
    # A mesh in both lists makes the test error partly a training error. The same file is caught
    # here, when the config is checked, without reading any mesh; a copy under another name is
    # caught by the class's meshes job, which reads them (make_class_manifest).
    listed = [item for items in by_class.values() for item in items]
    trained = {(root / rel).resolve(): rel for rel, split in listed if split == "train"}
    for rel, split in listed:
        if split == "test" and (root / rel).resolve() in trained:
            raise MeshError(f"{root / 'test.txt'}: {rel!r} is also in {root / 'train.txt'} (as "
                            f"{trained[(root / rel).resolve()]!r}); a mesh is either trained or tested on")
    out = {}
    for cls in sorted(by_class):
        items = sorted(by_class[cls], key=lambda t: SPLITS.index(t[1]))
        if not any(s == "train" for _, s in items):
            raise MeshError(f"{root}: class {cls!r} has test meshes but no training meshes")
        out[cls] = items
    return out


@dataclass(frozen=True)
class DatasetSpec:
    """A data set and its feature extraction. `key()` names its files; it changes with anything
    that changes their content (not with `resources`)."""

    n_train: int = 15
    n_test: int = 15
    classes: tuple[str, ...] = CLASSES
    seed: int = 0
    copies: int = 4
    rotation: str = "paper"
    sizes: tuple[int, ...] = DEFAULT_SIZES
    raw_sizes: tuple[int, ...] = (1, 2, 4, 8)
    chunk_size: int = 15
    mesh_dir: str | None = None
    resources: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_params(cls, p: dict) -> "DatasetSpec":
        p = dict(p)
        for k in ("classes", "sizes", "raw_sizes"):
            if k in p and p[k] is not None:
                p[k] = tuple(p[k])
        if p.get("classes") in (None, "all", ("all",)):
            p["classes"] = CLASSES
        return cls(**p)

    def to_params(self) -> dict:
        d = asdict(self)
        for k in ("classes", "sizes", "raw_sizes"):
            d[k] = list(d[k])
        return d

    def key(self) -> str:
        d = self.to_params()
        d.pop("resources")
        text = json.dumps(d, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def root(self) -> str:
        """Folder of this data set's files, relative to the results directory."""
        return f"voxel/data/{self.key()}"

    def results_relative(self, path: str) -> str:
        """A generated mesh's path as the figures print it: from this data set's root on, so the
        same mesh reads the same whichever results folder a run wrote it to (a second-machine
        run writes results/second-machine/voxel/...). Paths outside the results folder (a user's
        mesh_dir) are printed as given."""
        marker = f"/{self.root}/"
        at = f"/{path}".rfind(marker)
        return path[at:] if at >= 0 else path

    # ------------------------------------------------------------------ classes and meshes
    def class_members(self) -> list[tuple[str, list[tuple[str | None, str]]]]:
        """[(class name, [(source path or None when generated, split), ...]), ...]."""
        if self.mesh_dir:
            lists = read_split_lists(self.mesh_dir)
            return [(c, [(str(Path(self.mesh_dir) / rel), s) for rel, s in items]) for c, items in lists.items()]
        return [(c, [(None, "train")] * self.n_train + [(None, "test")] * self.n_test) for c in self.classes]

    def class_names(self) -> list[str]:
        return [c for c, _ in self.class_members()]

    def source_files(self, ci: int) -> list[str]:
        """The user's files class `ci`'s stages read: both split lists (they decide the class's
        members and, through the classes before it, its mesh ids) and its mesh files. Empty for
        generated data sets."""
        if not self.mesh_dir:
            return []
        return [str(Path(self.mesh_dir) / f"{s}.txt") for s in SPLITS] + self.mesh_files(ci)

    def mesh_files(self, ci: int) -> list[str]:
        """The user's mesh files of class `ci` (none for generated data sets)."""
        members = self.class_members() if self.mesh_dir else []
        return [src for src, _ in members[ci][1]] if ci < len(members) else []

    def manifest_path(self, ci: int) -> str:
        return f"{self.root}/meshes/c{ci:02d}.json"

    def chunks(self) -> list[tuple[int, int]]:
        """(class index, part) of every feature chunk."""
        return [(ci, p) for ci, (_, items) in enumerate(self.class_members())
                for p in range(math.ceil(len(items) / self.chunk_size))]

    def chunk_path(self, ci: int, part: int) -> str:
        return f"{self.root}/features/c{ci:02d}-p{part}.npz"

    def chunk_paths(self) -> list[str]:
        return [self.chunk_path(ci, p) for ci, p in self.chunks()]

    def manifest_paths(self) -> list[str]:
        return [self.manifest_path(ci) for ci in range(len(self.class_members()))]

    def problems(self) -> list[tuple[str, str]]:
        """(key, message) for values that cannot work, for a config check before any job runs."""
        out = []
        if self.rotation not in ("paper", "haar"):
            out.append(("rotation", f"must be 'paper' or 'haar', got {self.rotation!r}"))
        unknown = [c for c in self.classes if c not in CLASSES]
        if unknown and not self.mesh_dir:
            out.append(("classes", f"unknown classes {unknown}; choose from {', '.join(CLASSES)}"))
        if len(self.classes) < 2 and not self.mesh_dir:
            out.append(("classes", "a classifier needs at least 2 classes"))
        bad = [S for S in self.raw_sizes if S & (S - 1)]
        if bad:
            out.append(("raw_sizes", f"{bad} are not powers of 2 (Haar features need them)"))
        if self.mesh_dir:
            try:
                members = self.class_members()
            except MeshError as exc:
                out.append(("mesh_dir", str(exc)))
            else:
                missing = [src for _, items in members for src, _ in items if not Path(src).is_file()]
                if missing:
                    out.append(("mesh_dir", f"{len(missing)} listed mesh files do not exist (first: {missing[0]})"))
                if len(members) < 2:
                    out.append(("mesh_dir", "the lists name fewer than 2 classes"))
                if not any(s == "test" for _, items in members for _, s in items):
                    out.append(("mesh_dir", "test.txt lists no meshes"))
        return out


def make_class_manifest(spec: DatasetSpec, ci: int, folder: str | os.PathLike, log=None) -> list[MeshEntry]:
    """The meshes of class `ci`: generated and written as OFF files under `folder`, or (mesh_dir)
    read and checked in place. Mesh ids count over the classes before this one.
    Raises MeshError naming the file when a user mesh cannot be used; warns on open meshes."""
    members = spec.class_members()
    label, items = members[ci]
    first_id = sum(len(m[1]) for m in members[:ci])
    entries = []
    if spec.mesh_dir:
        # a test mesh that is a copy of a training mesh of its class (same vertices and faces)
        check_split_disjoint([src for src, s in items if s == "train"], [src for src, s in items if s == "test"])
        for k, (src, split) in enumerate(items):
            mesh = read_mesh(src)  # MeshError names the file; open / non-manifold meshes warn
            validate(mesh, warn=True)
            entries.append(MeshEntry(first_id + k, label, split, str(Path(src).resolve())))
        return entries
    # mesh i of a class uses generator seed seed * 100003 + i (shapes.generate_dataset's rule)
    for k, (_, split) in enumerate(items):
        g = generate_mesh(label, int(spec.seed) * 100003 + k)
        path = save_dataset([g], Path(folder))[0]
        if log:
            log(f"{label} {k + 1}/{len(items)}: {g.mesh.n_faces} faces, chi = {g.params['euler_characteristic']}")
        entries.append(MeshEntry(first_id + k, label, split, str(path)))
    return entries


def read_manifest(path: str | os.PathLike) -> list[MeshEntry]:
    from deeprates.atomic_io import read_json

    doc = read_json(path)
    return [MeshEntry(**e) for e in doc["meshes"]]


def config_problems(dataset_params: dict, blocks=()) -> list[tuple[str, str]]:
    """(key under `dataset`, message) for a data set section that cannot work, including the
    extractions the feature `blocks` of a figure need; empty when it can."""
    from .extraction import missing_extractions

    try:
        spec = DatasetSpec.from_params(dataset_params)
    except TypeError as exc:
        return [("", str(exc))]
    return spec.problems() + missing_extractions(blocks, spec.sizes, spec.raw_sizes)


def specs_by_key(dataset_sections) -> dict[str, DatasetSpec]:
    """{key: spec} of the distinct data sets among figures' `dataset` sections."""
    out = {}
    for d in dataset_sections:
        spec = DatasetSpec.from_params(d)
        out.setdefault(spec.key(), spec)
    return out

