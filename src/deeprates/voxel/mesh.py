"""Triangle meshes: OFF/PLY/STL/OBJ input, OFF/PLY output, topology, validation and grid normalisation.

Conventions follow the reference README (`shared/reference/voxel/README.md`) of the voxel
features of arXiv:1701.04249: a closed mesh is oriented outward by the right-hand rule, the
dihedral angle of an edge is positive on convex edges, and the angular defect of a vertex is
2*pi minus the sum of its face angles.

Bad files raise `MeshError` (a ValueError) naming the file and the problem; meshes that are merely
open or non-manifold load with a warning, because the features are still defined for them
(boundary and non-manifold edges get a zero dihedral angle).
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "MESH_SUFFIXES",
    "MeshError",
    "Mesh",
    "EdgeTopology",
    "MeshReport",
    "read_mesh",
    "read_off",
    "read_ply",
    "write_mesh",
    "write_off",
    "write_ply",
    "face_areas",
    "face_normals",
    "edge_topology",
    "dihedral_angles",
    "vertex_angle_defects",
    "signed_volume",
    "validate",
    "check_split_disjoint",
    "normalize_to_grid",
    "GRID_FILL",
]

# The protocol of 1701.04249 scales the longest side of the bounding box to 0.9 of the grid.
GRID_FILL = 0.9

# A face whose area is below this fraction of (bounding-box diagonal)^2 is degenerate: at that
# size its normal is rounding noise.
DEGENERATE_REL_AREA = 1e-12


class MeshError(ValueError):
    """A mesh file or array that cannot be used; the message names the file and the problem."""


@dataclass
class Mesh:
    """A triangle mesh: `vertices` float64 (n, 3), `faces` int64 (m, 3), `name` for messages."""

    vertices: np.ndarray
    faces: np.ndarray
    name: str = field(default="<array>")

    def __post_init__(self):
        self.vertices = np.ascontiguousarray(self.vertices, dtype=np.float64)
        self.faces = np.ascontiguousarray(self.faces, dtype=np.int64)
        if self.vertices.ndim != 2 or self.vertices.shape[1] != 3:
            raise MeshError(f"{self.name}: vertices must have shape (n, 3), got {self.vertices.shape}")
        if self.faces.ndim != 2 or self.faces.shape[1] != 3:
            raise MeshError(f"{self.name}: faces must have shape (m, 3), got {self.faces.shape}")

    @property
    def n_vertices(self) -> int:
        return int(self.vertices.shape[0])

    @property
    def n_faces(self) -> int:
        return int(self.faces.shape[0])

    def check(self) -> "Mesh":
        """Raise MeshError for unusable content; warn for open or non-manifold topology."""
        _check_arrays(self.vertices, self.faces, self.name)
        _warn_topology(self.faces, self.name)
        return self


# --------------------------------------------------------------------------------------------
# reading and writing

MESH_SUFFIXES = (".off", ".ply", ".stl", ".obj")


def read_mesh(path: str | os.PathLike) -> Mesh:
    """Read an OFF, PLY, STL or OBJ file (by suffix), check it, and return a Mesh named by the path."""
    verts, faces = _read_faces_and_vertices(path)
    return Mesh(verts, faces, name=str(path)).check()


def read_off(path: str | os.PathLike) -> Mesh:
    return Mesh(*_read_off(path), name=str(path)).check()


def read_ply(path: str | os.PathLike) -> Mesh:
    return Mesh(*_read_ply(path), name=str(path)).check()


def _read_faces_and_vertices(path) -> tuple[np.ndarray, np.ndarray]:
    """(vertices float64 (n, 3), triangles int64 (m, 3)) of a mesh file, before the content checks."""
    readers = {".off": _read_off, ".ply": _read_ply, ".stl": _read_stl, ".obj": _read_obj}
    suffix = Path(path).suffix.lower()
    if suffix not in readers:
        raise MeshError(f"{path}: unknown mesh format {suffix!r} (expected {', '.join(MESH_SUFFIXES)})")
    return readers[suffix](path)


_BOM = b"\xef\xbb\xbf"


def _read_bytes(path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MeshError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    # editors on Windows put a UTF-8 byte-order mark before the first keyword
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if not data.strip():
        raise MeshError(f"{path}: file is empty")
    return data


def _decode(data: bytes, path, fmt: str) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MeshError(f"{path}: not a text {fmt} file (byte {exc.start} is not ASCII)") from exc


def _index_array(polys: list[list[int]], path) -> None:
    """Vertex indices beyond int64 are out of range of any mesh: name the face instead of letting
    numpy's OverflowError escape (check-mesh would stop at the first such file)."""
    for i, poly in enumerate(polys):
        for x in poly:
            if not -2**63 <= x < 2**63:
                raise MeshError(f"{path}: face {i} refers to vertex {x}, out of range of any mesh")


