"""Mesh I/O, error messages, validation and normalisation (deeprates.voxel.mesh)."""

import json
import math
import time
import warnings

import numpy as np
import pytest

from voxel_testdata import CUBE_F, CUBE_V

from deeprates.voxel.mesh import (
    Mesh,
    MeshError,
    edge_topology,
    normalize_to_grid,
    read_mesh,
    validate,
    write_off,
    write_ply,
)



def test_cube_is_valid():
    rep = validate(Mesh(CUBE_V, CUBE_F))
    assert rep.ok, rep.problems()
    assert rep.euler_characteristic == 2
    assert rep.volume == pytest.approx(1.0) and rep.area == pytest.approx(6.0)
    assert rep.angular_defect_sum == pytest.approx(4 * math.pi)
    # 12 edges of length 1 with dihedral pi/2 (convex: positive), 6 flat diagonals
    assert rep.sum_theta_length == pytest.approx(12 * math.pi / 2)


def test_inward_cube_has_negative_volume():
    rep = validate(Mesh(CUBE_V, CUBE_F[:, ::-1]))
    assert rep.volume == pytest.approx(-1.0) and not rep.ok
    # all dihedral angles flip sign with the orientation
    assert rep.sum_theta_length == pytest.approx(-12 * math.pi / 2)


def test_misoriented_face_detected():
    f = CUBE_F.copy()
    f[0] = f[0, ::-1]
    rep = validate(Mesh(CUBE_V, f), warn=False)
    assert rep.n_misoriented_edges == 3 and not rep.consistently_oriented and not rep.ok


@pytest.mark.parametrize("writer,suffix", [(write_off, ".off"), (write_ply, ".ply")])
def test_roundtrip_is_exact(tmp_path, sample_meshes, writer, suffix):
    m = sample_meshes["gear"]
    p = tmp_path / f"gear{suffix}"
    writer(m, p)
    back = read_mesh(p)
    assert np.array_equal(back.vertices, m.vertices) and np.array_equal(back.faces, m.faces)
    assert back.name == str(p)


def test_off_with_comments_quads_and_colours(tmp_path):
    p = tmp_path / "quad.off"
    p.write_text(
        "OFF # a cube made of quads\n8 6 12\n"
        + "".join(f"{x} {y} {z} 0.5 0.5 0.5\n" for x, y, z in CUBE_V)
        + "# faces\n4 0 1 3 2\n4 4 6 7 5\n4 0 4 5 1\n4 2 3 7 6\n4 0 2 6 4\n4 1 5 7 3\n"
    )
    m = read_mesh(p)
    assert m.n_faces == 12
    assert validate(m).ok


@pytest.mark.parametrize("endian", ["<", ">"])
def test_binary_ply(tmp_path, endian):
    fmt = "binary_little_endian" if endian == "<" else "binary_big_endian"
    head = (f"ply\nformat {fmt} 1.0\ncomment test\nelement vertex 8\nproperty float x\n"
            "property float y\nproperty float z\nproperty uchar red\n"
            "element face 12\nproperty list uchar int vertex_indices\nend_header\n").encode()
    vdt = np.dtype([("x", endian + "f4"), ("y", endian + "f4"), ("z", endian + "f4"), ("r", "u1")])
    v = np.zeros(8, vdt)
    v["x"], v["y"], v["z"] = CUBE_V.T
    fdt = np.dtype([("n", "u1"), ("i", endian + "i4", 3)])
    f = np.zeros(12, fdt)
    f["n"], f["i"] = 3, CUBE_F
    p = tmp_path / "cube.ply"
    p.write_bytes(head + v.tobytes() + f.tobytes())
    m = read_mesh(p)
    assert np.array_equal(m.vertices, CUBE_V) and np.array_equal(m.faces, CUBE_F)


def _off(v, f):
    return f"OFF\n{len(v)} {len(f)} 0\n" + "".join(" ".join(map(str, r)) + "\n" for r in v) + "".join(
        f"3 {a} {b} {c}\n" for a, b, c in f)


TETRA_V = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
TETRA_F = [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]

