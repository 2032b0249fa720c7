"""D1 voxel-feature-examples: six feature kinds on a machined part, and the engine's identities on
every mesh of the data set (arXiv:1701.04249, Section 2 and its feature-example figure).

Cases:
- `example`: a generated part with sharp edges and holes (class `part`, seed `part_seed`; or the
  user's mesh, key `mesh`) after a random rotation, voxelised at S; the figure shows Bool, SA, AN
  (arrows outward), QF (ellipsoids), VAD and EAD from one viewpoint. The author's own picture
  uses a machined part at about S = 32, on which EAD marks every edge and VAD every corner; on a
  smooth part both would show almost nothing.
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
from deeprates.figure_record import Measurement
from deeprates.voxel.classify import random_rotations
from deeprates.voxel.dataset import DatasetSpec, config_problems
from deeprates.voxel.extraction import FeatureStore
from deeprates.voxel.features import FEATURE_COLUMNS, KIND_COLUMNS, compute_features
from deeprates.voxel.identities import CLOSED_ONLY, IDENTITIES, identity_residuals, mesh_invariants
from deeprates.voxel.mesh import GRID_FILL, normalize_to_grid, read_mesh, validate
from deeprates.voxel.render import mesh_text
from deeprates.voxel.shapes import generate_mesh

ID = "voxel-feature-examples"
TRACK = "voxel"
TITLE = "Voxel features of a machined part, and the engine's identities on every mesh"
PAPER = "arXiv:1701.04249 (Yarotsky 2017), Section 2 (features) and the feature-example figure"

IDENTITY_TOL = 1e-6  # relative; float32 storage alone gives ~6e-8 per value


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
                          "at a readable OFF/PLY mesh or set it to null to use a generated part")


def _example_mesh(p: dict):
    if p.get("mesh"):
        return read_mesh(p["mesh"])
    return generate_mesh(p["part"], p["part_seed"]).mesh


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
    src = (f"the mesh {p['mesh']}" if p.get("mesh") else
           f"a generated {p['part'].replace('_', ' ')} (seed {p['part_seed']}) with sharp edges and holes")
    return (
        f"Voxel features of {src} after a random rotation, at grid size S = {p['S']}, all panels from "
        "one viewpoint: (a) the mesh; (b) Bool, the occupied voxels; (c) SA, surface area per voxel; "
        "(d) AN, the direction of each voxel's area-weighted normal (drawn outward, on the voxels with at "
        "least a third of the largest area; at S > 16 on every second voxel per axis, as the QF glyphs, "
        "so that they stay apart); (e) QF = sum A n n^T, one ellipsoid (1/2) sqrt(tr QF - QF) per voxel as in "
        "the author's rendering (a flat piece of area A is a disk of radius sqrt(A)/2 in its plane); (f) VAD, vertex angular defect and "
        "(g) EAD, edge angular defect, clipped to [-pi, pi] (red positive, blue negative). (h) The "
        "largest relative residual of each global identity of the engine over every rotated copy "
        "of every mesh of the data set at every grid size, against the 1e-6 tolerance."
    )


def measure(results: dict, p: dict) -> Measurement:
    ex, ident = results["example"], results["identities"]
    spec = DatasetSpec.from_params(p["dataset"])
    claims = []
    for name, text in IDENTITIES.items():
        d = ident["identities"][name]
        ex_r = ex["identities"][name]
        checked = [x for x in (d["max"], ex_r) if x is not None and math.isfinite(x)]
        worst = max(checked) if checked else math.nan  # no closed mesh at all: nothing to check, fail
        scope = (f"{d['n_meshes_checked']} meshes x copies x {len(ident['sizes'])} grid sizes "
                 f"({d['n_checked']} checks) and the example mesh")
        claims.append(Claim.within(
            ID, f"identity {text}", paper=PAPER, kind="consistency",
            statement=f"{text} on every copy of every {'closed ' if name in CLOSED_ONLY else ''}mesh, "
                      "relative residual",
            measured=worst, lo=0.0, hi=IDENTITY_TOL, theory=0.0,
            why="an identity of the construction (arXiv:1701.04249, Section 2); 1e-6 relative: the "
                "features are stored in float32 (2^-24 = 6e-8 per value), relative to the summed "
                "magnitudes (deeprates.voxel.identities)",
            detail=f"{scope}; worst data-set mesh {spec.results_relative(d['worst_mesh'])}"))
    vals = np.asarray(ex["values"], dtype=float)
    data = {
        "example": {"S": ex["S"], "mesh": ex["mesh"], "euler_characteristic": ex["euler_characteristic"],
                    # float32 values: 9 significant digits restore them exactly, at half the text
                    "rotation": ex["rotation"], "xyz": ex["xyz"],
                    "values": [[float(f"{x:.9g}") for x in row] for row in vals.tolist()],
                    "columns": list(FEATURE_COLUMNS),
                    "mesh": mesh_text(ex["mesh_vertices"], ex["mesh_faces"], 6),
                    "units": "grid units: lengths in voxels (area voxel^2, volume voxel^3), angles in radians; "
                             "mesh vertices in grid coordinates centred at 0 (text, deeprates.voxel.render.mesh_from_text)",
                    "mesh_source": "the mesh is the `mesh` key's file, or shapes.generate_mesh(part, part_seed), "
                                   "rotated by `rotation` and scaled by mesh.normalize_to_grid",
                    "identities": ex["identities"]},
        "identities": {**ident, "identities": {
            name: {**d, "worst_mesh": spec.results_relative(d["worst_mesh"])}
            for name, d in ident["identities"].items()}},
        "identity_tolerance": IDENTITY_TOL,
        "identity_labels": dict(IDENTITIES),
    }
    tol = {"data.identities": {"rel": 1.0, "abs": 1e-7}, "data.example.identities": {"rel": 1.0, "abs": 1e-7},
           "claims": {"rel": 1.0, "abs": 1e-7}}
    return Measurement(data, claims, tol)


def _truncated(cmap: str, lo: float):
    """The colormap from fraction `lo` up: the smallest value still shows against white."""
    import matplotlib

    return matplotlib.colors.ListedColormap(matplotlib.colormaps[cmap](np.linspace(lo, 1, 256)))


def draw(d: dict, p: dict):
    import matplotlib
    import matplotlib.pyplot as plt

    from deeprates.voxel.render import (
        camera_light,
        colormap_colors,
        draw_arrows,
        draw_ellipsoids,
        draw_mesh,
        draw_voxels,
        frame,
        lattice,
        mesh_from_text,
        view_of,
    )

    plotting.apply_style()
    ex = d["example"]
    S = ex["S"]
    xyz = np.asarray(ex["xyz"])
    vals = np.asarray(ex["values"], dtype=float)
    col = {k: list(v) for k, v in KIND_COLUMNS.items()}
    mesh_v, mesh_f = mesh_from_text(ex["mesh"])
    mesh_v = mesh_v + S / 2  # grid coordinates: voxel (i, j, k) is [i, i+1] x ...

    fig = plt.figure(figsize=(12.0, 6.2))
    grid = fig.add_gridspec(2, 4, left=0.0, right=0.99, bottom=0.07, top=0.95, wspace=0.02, hspace=0.08)
    panels = [fig.add_subplot(grid[i // 4, i % 4], projection="3d") for i in range(7)]
    ax_id = fig.add_subplot(grid[1, 3])
    elev, azim = view_of(mesh_v)
    light = camera_light(elev, azim)
    step = 2 if S > 16 else 1  # glyphs on every second voxel per axis at fine grids, else they merge
    glyph = lattice(xyz, step)
    draw_mesh(panels[0], mesh_v, mesh_f, normalize=False, light=light)
    panels[0].set_title("mesh")
    draw_voxels(panels[1], xyz[vals[:, col["Bool"][0]] > 0], S, (0.2, 0.75, 0.3))
    panels[1].set_title("Bool")
    sa = vals[:, col["SA"][0]]
    sa_max = float(sa.max())
    sa_cmap = _truncated("Blues", 0.15)
    norm = matplotlib.colors.Normalize(0.0, sa_max)
    draw_voxels(panels[2], xyz, S, sa_cmap(norm(sa)))
    panels[2].set_title("SA")
    # the engine's AN is the inward area vector; drawn outward as the author's figure does, as unit
    # arrows on the voxels holding a real piece of surface (tiny corner slivers only add noise)
    an = -vals[:, col["AN"]]
    big = (sa >= sa_max / 3) & glyph
    unit = an[big] / np.maximum(np.linalg.norm(an[big], axis=1, keepdims=True), 1e-300)
    draw_voxels(panels[3], xyz, S, (0.85, 0.85, 0.9, 0.2))
    draw_arrows(panels[3], xyz[big], unit, (0.1, 0.2, 0.8), length=2.0 * step, linewidth=0.9)
    panels[3].set_title("AN (outward)")
    nz = (sa > 0) & glyph
    draw_ellipsoids(panels[4], xyz[nz], vals[nz][:, col["QF"]], rgb=(0.95, 0.35, 0.25), light=light)
    panels[4].set_title("QF")
    for ax, kind in ((panels[5], "VAD"), (panels[6], "EAD")):
        draw_voxels(ax, xyz, S, colormap_colors(vals[:, col[kind][0]], "bwr", -math.pi, math.pi))
        ax.set_title(f"{kind} (clipped to ±π)")
    for ax in panels:  # one box and one viewpoint for every panel
        frame(ax, xyz)
        ax.view_init(elev=elev, azim=azim)
        ax.set_rasterized(True)  # tens of thousands of polygons: keep the PDF small
    cax = panels[2].inset_axes([0.9, 0.25, 0.03, 0.5])
    fig.colorbar(matplotlib.cm.ScalarMappable(norm, sa_cmap), cax=cax, label="area (voxel²)")
    # VAD and EAD share one scale: its bar sits between them, clear of the identity names
    cax = panels[6].inset_axes([0.0, 0.25, 0.025, 0.5])
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-math.pi, math.pi), "bwr"),
                       cax=cax, ticks=[-math.pi, 0, math.pi])
    bar.ax.set_yticklabels(["-π", "0", "π"])
    bar.ax.yaxis.set_ticks_position("left")
    labels = d["identity_labels"]
    names = list(labels)
    worst = []
    for name in names:
        got = [x for x in (d["identities"]["identities"][name]["max"], ex["identities"][name])
               if x is not None and math.isfinite(x)]
        worst.append(max(got) if got else 0.0)
    ax_id.barh(np.arange(len(names))[::-1], np.maximum(worst, 1e-18), color=plotting.colors(1)[0])
    ax_id.axvline(d["identity_tolerance"], color="red", ls="--", lw=1)
    ax_id.set_xscale("log")
    ax_id.set_xlim(1e-10, 1e-4)
    ax_id.set_yticks(np.arange(len(names))[::-1], [labels[k] for k in names], fontsize=6.5)
    ax_id.set_xlabel(f"max relative residual, {d['identities']['n_meshes']} meshes")
    ax_id.set_title("identities")
    inner = ax_id.get_position()  # room on the left for the identity names
    ax_id.set_position([inner.x0 + 0.1, inner.y0 + 0.03, inner.width - 0.16, inner.height - 0.06])
    plotting.label_panels([*panels, ax_id])
    return fig