def _triangulate(polys: list[list[int]], path, first_line: int) -> np.ndarray:
    """Fan-triangulate polygons (OFF, PLY and OBJ allow n-gons); a polygon with < 3 corners is an error."""
    tris = []
    for i, poly in enumerate(polys):
        if len(poly) < 3:
            raise MeshError(f"{path}: face {i} (line {first_line + i}) has {len(poly)} vertices, need >= 3")
        for j in range(1, len(poly) - 1):
            tris.append((poly[0], poly[j], poly[j + 1]))
    try:
        return np.array(tris, dtype=np.int64).reshape(-1, 3)
    except OverflowError:
        _index_array(polys, path)
        raise


def _extra_data(path, what: str, declared: str):
    return MeshError(f"{path}: the header declares {declared}, but the file holds more {what} after them "
                     "(wrong count in the header?)")


_OFF_KEYWORDS = {"OFF", "COFF", "NOFF", "CNOFF", "NCOFF"}


def _read_off(path):
    """ASCII OFF (OFF/COFF/NOFF headers; extra per-line values such as colours ignored)."""
    text = _decode(_read_bytes(path), path, "OFF")
    # keep original line numbers for messages; drop comments and blank lines
    lines = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        s = raw.split("#", 1)[0].strip()
        if s:
            lines.append((lineno, s))
    if not lines:
        raise MeshError(f"{path}: file is empty (only comments or blank lines)")
    head_no, head = lines[0]
    first = head.split()[0]
    # OFF and its colour/normal variants; some writers glue the counts to the keyword ("OFF8 12 0")
    keyword = first.rstrip("0123456789") if first.upper().startswith("OFF") else first
    if keyword.upper() not in _OFF_KEYWORDS:
        raise MeshError(f"{path}: not an OFF file (line {head_no} starts with {first[:20]!r}, expected 'OFF')")
    rest = head[len(keyword):].split()
    pos = 1
    if not rest:
        if len(lines) < 2:
            raise MeshError(f"{path}: OFF header has no vertex/face counts")
        count_no, count_line = lines[1]
        rest = count_line.split()
        pos = 2
    else:
        count_no = head_no
    try:
        nv, nf = int(rest[0]), int(rest[1])
    except (ValueError, IndexError) as exc:
        raise MeshError(f"{path}: line {count_no}: cannot read vertex and face counts from {' '.join(rest)[:40]!r}") from exc
    if nv < 0 or nf < 0:
        raise MeshError(f"{path}: line {count_no}: negative counts ({nv} vertices, {nf} faces)")
    if len(lines) < pos + nv + nf:
        raise MeshError(
            f"{path}: header announces {nv} vertices and {nf} faces, but only "
            f"{len(lines) - pos} data lines follow (file truncated?)"
        )
    if len(lines) > pos + nv + nf:
        raise _extra_data(path, f"data lines (line {lines[pos + nv + nf][0]} on)", f"{nv} vertices and {nf} faces")
    vblock = lines[pos:pos + nv]
    fblock = lines[pos + nv:pos + nv + nf]
    verts = np.empty((nv, 3), dtype=np.float64)
    for i, (lineno, s) in enumerate(vblock):
        tok = s.split()
        try:
            verts[i] = (float(tok[0]), float(tok[1]), float(tok[2]))
        except (ValueError, IndexError) as exc:
            raise MeshError(f"{path}: line {lineno}: vertex {i} is not three numbers: {s[:60]!r}") from exc
    polys = []
    for i, (lineno, s) in enumerate(fblock):
        tok = s.split()
        try:
            k = int(tok[0])
            poly = [int(t) for t in tok[1:1 + k]]
        except ValueError as exc:
            raise MeshError(f"{path}: line {lineno}: face {i} is not a list of integers: {s[:60]!r}") from exc
        if k < 3:
            raise MeshError(f"{path}: line {lineno}: face {i} has {k} vertices, need >= 3: {s[:60]!r}")
        if len(poly) != k:
            raise MeshError(f"{path}: line {lineno}: face {i} announces {k} vertex indices but lists {len(poly)}")
        polys.append(poly)
    return verts, _triangulate(polys, path, fblock[0][0] if fblock else 0)