BAD_FILES = {
    "empty.off": (b"", "empty"),
    "blank.off": (b"  \n\n# only a comment\n", "empty"),
    "binary.off": (bytes(range(256)) * 4, "not a text"),
    "header.off": (b"PLY\n3 1 0\n", "not an OFF file"),
    "counts.off": (b"OFF\nthree one zero\n", "counts"),
    "truncated.off": (_off(TETRA_V, TETRA_F).encode()[:-20], "truncated"),
    "vertex.off": (_off(TETRA_V, TETRA_F).replace("0 1 0", "0 x 0", 1).encode(), "vertex 2"),
    "nan.off": (_off(TETRA_V, TETRA_F).replace("0 1 0", "0 nan 0", 1).encode(), "NaN"),
    "inf.off": (_off(TETRA_V, TETRA_F).replace("0 1 0", "0 inf 0", 1).encode(), "infinite"),
    "index.off": (_off(TETRA_V, [[0, 2, 1], [0, 1, 3], [0, 3, 7], [1, 2, 3]]).encode(), "out of range"),
    "negative.off": (_off(TETRA_V, [[0, 2, -1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]).encode(), "out of range"),
    "degenerate.off": (_off([[0, 0, 0], [1, 1, 1], [2, 2, 2], [0, 0, 0]], [[0, 1, 2], [1, 2, 3], [0, 0, 1]]).encode(),
                       "degenerate"),
    "noface.off": (_off(TETRA_V, []).encode(), "no faces"),
    "smallface.off": (b"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n2 0 1\n", "need >= 3"),
    "garbled.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nbogus line\nend_header\n", "header line"),
    "nomagic.ply": (b"OFF\n", "not a PLY file"),
    "short.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
                  b"element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n", "could not be parsed"),
    "mesh.xyz": (b"1 2 3\n", "unknown mesh format"),
    # a face index beyond int64 used to escape as an OverflowError traceback
    "huge.off": (_off(TETRA_V, [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 10**30]]).encode(), "out of range"),
    # a header that declares fewer faces than the file holds used to read part of the mesh
    "extra.off": (_off(TETRA_V, TETRA_F).replace("4 4 0", "4 3 0", 1).encode(), "declares"),
    "extra.ply": (b"ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n"
                  b"property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
                  b"0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n", "declares"),
    "huge.ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
                 b"property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
                 b"0 0 0\n1 0 0\n0 1 0\n3 0 1 99999999999999999999999\n", "out of range"),
    "short.stl": (b"\0" * 80 + np.uint32(5).tobytes() + b"\0" * 50, "truncated"),
    "broken.stl": (b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0\n", "vertex"),
    "noface.obj": (b"v 0 0 0\nv 1 0 0\n", "no faces"),
    "index.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n", "out of range"),
    "zero.obj": (b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", "OBJ indices start at 1"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_raises_naming_file(tmp_path, name):
    content, problem = BAD_FILES[name]
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(MeshError) as exc:
        read_mesh(p)
    msg = str(exc.value)
    assert str(p) in msg, msg
    assert problem in msg, msg
    assert isinstance(exc.value, ValueError)


def test_missing_file(tmp_path):
    p = tmp_path / "nope.off"
    with pytest.raises(MeshError, match="cannot read") as exc:
        read_mesh(p)
    assert str(p) in str(exc.value)


def test_open_mesh_warns_with_name(tmp_path):
    p = tmp_path / "open.off"
    p.write_text(_off(TETRA_V, TETRA_F[:3]))
    with pytest.warns(UserWarning, match="open mesh") as rec:
        m = read_mesh(p)
    assert str(p) in str(rec[0].message)
    rep = validate(m, warn=False)
    assert rep.n_boundary_edges == 3 and not rep.watertight


def test_nonmanifold_mesh_warns(tmp_path):
    # three triangles on one edge (a "book" with three pages)
    v = [[0, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, -1, 0]]
    p = tmp_path / "book.off"
    p.write_text(_off(v, [[0, 1, 2], [1, 0, 3], [0, 1, 4]]))
    with pytest.warns(UserWarning, match="non-manifold"):
        m = read_mesh(p)
    topo = edge_topology(m.faces)
    assert (topo.n_faces == 3).sum() == 1


def test_validate_counts_degenerate_faces():
    v = np.r_[CUBE_V, [[0.5, 0.0, 0.0]]]  # a point on an edge: a zero-area sliver
    f = np.r_[CUBE_F, [[0, 8, 4]]]
    rep = validate(Mesh(v, f), warn=False)
    assert rep.n_degenerate_faces == 1 and not rep.ok


def test_elbow_report_matches_reference(elbow, ref_dir):
    ref = json.loads((ref_dir / "reference_results.json").read_text())["grids"]["32"]["mesh_reference"]
    v = np.load(ref_dir / "S32_verts.npy")
    rep = validate(Mesh(v, elbow.faces))
    assert rep.ok, rep.problems()
    assert rep.euler_characteristic == ref["euler_char"] == -8
    assert rep.area == pytest.approx(ref["area"], rel=1e-12)
    assert rep.volume == pytest.approx(ref["volume_righthand"], rel=1e-12)
    assert rep.angular_defect_sum == pytest.approx(ref["two_pi_chi"], abs=1e-9)
    # the reference used arccos of the normals' dot product, which is off by up to ~2e-8 rad on
    # the mesh's flat edges; our atan2 form is exact there (see features.py)
    assert rep.sum_theta_length == pytest.approx(ref["sum_theta_len"], rel=1e-7)


@pytest.mark.parametrize("S", [32, 64, 128])
def test_normalisation_reproduces_reference_bits(elbow, ref_dir, S):
    assert np.array_equal(normalize_to_grid(elbow.vertices, S), np.load(ref_dir / f"S{S}_verts.npy"))


def test_normalisation_with_rotation():
    R = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    v = normalize_to_grid(CUBE_V * [1, 2, 4], 10, R)
    lo, hi = v.min(axis=0), v.max(axis=0)
    assert np.allclose(lo + hi, 0) and np.isclose((hi - lo).max(), 9.0)
    assert np.allclose(hi - lo, [4.5, 2.25, 9.0])  # x and y swapped by the rotation


def test_warnings_not_raised_for_closed_mesh(tmp_path):
    p = tmp_path / "tetra.off"
    p.write_text(_off(TETRA_V, TETRA_F))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert validate(read_mesh(p)).ok


# --------------------------------------------------------------------------------------------
# formats CAD users have (STL, OBJ), fast binary reading, and the faults of issue 12 item 8


def _binary_stl(v, f, path):
    tri = np.asarray(v, dtype=np.float32)[np.asarray(f)]
    rec = np.zeros(len(f), np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")]))
    rec["v"] = tri
    path.write_bytes(b"binary stl".ljust(80, b" ") + np.uint32(len(f)).tobytes() + rec.tobytes())


def test_binary_stl_welds_vertices(tmp_path):
    p = tmp_path / "cube.stl"
    _binary_stl(CUBE_V, CUBE_F, p)
    m = read_mesh(p)
    # STL stores three corners per triangle: shared corners are merged back into 8 vertices
    assert m.n_vertices == 8 and m.n_faces == 12
    assert np.array_equal(m.vertices[m.faces], CUBE_V[CUBE_F])
    assert validate(m).ok


def test_ascii_stl(tmp_path):
    p = tmp_path / "cube.stl"
    body = "".join("facet normal 0 0 0\n outer loop\n" + "".join(f"  vertex {x} {y} {z}\n" for x, y, z in CUBE_V[t])
                   + " endloop\nendfacet\n" for t in CUBE_F)
    p.write_text("solid cube\n" + body + "endsolid cube\n")
    m = read_mesh(p)
    assert m.n_vertices == 8 and np.array_equal(m.vertices[m.faces], CUBE_V[CUBE_F])


def test_obj_with_slashes_negative_indices_and_quads(tmp_path):
    p = tmp_path / "cube.obj"
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    lines = ["# cube", "o cube", "mtllib x.mtl"] + [f"v {x} {y} {z}" for x, y, z in CUBE_V] + ["vn 0 0 1", "vt 0 0"]
    for k, q in enumerate(quads):
        # mix the index forms OBJ allows: v, v/vt, v//vn, v/vt/vn and negative (relative) indices
        toks = [f"{i + 1}" if k % 4 == 0 else f"{i + 1}/1" if k % 4 == 1 else f"{i - 8}//1" if k % 4 == 2
                else f"{i + 1}/1/1" for i in q]
        lines.append("f " + " ".join(toks))
    p.write_text("\n".join(lines) + "\n")
    m = read_mesh(p)
    assert m.n_faces == 12 and validate(m).ok


def _binary_ply_bytes(v, f, extra_vertex_prop=True):
    head = ("ply\nformat binary_little_endian 1.0\n"
            f"element vertex {len(v)}\nproperty float x\nproperty float y\nproperty float z\n"
            + ("property uchar red\n" if extra_vertex_prop else "")
            + f"element face {len(f)}\nproperty list uchar int vertex_indices\nend_header\n").encode()
    vdt = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")] + ([("r", "u1")] if extra_vertex_prop else [])
    vv = np.zeros(len(v), vdt)
    vv["x"], vv["y"], vv["z"] = np.asarray(v, dtype=np.float32).T
    ff = np.zeros(len(f), [("n", "u1"), ("i", "<i4", 3)])
    ff["n"], ff["i"] = 3, f
    return head + vv.tobytes() + ff.tobytes()


def _grid_mesh(n):
    """A closed n x n x 2 'pillow' (two grids glued at the rim): 4 n^2 faces."""
    g = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)
    quads = np.stack([g[:-1, :-1], g[1:, :-1], g[1:, 1:], g[:-1, 1:]], -1).reshape(-1, 4)
    top = np.r_[quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]
    x, y = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    v = np.c_[x.ravel(), y.ravel(), np.zeros(x.size)].astype(float)
    return v, np.r_[top, top[:, ::-1]]


def test_binary_ply_and_stl_are_read_fast(tmp_path):
    # 200k faces: the per-face Python loop took 2.9 s for the PLY on an idle machine; the record
    # array takes about 0.05 s, so the 2 s bound fails the loop anywhere and holds on a loaded CI box
    v, f = _grid_mesh(224)
    assert len(f) >= 200_000
    ply, stl = tmp_path / "big.ply", tmp_path / "big.stl"
    ply.write_bytes(_binary_ply_bytes(v, f))
    _binary_stl(v, f, stl)
    from deeprates.voxel.mesh import _read_faces_and_vertices

    for p in (ply, stl):
        t0 = time.perf_counter()
        verts, faces = _read_faces_and_vertices(p)
        assert time.perf_counter() - t0 < 2.0, p
        assert len(faces) == len(f)
        assert np.array_equal(verts[faces], v[f])


def test_binary_ply_with_mixed_polygons(tmp_path):
    # a quad and triangles in one binary face list: the general (non-uniform) path
    head = (b"ply\nformat binary_big_endian 1.0\nelement vertex 8\nproperty double x\nproperty double y\n"
            b"property double z\nelement face 11\nproperty list uchar int vertex_indices\nproperty uchar flags\n"
            b"end_header\n")
    tris = CUBE_F[2:]
    body = CUBE_V.astype(">f8").tobytes()
    body += np.uint8(4).tobytes() + np.array([0, 1, 3, 2], ">i4").tobytes() + b"\x07"
    for t in tris:
        body += np.uint8(3).tobytes() + np.asarray(t, ">i4").tobytes() + b"\x07"
    p = tmp_path / "mixed.ply"
    p.write_bytes(head + body)
    m = read_mesh(p)
    assert m.n_faces == 12 and validate(m).ok


def test_binary_ply_with_trailing_faces_is_refused(tmp_path):
    data = _binary_ply_bytes(CUBE_V, CUBE_F).replace(b"element face 12", b"element face 10")
    p = tmp_path / "extra.ply"
    p.write_bytes(data)
    with pytest.raises(MeshError, match="declares") as exc:
        read_mesh(p)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e-12, 1e12])
