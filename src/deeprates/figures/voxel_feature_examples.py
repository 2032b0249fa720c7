"""D1 voxel-feature-examples: six feature kinds on a 90-degree elbow, and the engine's identities on
every mesh of the data set (arXiv:1701.04249, Section 2 and its feature-example figure).

Cases:
- `example`: a generated 90-degree elbow (or the user's mesh, key `mesh`) after a random rotation,
  voxelised at S; the figure shows Bool, SA, AN (arrows outward), QF (ellipsoids), VAD and EAD.
- `identities`: the relative residuals of the global identities (deeprates.voxel.identities),
  recorded by the feature extraction for every copy of every mesh at every grid size.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from deeprates import plotting
from deeprates.claims import Claim
from deeprates.config import ConfigError
from deeprates.figure_record import FigureRecord
from deeprates.voxel.classify import random_rotations
from deeprates.voxel.dataset import DatasetSpec, config_problems
from deeprates.voxel.extraction import FeatureStore
from deeprates.voxel.features import KIND_COLUMNS, compute_features
from deeprates.voxel.identities import CLOSED_ONLY, IDENTITIES, identity_residuals, mesh_invariants
from deeprates.voxel.mesh import GRID_FILL, normalize_to_grid, read_mesh, validate
from deeprates.voxel.shapes import generate_mesh

ID = "voxel-feature-examples"
TRACK = "voxel"
TITLE = "Voxel features of a 90-degree elbow, and the engine's identities on every mesh"
PAPER = "arXiv:1701.04249 (Yarotsky 2017), Section 2 (features) and the feature-example figure"

IDENTITY_TOL = 1e-6  # catalog: identities to 1e-6 relative (float32 storage: ~6e-8 per value)


def cases(p: dict) -> list[str]:
    return ["example", "identities"]


def inputs(case: str, p: dict) -> list[str]:
    if case == "identities":
        return DatasetSpec.from_params(p["dataset"]).chunk_paths()
    return []


def check_params(p: dict) -> None:
    for key, msg in config_problems(p["dataset"]):
        raise ConfigError(f"config key figures.{ID}.dataset.{key}: {msg}")
    # Existence and type only: parsing a large mesh here would cost every `snakemake` start
    # (a 2M-face file: 12 s, 1.3 GB); the compute job reads it and names it if it is bad.
    if p.get("mesh") and (not Path(p["mesh"]).is_file()
                          or Path(p["mesh"]).suffix.lower() not in (".off", ".ply")):
        raise ConfigError(f"config key figures.{ID}.mesh: {p['mesh']} is not an OFF/PLY file; point it "
                          "at a readable OFF/PLY mesh or set it to null to use a generated elbow")


def _example_mesh(p: dict):
    if p.get("mesh"):
        return read_mesh(p["mesh"])
    return generate_mesh("elbow_90", p["elbow_seed"]).mesh


def compute(case: str, p: dict, ctx) -> dict:
    if case == "identities":
        store = FeatureStore.load(ctx.inputs, blocks=(), identities=True)
        res, sizes = store.identity_table()
        files = store.mesh_meta["file"]
        mesh_of_row = np.searchsorted(store.mesh_meta["mesh_id"], store.mesh_id)
        out = {"sizes": sizes, "n_meshes": int(len(files)), "n_copies": int(store.n_rows), "identities": {}}
        for j, name in enumerate(IDENTITIES):
            r = res[:, :, j]
            applicable = np.isfinite(r)
            worst = np.nanargmax(np.where(applicable, r, -1.0).max(axis=1)) if applicable.any() else 0
            out["identities"][name] = {
                "max": float(np.nanmax(r)) if applicable.any() else None,
                "median": float(np.nanmedian(r)) if applicable.any() else None,
                "n_checked": int(applicable.sum()),
                "n_meshes_checked": int(len(np.unique(mesh_of_row[applicable.any(axis=1)]))),
                "worst_mesh": str(files[mesh_of_row[worst]]),
            }
            ctx.log(f"{name}: max relative residual {out['identities'][name]['max']}")
        return out
    mesh = _example_mesh(p)
    S = p["S"]
    R = random_rotations(1, np.random.default_rng(ctx.seed), "haar")[0]
    v = normalize_to_grid(mesh.vertices, S, R)
    vf = compute_features(v, mesh.faces, S)
    vr = mesh.vertices @ R.T
    inv = mesh_invariants(mesh.vertices, mesh.faces)
    rep = validate(mesh, warn=False)
    return {
        "S": S,
        "mesh": mesh.name,
        "n_faces": mesh.n_faces,
        "euler_characteristic": rep.euler_characteristic,
        "rotation": R,
        "xyz": vf.xyz,
        "values": vf.values,
        "mesh_vertices": v,
        "mesh_faces": mesh.faces,
        "identities": identity_residuals(vf, inv, GRID_FILL * S / float(np.ptp(vr, axis=0).max()), R),
    }


def caption(p: dict) -> str:
    src = f"the mesh {p['mesh']}" if p.get("mesh") else f"a generated 90-degree elbow (seed {p['elbow_seed']})"
    return (
        f"Voxel features of {src} after a random rotation, at grid size S = {p['S']}: (a) the mesh; "
        "(b) Bool, the occupied voxels; (c) SA, surface area per voxel; (d) AN, area-weighted normals "
        "(drawn outward); (e) QF = sum A n n^T, one ellipsoid (1/2) sqrt(tr QF - QF) per voxel as in "
        "the author's rendering (a flat piece of area A is a disk of radius sqrt(A)/2 in its plane); (f) VAD, vertex angular defect and "
        "(g) EAD, edge angular defect, clipped to [-pi, pi] (red positive, blue negative). (h) The "
        "largest relative residual of each global identity of the engine over every rotated copy "
        "of every mesh of the data set at every grid size, against the 1e-6 tolerance."
    )


def figure(results: dict, p: dict) -> FigureRecord:
    from deeprates.voxel.render import (
        colormap_colors,
        draw_arrows,
        draw_ellipsoids,
        draw_mesh,
        draw_voxels,
        frame,
        view_of,
    )

    ex, ident = results["example"], results["identities"]
    S = ex["S"]
    xyz = np.asarray(ex["xyz"])
    vals = np.asarray(ex["values"], dtype=float)
    col = {k: list(v) for k, v in KIND_COLUMNS.items()}

    claims = []
    for name, text in IDENTITIES.items():
        d = ident["identities"][name]
        ex_r = ex["identities"][name]
        checked = [x for x in (d["max"], ex_r) if x is not None and math.isfinite(x)]
        worst = max(checked) if checked else math.nan  # no closed mesh at all: nothing to check, fail
        scope = (f"{d['n_meshes_checked']} meshes x copies x {len(ident['sizes'])} grid sizes "
                 f"({d['n_checked']} checks) and the example mesh")
        claims.append(Claim.within(
            ID, f"identity {text}", paper=PAPER,
            statement=f"{text} on every copy of every {'closed ' if name in CLOSED_ONLY else ''}mesh, "
                      "relative residual",
            measured=worst, lo=0.0, hi=IDENTITY_TOL, theory=0.0,
            why="catalog: 1e-6 relative; the features are stored in float32 (2^-24 = 6e-8 per value), "
                "relative to the summed magnitudes (identities.py)",
            detail=f"{scope}; worst data-set mesh {d['worst_mesh']}"))

    plotting.apply_style()
    import matplotlib
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(12.0, 6.0))
    panels = [fig.add_subplot(2, 4, i + 1, projection="3d") for i in range(7)]
    ax_id = fig.add_subplot(2, 4, 8)
    mesh_v = np.asarray(ex["mesh_vertices"])
    elev, azim = view_of(mesh_v)
    draw_mesh(panels[0], mesh_v + S / 2, np.asarray(ex["mesh_faces"]), normalize=False)  # grid coordinates
    frame(panels[0], xyz)
    panels[0].set_title("mesh")
    draw_voxels(panels[1], xyz[vals[:, 0] > 0], S, (0.2, 0.75, 0.3))
    panels[1].set_title("Bool")
    sa_max = float(vals[:, col["SA"][0]].max())
    draw_voxels(panels[2], xyz, S, colormap_colors(vals[:, col["SA"][0]], "Blues", -0.15 * sa_max, sa_max))
    panels[2].set_title("SA")
    sa = vals[:, col["SA"][0]] > 0
    # the engine's AN is the inward area vector (README); drawn outward as the author's figure does
    draw_arrows(panels[3], xyz[sa], -vals[sa][:, col["AN"]], (0.1, 0.2, 0.8))
    panels[3].set_title("AN (outward)")
    draw_ellipsoids(panels[4], xyz[sa], vals[sa][:, col["QF"]])
    panels[4].set_title("QF")
    for ax, kind in ((panels[5], "VAD"), (panels[6], "EAD")):
        draw_voxels(ax, xyz, S, colormap_colors(vals[:, col[kind][0]], "bwr", -math.pi, math.pi))
        ax.set_title(f"{kind} (clipped to ±π)")
    sm = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-math.pi, math.pi), "bwr")
    fig.colorbar(sm, ax=panels[6], shrink=0.5, pad=0.02, ticks=[-math.pi, 0, math.pi]).ax.set_yticklabels(["-π", "0", "π"])
    sm = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-0.15 * sa_max, sa_max), "Blues")
    fig.colorbar(sm, ax=panels[2], shrink=0.5, pad=0.02, label="area (voxel²)")
    for ax in panels:
        ax.view_init(elev=elev, azim=azim)
        ax.set_rasterized(True)  # tens of thousands of polygons: keep the PDF small
    names = list(IDENTITIES)
    worst = [c.measured if math.isfinite(c.measured) else 0.0 for c in claims]
    ax_id.barh(np.arange(len(names))[::-1], np.maximum(worst, 1e-18), color=plotting.colors(1)[0])
    ax_id.axvline(IDENTITY_TOL, color="red", ls="--", lw=1)
    ax_id.set_xscale("log")
    ax_id.set_xlim(1e-10, 1e-4)
    ax_id.set_yticks(np.arange(len(names))[::-1], [IDENTITIES[k] for k in names], fontsize=6.5)
    ax_id.set_xlabel("max relative residual")
    ax_id.set_title(f"identities, {ident['n_meshes']} meshes")
    plotting.label_panels([*panels, ax_id])

    data = {
        "example": {"S": S, "mesh": ex["mesh"], "euler_characteristic": ex["euler_characteristic"],
                    # float32 values: 9 significant digits restore them exactly, at half the text
                    "rotation": ex["rotation"], "xyz": xyz,
                    "values": [[float(f"{x:.9g}") for x in row] for row in vals.tolist()],
                    "columns": ["Bool", "SA", "AN_x", "AN_y", "AN_z", "QF_xx", "QF_yy", "QF_zz", "QF_xy",
                                "QF_xz", "QF_yz", "EV_1", "EV_2", "EV_3", "VAD", "EAD", "VE"],
                    "units": "grid units: lengths in voxels (area voxel^2, volume voxel^3), angles in radians",
                    "mesh_source": "the mesh is the `mesh` key's file, or shapes.generate_mesh('elbow_90', "
                                   "elbow_seed), rotated by `rotation` and scaled by mesh.normalize_to_grid",
                    "identities": ex["identities"]},
        "identities": ident,
    }
    tol = {"data.identities": {"rel": 1.0, "abs": 1e-7}, "data.example.identities": {"rel": 1.0, "abs": 1e-7},
           "claims": {"rel": 1.0, "abs": 1e-7}}
    return FigureRecord(fig, data, claims, caption(p), tol)