_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}


def _read_ply(path):
    """PLY: ascii or binary (either endianness); vertex x/y/z and a face index list."""
    data = _read_bytes(path)
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise MeshError(f"{path}: not a PLY file (no 'ply' magic line or no 'end_header')")
    header = _decode(data[:end], path, "PLY header").splitlines()
    body_start = data.index(b"\n", end) + 1 if b"\n" in data[end:] else len(data)
    fmt = None
    elements: list[tuple[str, int, list]] = []
    for lineno, line in enumerate(header, start=1):
        tok = line.split()
        if not tok or tok[0] in ("ply", "comment", "obj_info"):
            continue
        try:
            if tok[0] == "format":
                fmt = tok[1]
            elif tok[0] == "element":
                elements.append((tok[1], int(tok[2]), []))
            elif tok[0] == "property":
                if tok[1] == "list":
                    elements[-1][2].append((tok[4], "list", _PLY_TYPES[tok[2]], _PLY_TYPES[tok[3]]))
                else:
                    elements[-1][2].append((tok[2], "scalar", _PLY_TYPES[tok[1]], None))
            else:
                raise KeyError(tok[0])
        except (IndexError, KeyError, ValueError) as exc:
            raise MeshError(f"{path}: header line {lineno} not understood: {line[:60]!r}") from exc
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise MeshError(f"{path}: unknown PLY format {fmt!r}")
    names = [e[0] for e in elements]
    if "vertex" not in names or "face" not in names:
        raise MeshError(f"{path}: PLY needs 'vertex' and 'face' elements, found {names}")
    declared = "'" + "', '".join(f"element {name} {count}" for name, count, _ in elements) + "'"
    body = data[body_start:]
    try:
        if fmt == "ascii":
            lines = [ln for ln in (s.strip() for s in _decode(body, path, "PLY").split("\n")) if ln]
            verts, polys, used = _ply_ascii(lines, elements)
            if used < len(lines):
                raise _extra_data(path, f"data lines ({len(lines) - used})", declared)
            return verts, _triangulate(polys, path, 0)
        verts, faces, used = _ply_binary(body, elements, "<" if fmt == "binary_little_endian" else ">")
    except (ValueError, IndexError, KeyError) as exc:
        if isinstance(exc, MeshError):
            raise
        raise MeshError(f"{path}: PLY body could not be parsed ({exc})") from exc
    if body[used:].strip():
        raise _extra_data(path, f"bytes ({len(body) - used})", declared)
    if isinstance(faces, list):
        faces = _triangulate(faces, path, 0)
    return verts, faces


def _vertex_xyz(props, rows) -> np.ndarray:
    idx = [[p[0] for p in props].index(c) for c in "xyz"]
    return np.asarray(rows, dtype=np.float64)[:, idx]


def _face_list_index(props) -> int:
    for i, p in enumerate(props):
        if p[1] == "list" and p[0] in ("vertex_indices", "vertex_index"):
            return i
    raise KeyError("face element has no vertex_indices list")


def _ply_ascii(lines, elements):
    """(vertices, polygons, number of lines used)."""
    pos = 0
    verts, polys = None, None
    for name, count, props in elements:
        block = lines[pos:pos + count]
        if len(block) < count:
            raise ValueError(f"element {name} announces {count} rows, found {len(block)}")
        pos += count
        if name == "vertex":
            if any(p[1] == "list" for p in props):
                raise ValueError("list properties in vertex element")
            verts = _vertex_xyz(props, [[float(t) for t in ln.split()[:len(props)]] for ln in block])
        elif name == "face":
            li = _face_list_index(props)
            polys = []
            for ln in block:
                tok = ln.split()
                j = 0
                for i, p in enumerate(props):
                    if p[1] == "list":
                        k = int(tok[j])
                        if i == li:
                            polys.append([int(t) for t in tok[j + 1:j + 1 + k]])
                        j += 1 + k
                    else:
                        j += 1
    return verts, polys, pos