def test_degeneracy_is_scale_invariant(tmp_path, scale):
    p = tmp_path / "cube.off"
    p.write_text(_off((CUBE_V * scale).tolist(), CUBE_F.tolist()))
    rep = validate(read_mesh(p))
    assert rep.n_degenerate_faces == 0
    assert rep.ok, rep.problems()


@pytest.mark.parametrize("suffix", [".off", ".ply", ".obj", ".stl"])
def test_utf8_byte_order_mark_is_accepted(tmp_path, suffix):
    src = tmp_path / f"plain{suffix}"
    if suffix == ".off":
        src.write_text(_off(CUBE_V.tolist(), CUBE_F.tolist()))
    elif suffix == ".ply":
        write_ply(Mesh(CUBE_V, CUBE_F), src)
    elif suffix == ".obj":
        src.write_text("".join(f"v {x} {y} {z}\n" for x, y, z in CUBE_V)
                       + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in CUBE_F))
    else:
        src.write_text("solid c\n" + "".join("facet normal 0 0 0\nouter loop\n" + "".join(
            f"vertex {x} {y} {z}\n" for x, y, z in CUBE_V[t]) + "endloop\nendfacet\n" for t in CUBE_F)
            + "endsolid c\n")
    p = tmp_path / f"bom{suffix}"
    p.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    assert validate(read_mesh(p)).ok


