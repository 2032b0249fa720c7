"""Matplotlib renderings of meshes and voxel features (no display needed: Agg backend).

`draw_mesh` shades a triangle mesh with a fixed light (Lambert); the `draw_*` voxel functions show
one feature kind on the voxel grid the way the author's feature-example figure does: occupied
voxels (Bool), a colour per voxel (SA, VAD, EAD), arrows (AN, drawn outward) and one ellipsoid per
voxel (QF).
"""

from __future__ import annotations

import numpy as np

__all__ = ["draw_mesh", "draw_voxels", "colormap_colors", "draw_arrows", "draw_ellipsoids", "set_cube", "frame",
           "view_of", "camera_light", "lattice", "mesh_text", "mesh_from_text"]

LIGHT = np.array([0.4, -0.5, 0.75]) / np.linalg.norm([0.4, -0.5, 0.75])


def set_cube(ax, lo, hi, zoom: float = 1.3) -> None:
    """Equal aspect box [lo, hi]^3, no axes."""
    for setter in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        setter(lo, hi)
    ax.set_box_aspect((1, 1, 1), zoom=zoom)
    ax.set_axis_off()


def _shade(normals: np.ndarray, rgb, light=LIGHT) -> np.ndarray:
    lam = 0.35 + 0.65 * np.clip(normals @ np.asarray(light), 0.0, 1.0)
    return np.clip(np.asarray(rgb)[None, :3] * lam[:, None], 0, 1)


def draw_mesh(ax, vertices: np.ndarray, faces: np.ndarray, rgb=(0.55, 0.7, 0.9), normalize: bool = True,
              light=LIGHT) -> None:
    """A shaded, edge-less triangle mesh; centred and scaled to [-1, 1]^3 unless `normalize` is
    False (then drawn in its own coordinates, limits left to the caller)."""
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    v = np.asarray(vertices, dtype=float)
    if normalize:
        v = (v - (v.max(0) + v.min(0)) / 2) / max(np.ptp(v, axis=0).max() / 2, 1e-12)
    tri = v[np.asarray(faces)]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-300)
    ax.add_collection3d(Poly3DCollection(tri, facecolors=_shade(n, rgb, light), edgecolors="none", linewidths=0))
    if normalize:
        set_cube(ax, -1, 1)


def _centres(xyz: np.ndarray) -> np.ndarray:
    return np.asarray(xyz, dtype=float) + 0.5


def view_of(points: np.ndarray) -> tuple[float, float]:
    """(elevation, azimuth) in degrees looking along the points' direction of least spread (a plate
    is then seen face on, an elbow bent), tilted towards the other two so that thickness, walls and
    the insides of holes still read as 3-D."""
    p = np.asarray(points, dtype=float)
    _, _, vt = np.linalg.svd(p - p.mean(axis=0), full_matrices=False)
    d = vt[2] + 0.7 * vt[1] + 0.35 * vt[0]
    d /= np.linalg.norm(d)
    if d[2] < 0:
        d = -d
    return float(np.degrees(np.arcsin(d[2]))), float(np.degrees(np.arctan2(d[1], d[0])))


def frame(ax, xyz: np.ndarray, pad: float = 1.0) -> None:
    """Equal-aspect box around the occupied voxels, no axes."""
    x = np.asarray(xyz, dtype=float)
    c = (x.min(axis=0) + x.max(axis=0) + 1) / 2
    h = (x.max(axis=0) - x.min(axis=0) + 1).max() / 2 + pad
    ax.set_xlim(c[0] - h, c[0] + h)
    ax.set_ylim(c[1] - h, c[1] + h)
    ax.set_zlim(c[2] - h, c[2] + h)
    ax.set_box_aspect((1, 1, 1), zoom=1.25)
    ax.set_axis_off()


def camera_light(elev: float, azim: float) -> np.ndarray:
    """A light from behind the viewer's left shoulder for the view (elev, azim): faces turned to the
    viewer are lit, so shading reads the same in every panel drawn from that view."""
    e, a = np.radians(elev + 25), np.radians(azim + 30)
    return np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])


def draw_voxels(ax, xyz: np.ndarray, S: int, colors) -> None:
    """Cubes at the given voxels; `colors` one RGB(A) for all or (n, 3|4) per voxel."""
    x = np.asarray(xyz, dtype=np.int64)
    filled = np.zeros((S, S, S), dtype=bool)
    filled[x[:, 0], x[:, 1], x[:, 2]] = True
    fc = np.zeros((S, S, S, 4))
    col = np.broadcast_to(np.asarray(colors, dtype=float), (len(x), np.shape(colors)[-1]))
    fc[x[:, 0], x[:, 1], x[:, 2], :col.shape[1]] = col
    if col.shape[1] == 3:
        fc[..., 3] = 1.0
    ax.voxels(filled, facecolors=fc, edgecolor=(0.25, 0.25, 0.25, 0.45), linewidth=0.2, shade=False)
    frame(ax, x)