def _ply_binary(body: bytes, elements, endian):
    """(vertices, triangles or a list of polygons, number of bytes used)."""
    pos = 0
    verts, faces = None, None
    for name, count, props in elements:
        if all(p[1] == "scalar" for p in props):
            dt = np.dtype([(p[0], endian + p[2]) for p in props])
            arr = np.frombuffer(body, dtype=dt, count=count, offset=pos)
            pos += dt.itemsize * count
            if name == "vertex":
                verts = np.stack([arr[c].astype(np.float64) for c in "xyz"], axis=1)
            continue
        if name != "face":
            raise ValueError(f"list properties in element {name!r} are not supported")
        faces, pos = _ply_binary_faces(body, pos, count, props, endian)
    return verts, faces, pos


def _ply_binary_faces(body: bytes, pos: int, count: int, props, endian):
    """The face element. Meshes are nearly always all triangles (or all quads): read the element as
    one record array when every face has the first face's corner count (a 200k-face file in
    milliseconds), else face by face."""
    li = _face_list_index(props)
    if count and sum(p[1] == "list" for p in props) == 1:
        first = 0
        for p in props[:li]:
            first += np.dtype(p[2]).itemsize
        k = int(np.frombuffer(body, dtype=endian + props[li][2], count=1, offset=pos + first)[0])
        fields = []
        for i, p in enumerate(props):
            if p[1] == "list":
                fields += [("n", endian + p[2]), ("idx", endian + p[3], (k,))] if k else [("n", endian + p[2])]
            else:
                fields.append((f"_{i}", endian + p[2]))
        dt = np.dtype(fields)
        if k >= 3 and pos + dt.itemsize * count <= len(body):
            arr = np.frombuffer(body, dtype=dt, count=count, offset=pos)
            if (arr["n"] == k).all():
                idx = arr["idx"].astype(np.int64)
                tris = np.stack([idx[:, [0, j, j + 1]] for j in range(1, k - 1)], axis=1).reshape(-1, 3)
                return tris, pos + dt.itemsize * count
    polys = []
    for _ in range(count):
        for i, p in enumerate(props):
            if p[1] == "list":
                cdt = np.dtype(endian + p[2])
                k = int(np.frombuffer(body, dtype=cdt, count=1, offset=pos)[0])
                pos += cdt.itemsize
                idt = np.dtype(endian + p[3])
                vals = np.frombuffer(body, dtype=idt, count=k, offset=pos)
                pos += idt.itemsize * k
                if i == li:
                    polys.append(vals.astype(np.int64).tolist())
            else:
                pos += np.dtype(p[2]).itemsize
    return polys, pos


