"""voxel.workload: the geometry the voxel stages' cost models read off a data set's meshes."""

import numpy as np
import pytest

from voxel_testdata import CUBE_F, CUBE_V

from deeprates.cost import drivers
from deeprates.voxel import workload
from deeprates.voxel.dataset import DatasetSpec
from deeprates.voxel.mesh import GRID_FILL, Mesh, write_off
from deeprates.voxel.shapes import CLASSES, generate_mesh


def _cube_dir(tmp_path, scales=(1.0, 3.0)):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
    for i, s in enumerate(scales):
        write_off(Mesh(CUBE_V * s, CUBE_F), tmp_path / "a" / f"c{i}.off")
    write_off(Mesh(CUBE_V, CUBE_F), tmp_path / "b" / "t.off")
    write_off(Mesh(CUBE_V * 2.0, CUBE_F), tmp_path / "b" / "u.off")
    (tmp_path / "train.txt").write_text("".join(f"a/c{i}.off\n" for i in range(len(scales))) + "b/u.off\n")
    (tmp_path / "test.txt").write_text("b/t.off\n")
    return DatasetSpec(mesh_dir=str(tmp_path))


def test_a_cubes_area_is_taken_in_its_rotated_boxes_grid_units(tmp_path):
    """A cube scaled to the grid (longest side of its box 0.9 at S = 1) has area 6 x 0.81
    unrotated; a rotated copy's box is longer than the cube's side (up to sqrt(3) x), so its
    area in grid units is smaller, and the average lies strictly between. The cube's size does
    not matter (the grid is scaled to the box), and the face count is the mesh's."""
    spec = _cube_dir(tmp_path)
    label, items = spec.class_members()[0]
    geometry = workload.class_geometry(spec, label, items)
    mean = workload.mean_geometry(geometry)
    faces, area = mean["faces"], mean["area"]
    assert faces == len(CUBE_F)
    unrotated = 6 * GRID_FILL**2
    assert unrotated / 3 < area < unrotated * 0.95
    assert geometry[0] == pytest.approx(geometry[1])
    assert workload.mesh_stage_us_per_face(spec, label) == workload.READ_US_PER_FACE


def test_generated_geometry_is_the_generators_meshes():
    """A generated class's geometry rebuilds the meshes the meshes stage writes (the seed rule
    of make_class_manifest), and a chunk's is its own meshes'."""
    spec = DatasetSpec(n_train=2, n_test=1, classes=("gear", "long_pin"), seed=3, chunk_size=2)
    faces = [generate_mesh("long_pin", 3 * 100003 + k).mesh.n_faces for k in range(3)]
    geometry = workload.class_geometry(spec, *spec.class_members()[1])
    assert workload.mean_geometry(geometry)["faces"] == pytest.approx(np.mean(faces))
    assert workload.mean_geometry(geometry[2:4])["faces"] == faces[2]
    assert workload.mesh_stage_us_per_face(spec, "gear") == workload.GENERATOR_US_PER_FACE["gear"]


def test_every_generated_class_has_a_generator_cost():
    assert set(workload.GENERATOR_US_PER_FACE) == set(CLASSES)
    assert all(v > 0 for v in workload.GENERATOR_US_PER_FACE.values())


def test_a_chunk_of_larger_meshes_costs_more_and_grows_with_the_grids():
    """The features chunk's work is in the meshes' area x S^2 (plus their faces): doubling the
    area at the paper's grids nearly doubles it; the meshes job's work is faces x the class's
    generator cost."""
    p = {"meshes": 6, "copies": 20, "sizes": [1, 2, 4, 8, 16, 32, 64, 128], "raw_sizes": [1, 2, 4, 8],
         "faces": 2500.0, "area": 1.0}
    def work(**kw):
        return drivers.voxel_features("k-c00-p0", {**p, **kw}).work

    # linear in the area, at 120 copies x sum_S S^2 = 21845 per unit of area
    assert work(area=2.0) - work(area=1.0) == pytest.approx(work(area=1.0) - work(area=0.0))
    assert work(area=2.0) - work(area=1.0) == pytest.approx(120 * 21845)
    assert work(area=1.0, faces=0.0) == pytest.approx(120 * 21845)
    # the grids up to 8 are 0.4 % of the area term
    assert work(sizes=[1, 2, 4, 8], faces=0.0) < work(faces=0.0) / 200
    m = {"meshes": 10, "faces": 2000.0, "us_per_face": 5.0}
    assert drivers.voxel_meshes("k-c00", {**m, "us_per_face": 10.0}).work == 2 * drivers.voxel_meshes("k-c00", m).work


def test_cost_estimates_do_not_enter_the_voxel_commands_fingerprints():
    """workload.py may change with the cost model: the voxel stages' outputs must not go stale."""
    from deeprates import workflow_support as ws

    for command in ("cmd_voxel_meshes", "cmd_voxel_features"):
        modules = ws.code_modules((("deeprates.cli", command),))
        assert "deeprates.voxel.dataset" in modules
        assert "deeprates.voxel.workload" not in modules and "deeprates.cost.drivers" not in modules