def test_check_mesh_names_every_bad_file_and_goes_on(tmp_path, capsys):
    from deeprates.cli import main

    good = tmp_path / "good.off"
    good.write_text(_off(TETRA_V, TETRA_F))
    huge = tmp_path / "huge.off"
    huge.write_text(_off(TETRA_V, [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 10**30]]))
    extra = tmp_path / "extra.off"
    extra.write_text(_off(TETRA_V, TETRA_F).replace("4 4 0", "4 3 0", 1))
    assert main(["voxel", "check-mesh", str(huge), str(extra), str(good)]) == 2
    out, err = capsys.readouterr()
    assert str(huge) in err and str(extra) in err and "Traceback" not in err
    assert f"{good}: ok" in out


def test_train_test_overlap_is_refused(tmp_path):
    from deeprates.voxel.mesh import check_split_disjoint

    a, b, c = (tmp_path / n for n in ("a.off", "b.off", "c.off"))
    a.write_text(_off(TETRA_V, TETRA_F))
    b.write_text(_off(CUBE_V.tolist(), CUBE_F.tolist()))
    c.write_text(_off(TETRA_V, TETRA_F))  # a copy of a under another name
    check_split_disjoint([a], [b])
    with pytest.raises(MeshError, match="both") as exc:
        check_split_disjoint([a, b], [tmp_path / "." / "b.off"])   # the same file
    assert "b.off" in str(exc.value)
    with pytest.raises(MeshError, match="same mesh") as exc:
        check_split_disjoint([a], [c])                              # the same content
    assert "a.off" in str(exc.value) and "c.off" in str(exc.value)