def _weld(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """STL stores three corners per triangle: merge exactly equal corners into shared vertices (in
    order of first appearance), so edges are shared and the topology is that of the mesh.

    Corners are grouped by sorting one 64-bit hash of their coordinates' bits (a single-key sort is
    several times faster than a lexicographic one); equal hashes of unequal corners, which the
    check below would catch, fall back to the lexicographic sort."""
    c = np.ascontiguousarray(corners.reshape(-1, 3), dtype=np.float64) + 0.0   # + 0.0: -0.0 -> 0.0
    bits = c.view(np.uint64)
    with np.errstate(over="ignore"):
        h = (bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ (bits[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)) ^ bits[:, 2]
    order = np.argsort(h, kind="stable")
    hs, bs = h[order], bits[order]
    same_hash = hs[1:] == hs[:-1]
    same_xyz = (bs[1:] == bs[:-1]).all(axis=1)
    if (same_hash != same_xyz).any():
        order = np.lexsort((bits[:, 2], bits[:, 1], bits[:, 0]))
        bs = bits[order]
        same_xyz = (bs[1:] == bs[:-1]).all(axis=1)
    group = np.cumsum(np.r_[True, ~same_xyz]) - 1
    first = order[np.r_[True, ~same_xyz]]          # stable sort: the first corner of each group
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    index = np.empty(len(c), dtype=np.int64)
    index[order] = rank[group]
    return c[np.sort(first)], index.reshape(-1, 3)


def _read_stl(path):
    """STL, binary or ASCII (the format CAD programs export)."""
    data = _read_bytes(path)
    if len(data) >= 84:
        n = int(np.frombuffer(data, dtype="<u4", count=1, offset=80)[0])
        # an ASCII file can start with "solid" and so can a binary header: the size decides
        if len(data) == 84 + 50 * n:
            rec = np.frombuffer(data, dtype=np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")]),
                                count=n, offset=84)
            return _weld(rec["v"])
    if not data.lstrip().startswith(b"solid"):
        raise MeshError(f"{path}: binary STL truncated or padded ({len(data)} bytes; "
                        f"a binary STL of {n if len(data) >= 84 else '?'} triangles has 84 + 50 x triangles)")
    text = _decode(data, path, "STL")
    rows = [ln.split() for ln in text.splitlines() if ln.strip().startswith("vertex")]
    bad = next((i for i, r in enumerate(rows) if len(r) != 4), None)
    try:
        if bad is not None:
            raise ValueError(" ".join(rows[bad]))
        corners = np.array([[float(x) for x in r[1:]] for r in rows], dtype=np.float64)
    except ValueError as exc:
        raise MeshError(f"{path}: an ASCII STL vertex is not three numbers: {str(exc)[:60]!r}") from exc
    n_facets = sum(1 for ln in text.splitlines() if ln.strip().startswith("facet"))
    if len(rows) != 3 * n_facets:
        raise MeshError(f"{path}: {n_facets} facets but {len(rows)} vertex lines (need 3 per facet)")
    return _weld(corners.reshape(-1, 3, 3))


def _read_obj(path):
    """Wavefront OBJ: `v x y z` and `f i j k ...` lines (indices from 1, negative ones relative to the
    end, `i/t/n` forms); texture, normal, group and material lines are ignored."""
    text = _decode(_read_bytes(path), path, "OBJ")
    verts, polys, lines_of = [], [], []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        tok = raw.split("#", 1)[0].split()
        if not tok:
            continue
        if tok[0] == "v":
            try:
                verts.append((float(tok[1]), float(tok[2]), float(tok[3])))
            except (ValueError, IndexError) as exc:
                raise MeshError(f"{path}: line {lineno}: vertex is not three numbers: {raw[:60]!r}") from exc
        elif tok[0] == "f":
            try:
                idx = [int(t.split("/", 1)[0]) for t in tok[1:]]
            except ValueError as exc:
                raise MeshError(f"{path}: line {lineno}: face is not a list of indices: {raw[:60]!r}") from exc
            if 0 in idx:
                raise MeshError(f"{path}: line {lineno}: vertex index 0 (OBJ indices start at 1)")
            # relative indices count back from the vertices read so far
            polys.append([i - 1 if i > 0 else len(verts) + i for i in idx])
            lines_of.append(lineno)
    if not polys:
        raise MeshError(f"{path}: mesh has no faces (no 'f' lines)")
    return np.array(verts, dtype=np.float64).reshape(-1, 3), _triangulate(polys, path, lines_of[0])


def write_mesh(mesh: Mesh, path: str | os.PathLike) -> None:
    """Write OFF or PLY (ASCII) by suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".off":
        write_off(mesh, path)
    elif suffix == ".ply":
        write_ply(mesh, path)
    else:
        raise MeshError(f"{path}: unknown mesh format {suffix!r} (expected .off or .ply)")


def _vertex_lines(v: np.ndarray) -> str:
    # repr-exact floats: a written mesh reads back bit for bit, so same seed -> same bytes
    return "".join(f"{x!r} {y!r} {z!r}\n" for x, y, z in v.tolist())


def write_off(mesh: Mesh, path: str | os.PathLike) -> None:
    """Write an ASCII OFF file with round-trip exact coordinates."""
    faces = "".join(f"3 {a} {b} {c}\n" for a, b, c in mesh.faces.tolist())
    text = f"OFF\n{mesh.n_vertices} {mesh.n_faces} 0\n" + _vertex_lines(mesh.vertices) + faces
    Path(path).write_text(text, encoding="ascii")


def write_ply(mesh: Mesh, path: str | os.PathLike) -> None:
    """Write an ASCII PLY file with round-trip exact coordinates."""
    head = (
        "ply\nformat ascii 1.0\n"
        f"element vertex {mesh.n_vertices}\nproperty double x\nproperty double y\nproperty double z\n"
        f"element face {mesh.n_faces}\nproperty list uchar int vertex_indices\nend_header\n"
    )
    faces = "".join(f"3 {a} {b} {c}\n" for a, b, c in mesh.faces.tolist())
    Path(path).write_text(head + _vertex_lines(mesh.vertices) + faces, encoding="ascii")


# --------------------------------------------------------------------------------------------
# geometry


def _unit_box(vertices: np.ndarray) -> np.ndarray:
    """The vertices moved and scaled so that the bounding box's longest side is 1. Relative tests
    (degeneracy, the sign of the volume) run on these: a mesh in metres, nanometres, 1e200 or
    1e-200 units gives the same answer, where squared lengths in raw units overflow or underflow."""
    if len(vertices) == 0:
        return vertices
    lo = vertices.min(axis=0)
    extent = float((vertices.max(axis=0) - lo).max())
    return (vertices - lo) / extent if extent > 0 else vertices - lo


def face_cross(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(v1 - v0) x (v2 - v0) per face: twice the area times the right-hand normal."""
    v0 = vertices[faces[:, 0]]
    return np.cross(vertices[faces[:, 1]] - v0, vertices[faces[:, 2]] - v0)


def face_areas(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    return 0.5 * np.linalg.norm(face_cross(vertices, faces), axis=1)


def face_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Unit right-hand normals (outward on an outward-oriented mesh); zero for degenerate faces."""
    c = face_cross(vertices, faces)
    n = np.linalg.norm(c, axis=1, keepdims=True)
    return np.divide(c, n, out=np.zeros_like(c), where=n > 0)


@dataclass
class EdgeTopology:
    """Undirected edges and how faces use them.

    `edges` (ne, 2): vertex pairs, as first met in face order (directed as in `face0`).
    `n_faces` (ne,): number of faces using the edge. `face0`, `face1`: the first two faces using
    it (-1 if absent). `opposite`: True when face1 runs the edge against face0 (consistent winding).
    """

    edges: np.ndarray
    n_faces: np.ndarray
    face0: np.ndarray
    face1: np.ndarray
    opposite: np.ndarray

    @property
    def manifold(self) -> np.ndarray:
        """Edges with exactly two faces running them in opposite directions."""
        return (self.n_faces == 2) & self.opposite


def edge_topology(faces: np.ndarray, n_vertices: int | None = None) -> EdgeTopology:
    faces = np.asarray(faces, dtype=np.int64)
    m = len(faces)
    a = faces.ravel()                          # half-edge a -> b in face order: (0,1), (1,2), (2,0)
    b = faces[:, [1, 2, 0]].ravel()
    fid = np.repeat(np.arange(m), 3)
    n = int(n_vertices if n_vertices is not None else (faces.max() + 1 if m else 0))
    key = np.minimum(a, b) * n + np.maximum(a, b)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    start = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    counts = np.diff(np.r_[start, len(ks)])
    h0 = order[start]
    has1 = counts >= 2
    h1 = np.where(has1, order[np.minimum(start + 1, len(ks) - 1)], -1)
    opposite = np.zeros(len(start), dtype=bool)
    opposite[has1] = a[h1[has1]] == b[h0[has1]]
    return EdgeTopology(
        edges=np.stack([a[h0], b[h0]], axis=1),
        n_faces=counts,
        face0=fid[h0],
        face1=np.where(has1, fid[np.maximum(h1, 0)], -1),
        opposite=opposite,
    )


def dihedral_angles(vertices: np.ndarray, faces: np.ndarray, topo: EdgeTopology | None = None) -> np.ndarray:
    """Signed dihedral angle per edge of `topo`: the angle between the two face normals, positive
    on convex edges (README, EdgeAngularDefect); 0 on boundary, non-manifold or inconsistently
    wound edges, where the sign is undefined."""
    if topo is None:
        topo = edge_topology(faces, len(vertices))
    theta = np.zeros(len(topo.edges))
    ok = topo.manifold
    if not ok.any():
        return theta
    nrm = face_normals(vertices, faces)
    n0, n1 = nrm[topo.face0[ok]], nrm[topo.face1[ok]]
    e = vertices[topo.edges[ok, 1]] - vertices[topo.edges[ok, 0]]  # direction as run by face0
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    # (n0 x n1) . e > 0 on a convex edge when e runs along face0's boundary orientation
    theta[ok] = np.arctan2(np.einsum("ij,ij->i", np.cross(n0, n1), e), np.einsum("ij,ij->i", n0, n1))
    return theta


def vertex_angle_defects(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(defect, used): 2*pi minus the sum of face angles at each vertex, and whether any face uses
    the vertex (unused vertices get defect 0 and are ignored by the features)."""
    nv = len(vertices)
    angles = np.zeros((len(faces), 3))
    for c in range(3):
        p = vertices[faces[:, c]]
        u = vertices[faces[:, (c + 1) % 3]] - p
        w = vertices[faces[:, (c + 2) % 3]] - p
        # atan2 of |u x w| and u.w is accurate for angles near 0 and pi, unlike arccos
        angles[:, c] = np.arctan2(np.linalg.norm(np.cross(u, w), axis=1), np.einsum("ij,ij->i", u, w))
    total = np.bincount(faces.ravel(), weights=angles.ravel(), minlength=nv)
    used = np.bincount(faces.ravel(), minlength=nv) > 0
    return np.where(used, 2 * np.pi - total, 0.0), used


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Enclosed volume by the divergence theorem; positive for an outward (right-hand) closed mesh."""
    if len(faces) == 0:
        return 0.0
    c = vertices.mean(axis=0)  # centring reduces cancellation; the result does not depend on it if closed
    v = vertices - c
    return float(np.einsum("ij,ij->", v[faces[:, 0]], np.cross(v[faces[:, 1]], v[faces[:, 2]])) / 6.0)


# --------------------------------------------------------------------------------------------
# validation


@dataclass
class MeshReport:
    name: str
    n_vertices: int
    n_faces: int
    n_edges: int
    n_unused_vertices: int
    n_boundary_edges: int
    n_nonmanifold_edges: int
    n_misoriented_edges: int
    n_degenerate_faces: int
    area: float
    volume: float
    unit_volume: float   # the volume with the bounding box's longest side scaled to 1: its sign is scale-free
    euler_characteristic: int
    angular_defect_sum: float
    sum_theta_length: float

    @property
    def watertight(self) -> bool:
        return self.n_boundary_edges == 0 and self.n_nonmanifold_edges == 0

    @property
    def consistently_oriented(self) -> bool:
        return self.n_misoriented_edges == 0

    @property
    def gauss_bonnet_error(self) -> float:
        """|sum of vertex defects - 2 pi chi| (discrete Gauss-Bonnet)."""
        return abs(self.angular_defect_sum - 2 * math.pi * self.euler_characteristic)

    @property
    def ok(self) -> bool:
        """Closed, consistently outward, non-degenerate, and the defects sum to 2 pi chi."""
        return (
            self.watertight
            and self.consistently_oriented
            and self.unit_volume > 0
            and self.n_degenerate_faces == 0
            and self.n_unused_vertices == 0
            and self.gauss_bonnet_error <= 1e-8 * max(1.0, self.n_vertices)
        )

    def problems(self) -> list[str]:
        out = []
        if self.n_boundary_edges:
            out.append(f"{self.n_boundary_edges} boundary edges (not watertight)")
        if self.n_nonmanifold_edges:
            out.append(f"{self.n_nonmanifold_edges} non-manifold edges")
        if self.n_misoriented_edges:
            out.append(f"{self.n_misoriented_edges} edges with inconsistent winding")
        if self.unit_volume <= 0:
            out.append(f"non-positive volume {self.volume:.6g} (inward orientation?)")
        if self.n_degenerate_faces:
            out.append(f"{self.n_degenerate_faces} degenerate faces")
        if self.n_unused_vertices:
            out.append(f"{self.n_unused_vertices} unused vertices")
        if self.gauss_bonnet_error > 1e-8 * max(1.0, self.n_vertices):
            out.append(f"sum of vertex defects misses 2*pi*chi by {self.gauss_bonnet_error:.3g}")
        return out


def degenerate_faces(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Boolean mask: repeated corner or area below DEGENERATE_REL_AREA * diagonal^2."""
    rep = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 0] == faces[:, 2])
    unit = _unit_box(vertices)
    diagonal = np.linalg.norm(unit.max(axis=0) - unit.min(axis=0)) if len(unit) else 0.0
    return rep | (face_areas(unit, faces) <= DEGENERATE_REL_AREA * diagonal ** 2)


def validate(mesh: Mesh, warn: bool = True) -> MeshReport:
    """Topological and geometric checks of a mesh; warns (naming the mesh) when it is open or
    non-manifold, since the features are defined but the global identities then change."""
    v, f = mesh.vertices, mesh.faces
    _check_arrays(v, f, mesh.name)
    topo = edge_topology(f, len(v))
    # angles do not depend on the scale, but their cross products underflow at 1e-200 units
    unit = _unit_box(v)
    theta = dihedral_angles(unit, f, topo)
    defect, used = vertex_angle_defects(unit, f)
    lengths = np.linalg.norm(v[topo.edges[:, 1]] - v[topo.edges[:, 0]], axis=1)
    rep = MeshReport(
        name=mesh.name,
        n_vertices=len(v),
        n_faces=len(f),
        n_edges=len(topo.edges),
        n_unused_vertices=int((~used).sum()),
        n_boundary_edges=int((topo.n_faces == 1).sum()),
        n_nonmanifold_edges=int((topo.n_faces > 2).sum()),
        n_misoriented_edges=int(((topo.n_faces == 2) & ~topo.opposite).sum()),
        n_degenerate_faces=int(degenerate_faces(v, f).sum()),
        area=float(face_areas(v, f).sum()),
        volume=signed_volume(v, f),
        unit_volume=signed_volume(_unit_box(v), f),
        euler_characteristic=int(used.sum() - len(topo.edges) + len(f)),
        angular_defect_sum=float(defect.sum()),
        sum_theta_length=float((theta * lengths).sum()),
    )
    if warn and not (rep.watertight and rep.consistently_oriented):
        warnings.warn(f"{mesh.name}: " + "; ".join(rep.problems()[:3]), stacklevel=2)
    return rep


def _check_arrays(vertices: np.ndarray, faces: np.ndarray, name: str) -> None:
    """The hard errors: content that no feature can be computed from."""
    if len(vertices) == 0:
        raise MeshError(f"{name}: mesh has no vertices")
    if len(faces) == 0:
        raise MeshError(f"{name}: mesh has no faces")
    bad = ~np.isfinite(vertices).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise MeshError(f"{name}: {int(bad.sum())} vertices have NaN or infinite coordinates (first: vertex {i})")
    out = (faces < 0) | (faces >= len(vertices))
    if out.any():
        i = int(np.flatnonzero(out.any(axis=1))[0])
        raise MeshError(
            f"{name}: face {i} refers to vertex {int(faces[i][out[i]][0])}, out of range "
            f"0..{len(vertices) - 1} ({int(out.any(axis=1).sum())} such faces)"
        )
    if degenerate_faces(vertices, faces).all():
        raise MeshError(f"{name}: all {len(faces)} faces are degenerate (zero area)")


def _warn_topology(faces: np.ndarray, name: str) -> None:
    topo = edge_topology(faces)
    msgs = []
    nb = int((topo.n_faces == 1).sum())
    nn = int((topo.n_faces > 2).sum())
    if nb:
        msgs.append(f"open mesh ({nb} boundary edges)")
    if nn:
        msgs.append(f"{nn} non-manifold edges")
    if msgs:
        warnings.warn(
            f"{name}: " + ", ".join(msgs) + "; these edges get a zero dihedral angle in the features",
            stacklevel=3,
        )


def check_split_disjoint(train: list, test: list) -> None:
    """Raise MeshError when a mesh is in both the training and the test list, as the same file or
    as a copy with the same vertices and faces: a test error measured on training meshes is not a
    test error."""
    def key(path):
        v, f = _read_faces_and_vertices(path)
        return hashlib.sha256(v.tobytes() + b"|" + f.tobytes()).hexdigest()

    same = sorted({os.path.realpath(p) for p in train} & {os.path.realpath(p) for p in test})
    if same:
        raise MeshError(f"{len(same)} meshes are in both the train and the test list, e.g. {same[0]}")
    seen = {key(p): p for p in train}
    for p in test:
        k = key(p)
        if k in seen:
            raise MeshError(f"{p} (test) is the same mesh as {seen[k]} (train)")


# --------------------------------------------------------------------------------------------
# normalisation (protocol of 1701.04249)


def normalize_to_grid(vertices: np.ndarray, S: int, rotation: np.ndarray | None = None) -> np.ndarray:
    """Rotate (optional 3x3 matrix, applied as v @ R.T), centre the bounding box at 0 and scale its
    longest side to 0.9*S, so the mesh lies in the grid cube [-S/2, S/2]^3.

    The arithmetic order (v - c) * (0.9*S) / extent reproduces the reference's `S{S}_verts.npy`
    bit for bit.
    """
    v = np.asarray(vertices, dtype=np.float64)
    if rotation is not None:
        v = v @ np.asarray(rotation, dtype=np.float64).T
    lo, hi = v.min(axis=0), v.max(axis=0)
    extent = float((hi - lo).max())
    if not extent > 0:
        raise MeshError("cannot normalise a mesh whose bounding box has zero size")
    return (v - (lo + hi) / 2) * (GRID_FILL * S) / extent
