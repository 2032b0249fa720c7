"""The six track-D figure modules on a tiny data set: the data stages through the CLI, every
compute case, every figure (claims present, JSON-able data), and a dry run of the workflow's
voxel rules. Sizes are config/test.yaml's (2 classes, 1 copy, a few rounds) so this stays fast."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deeprates import atomic_io, figure_record, figures
from deeprates.cli import main
from deeprates.runtime import RunContext, derive_seed
from deeprates.voxel.dataset import DatasetSpec

from tiny_size import tiny_params

REPO = Path(__file__).resolve().parents[2]
VOXEL_FIGS = ["voxel-feature-examples", "voxel-resolution", "voxel-raw-vs-haar", "voxel-error-history",
              "voxel-importances", "voxel-predictions"]
PARAMS = {fig: tiny_params(fig) for fig in VOXEL_FIGS}  # config/test.yaml's size
DATASET = PARAMS["voxel-resolution"]["dataset"]  # one data set: the config shares it by an anchor
assert all(p["dataset"] == DATASET for p in PARAMS.values())


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    """The data stages of the workflow, run through the CLI as the rules do."""
    root = tmp_path_factory.mktemp("results")
    spec = DatasetSpec.from_params(DATASET)
    text = json.dumps(spec.to_params())
    for ci in range(len(spec.class_names())):
        assert main(["voxel", "meshes", "--dataset", text, "--class-index", str(ci),
                     "--out", str(root / spec.manifest_path(ci))]) == 0
    for ci, part in spec.chunks():
        assert main(["voxel", "features", "--dataset", text, "--manifest", str(root / spec.manifest_path(ci)),
                     "--part", str(part), "--out", str(root / spec.chunk_path(ci, part))]) == 0
    return root


@pytest.mark.parametrize("fig_id", list(PARAMS))
def test_figure_module_end_to_end(fig_id, results_dir, tmp_path):
    module = figures.load(fig_id)
    p = PARAMS[fig_id]
    module.check_params(p)
    results = {}
    for case in module.cases(p):
        inputs = [results_dir / f for f in module.inputs(case, p)] if hasattr(module, "inputs") else []
        ctx = RunContext(seed=derive_seed(1, fig_id, case), inputs=inputs, label=f"{fig_id}/{case}")
        out = module.compute(case, p, ctx)
        results[case] = json.loads(atomic_io.dumps(out))  # what the figure job reads back
    m, fig, caption = figure_record.make(module, results, p)
    assert m.claims and all(c.figure == fig_id for c in m.claims)
    assert all(c.kind for c in m.claims)
    assert caption == module.caption(p) and caption
    json.loads(atomic_io.dumps(m.data))
    from deeprates import plotting

    assert plotting.render_png(fig)[:4] == b"\x89PNG"
    plotting._pyplot().close(fig)
    if fig_id == "voxel-feature-examples":
        # the engine identities are checked on every copy of every mesh, and hold
        ident = [c for c in m.claims if c.name.startswith("identity")]
        assert len(ident) == 8 and all(c.passed for c in ident), [c.detail for c in ident if not c.passed]
        assert results["identities"]["n_meshes"] == 10
    if fig_id == "voxel-raw-vs-haar":
        assert next(c for c in m.claims if "coincide" in c.name).passed


def test_workflow_dry_run_fans_out_the_data_stages(tmp_path):
    """The default config's voxel figures alone: one meshes job per class, one features job per
    chunk, the figures' compute jobs, and nothing else."""
    import os
    import shutil

    for name in ("Snakefile", "matplotlibrc", "environment.yml"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, tmp_path / name)
    for name in ("workflow", "src", "config", "profiles"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["figures"] = {k: v for k, v in cfg["figures"].items() if k.startswith("voxel-")}
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    res = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules"], cwd=tmp_path,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path / "src")})
    assert res.returncode == 0, res.stderr[-3000:]
    jobs = {}
    for line in (res.stdout + res.stderr).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            jobs[parts[0]] = int(parts[1])
    spec = DatasetSpec.from_params(cfg["figures"]["voxel-error-history"]["dataset"])
    assert jobs["voxel_meshes"] == len(spec.class_names()) == 12
    assert jobs["voxel_features"] == len(spec.chunks())
    n_compute = sum(len(figures.load(f).cases({k: v for k, v in cfg["figures"][f].items() if k != "resources"}))
                    for f in cfg["figures"])
    assert jobs["compute"] == n_compute and jobs["figure"] == 6


def test_mesh_paths_are_printed_relative_to_the_results_folder():
    # A second-machine run writes its meshes under results/second-machine/: the figures must
    # print the same path as the default run's, and a user's own mesh as given.
    spec = DatasetSpec()
    tail = f"{spec.root}/meshes/c01/pipe/pipe_3.off"
    for folder in ("results", "results/second-machine", "/abs/out"):
        assert spec.results_relative(f"{folder}/{tail}") == tail
    assert spec.results_relative(tail) == tail
    assert spec.results_relative("/data/esb/pipe_3.off") == "/data/esb/pipe_3.off"