def colormap_colors(values: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    import matplotlib

    norm = matplotlib.colors.Normalize(vmin, vmax, clip=True)
    return matplotlib.colormaps[cmap](norm(np.asarray(values, dtype=float)))


def draw_arrows(ax, xyz: np.ndarray, vectors: np.ndarray, color, length: float = 1.5,
                linewidth: float = 0.6) -> None:
    """Arrows from voxel centres; lengths scaled so the longest is `length` voxels."""
    c = _centres(xyz)
    vec = np.asarray(vectors, dtype=float)
    scale = length / max(np.linalg.norm(vec, axis=1).max(), 1e-300)
    ax.quiver(c[:, 0], c[:, 1], c[:, 2], *(vec * scale).T, color=color, linewidth=linewidth,
              arrow_length_ratio=0.3, normalize=False)
    frame(ax, xyz)


def draw_ellipsoids(ax, xyz: np.ndarray, qf6: np.ndarray, rgb=(0.85, 0.2, 0.15), n_u: int = 8,
                    n_v: int = 5, light=LIGHT) -> None:
    """One ellipsoid per voxel for its quadratic form Q (xx yy zz xy xz yz), drawn as the author's
    rendering does: the ellipsoid (1/2) sqrt(tr Q - Q) applied to the unit sphere, so a flat piece of
    area A (Q = A n n^T) shows as a disk of radius sqrt(A)/2 in its own plane, and a curved or
    creased piece as a thicker body."""
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    q = np.asarray(qf6, dtype=float)
    Q = np.empty((len(q), 3, 3))
    Q[:, 0, 0], Q[:, 1, 1], Q[:, 2, 2] = q[:, 0], q[:, 1], q[:, 2]
    Q[:, 0, 1] = Q[:, 1, 0] = q[:, 3]
    Q[:, 0, 2] = Q[:, 2, 0] = q[:, 4]
    Q[:, 1, 2] = Q[:, 2, 1] = q[:, 5]
    w, U = np.linalg.eigh(Q)
    tr = w.sum(axis=1, keepdims=True)
    semi = 0.5 * np.sqrt(np.clip(tr - w, 0, None) + 1e-3)     # eigenvalues of tr Q - Q, square-rooted
    u = np.linspace(0, 2 * np.pi, n_u + 1)
    v = np.linspace(0, np.pi, n_v + 1)
    sphere = np.stack([np.outer(np.cos(u), np.sin(v)), np.outer(np.sin(u), np.sin(v)),
                       np.outer(np.ones_like(u), np.cos(v))], axis=-1)  # (n_u+1, n_v+1, 3)
    quads = np.stack([sphere[:-1, :-1], sphere[1:, :-1], sphere[1:, 1:], sphere[:-1, 1:]], axis=2)
    quads = quads.reshape(-1, 4, 3)
    normals = quads.mean(axis=1)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    c = _centres(xyz)
    A = U * semi[:, None, :]                              # unit sphere point p -> U diag(semi) p
    polys = c[:, None, None, :] + np.einsum("nij,qkj->nqki", A, quads)
    nrm = np.einsum("nij,qj->nqi", U / semi[:, None, :], normals)  # ellipsoid normal: A^{-T} p
    nrm /= np.maximum(np.linalg.norm(nrm, axis=-1, keepdims=True), 1e-300)
    colors = _shade(nrm.reshape(-1, 3), rgb, light)
    ax.add_collection3d(Poly3DCollection(polys.reshape(-1, 4, 3), facecolors=colors, edgecolors="none",
                                         linewidths=0))
    frame(ax, xyz)


def lattice(xyz: np.ndarray, step: int = 2) -> np.ndarray:
    """Mask of the voxels whose three indices are multiples of `step`: a regular subset on which
    per-voxel glyphs (arrows, ellipsoids) stay apart enough to read at fine grids."""
    x = np.asarray(xyz, dtype=np.int64)
    return np.all(x % step == 0, axis=1)


def mesh_text(vertices, faces, digits: int = 5) -> dict:
    """A mesh for a figure's JSON as two lines of text ("x y z x y z ..." with `digits` significant
    digits, "i j k i j k ..."): one number per line, as the indented JSON writes lists, would make
    a rendered mesh several times larger. Read back with `mesh_from_text`."""
    v = np.asarray(vertices, dtype=float).ravel()
    f = np.asarray(faces, dtype=np.int64).ravel()
    return {"vertices": " ".join(f"{x:.{digits}g}" for x in v), "faces": " ".join(map(str, f)),
            "format": "vertices: x y z per vertex; faces: three 0-based vertex indices per triangle"}


def mesh_from_text(d: dict) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (n, 3), faces (m, 3)) from `mesh_text`'s dict."""
    v = np.array(d["vertices"].split(), dtype=float).reshape(-1, 3)
    f = np.array(d["faces"].split(), dtype=np.int64).reshape(-1, 3)
    return v, f
