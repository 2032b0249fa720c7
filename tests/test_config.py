"""Bad configuration is rejected before any job runs, with the key named."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from conftest import copy_workflow, run, snakemake_cmd
from deeprates import config as cfg
from deeprates.figures import check_config


@pytest.fixture(scope="module")
def default(repo):
    return cfg.load_yaml(repo / "config" / "config.yaml")


def test_every_schema_file_is_valid_yaml(repo):
    for path in (repo / "src" / "deeprates" / "schemas").rglob("*.yaml"):
        assert isinstance(cfg.load_yaml(path), dict), path


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda c: c["figures"]["sawtooth-square"].update(m_max=-1), "figures.sawtooth-square.m_max"),
        (lambda c: c["figures"]["sawtooth-square"].update(m_max="many"), "figures.sawtooth-square.m_max"),
        (lambda c: c["figures"]["relu-product"].update(colour="red"), "figures.relu-product.colour"),
        (lambda c: c.update(sed=3), "config key sed: unknown key"),
        (lambda c: c.update(device="tpu"), "config key device"),
        (lambda c: c["figures"].update(nonsense={}), "figures.nonsense"),
    ],
)
def test_schema_errors_name_the_key(default, edit, expected):
    bad = copy.deepcopy(default)
    edit(bad)
    with pytest.raises(cfg.ConfigError) as info:
        check_config(bad)
    assert expected in str(info.value)


def test_semantic_checks_name_the_key(default):
    bad = copy.deepcopy(default)
    bad["figures"]["sawtooth-square"]["m_max_float32"] = 20
    bad["figures"]["sawtooth-square"]["m_max"] = 16
    with pytest.raises(cfg.ConfigError, match="figures.sawtooth-square.m_max_float32"):
        check_config(bad)
    bad = copy.deepcopy(default)
    bad["figures"]["relu-product"]["aligned_grid"] = 1000
    with pytest.raises(cfg.ConfigError, match="figures.relu-product.aligned_grid"):
        check_config(bad)


def test_check_config_command(repo, tmp_path):
    bad = cfg.load_yaml(repo / "config" / "config.yaml")
    bad["figures"]["sawtooth-square"]["m_max"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    res = run(["python", "-m", "deeprates", "check-config", str(path)], cwd=repo)
    assert res.returncode == 1
    assert "figures.sawtooth-square.m_max" in res.stderr


@pytest.mark.workflow
def test_snakemake_stops_before_any_job(tmp_path):
    wd = copy_workflow(tmp_path)
    bad = wd / "bad.yaml"
    bad.write_text("figures:\n  sawtooth-square:\n    m_max: -1\n")
    res = run(snakemake_cmd("--cores", "1", "--configfile", str(bad)), cwd=wd)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "m_max" in out and "-1 is less than the minimum" in out
    assert not (wd / "results").exists(), "no job may start on an invalid config"


def test_defaults_are_filled_through_figure_schemas(repo):
    partial = {"figures": {"relu-product": {"m_max": 5}}}
    cfg.check(partial)  # fills defaults as the workflow does
    rp = partial["figures"]["relu-product"]
    assert rp["m_max"] == 5 and rp["M"] == 1.0 and rp["aligned_grid"] == 1025
    assert partial["seed"] == 20261123 and partial["device"] == "auto"


# ------------------------------------------------------------------ issue 12: one config path


ANCHORED = """
shared: &ds {copies: 4, seed: 0}
figures:
  voxel-resolution: {dataset: *ds}
  voxel-raw-vs-haar: {dataset: *ds}
"""


def test_override_of_one_anchored_section_leaves_the_others(tmp_path):
    """Issue 12 item 5: merged() deep-updated in place, so an override of one voxel figure's
    `dataset` (an alias of the others') changed all six in check-config."""
    base, over = tmp_path / "base.yaml", tmp_path / "over.yaml"
    base.write_text(ANCHORED)
    over.write_text("figures:\n  voxel-resolution: {dataset: {copies: 8}}\n")
    out = cfg.merged(base, over)
    assert out["figures"]["voxel-resolution"]["dataset"] == {"copies": 8, "seed": 0}
    assert out["figures"]["voxel-raw-vs-haar"]["dataset"] == {"copies": 4, "seed": 0}
    # and nothing in the result is shared any more, so later in-place edits stay local too
    assert out["figures"]["voxel-raw-vs-haar"]["dataset"] is not out["shared"]


def test_prepare_leaves_its_input_alone():
    raw = {"figures": {"relu-product": {"M": 1.0}}}
    out = check_config(raw, local=True)
    assert raw == {"figures": {"relu-product": {"M": 1.0}}}
    assert out["figures"]["relu-product"]["m_max"] == 16


def test_workflow_and_check_config_share_prepare(repo):
    """The Snakefile checks the config with the same function check-config uses."""
    assert "deeprates.figures.check_config(" in (repo / "workflow" / "Snakefile").read_text()
    assert "validate(" not in (repo / "workflow" / "Snakefile").read_text()


# ------------------------------------------------------------------ issue 12: what breaks jobs


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_numbers_are_rejected_naming_the_key(default, value):
    """Issue 12 item 6: `M: .nan` passed; the exact job died with an OverflowError naming no key
    and aligned-grid wrote err_aligned = -1 for every m."""
    bad = copy.deepcopy(default)
    bad["figures"]["relu-product"]["M"] = value
    with pytest.raises(cfg.ConfigError, match="figures.relu-product.M: .* not a finite number"):
        check_config(bad, local=True)


def test_non_finite_in_yaml_is_rejected_by_check_config(repo, tmp_path):
    path = tmp_path / "nan.yaml"
    path.write_text("figures:\n  relu-product:\n    M: .inf\n")
    res = run(["python", "-m", "deeprates", "check-config", str(repo / "config" / "config.yaml"), str(path)],
              cwd=repo)
    assert res.returncode == 1 and "figures.relu-product.M" in res.stderr


def test_memory_setting_values_have_maxima(default):
    """random_points: 1e12 was accepted and failed allocating 14.6 TiB."""
    bad = copy.deepcopy(default)
    bad["figures"]["relu-product"]["random_points"] = 10**12
    with pytest.raises(cfg.ConfigError, match="figures.relu-product.random_points"):
        check_config(bad, local=True)


def test_too_many_jobs_are_refused_naming_the_figure(default):
    """spectral-algorithms {seeds: 100000, seeds_per_job: 1} passed; `snakemake -n` then grew
    past 4 GB listing 200,000 jobs."""
    bad = copy.deepcopy(default)
    bad["figures"]["spectral-algorithms"].update(seeds=100000, seeds_per_job=1)
    with pytest.raises(cfg.ConfigError, match="figures.spectral-algorithms: 200000 compute jobs .* max_jobs"):
        check_config(bad, local=True)
    bad["max_jobs"] = 300000
    cfg.check(bad)  # a stated limit the user may raise


def test_cuda_without_cuda_is_refused_for_local_runs(default, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    bad = copy.deepcopy(default)
    bad["device"] = "cuda"
    with pytest.raises(cfg.ConfigError, match="config key device"):
        check_config(bad, local=True)
    check_config(bad, local=False)  # a cluster's submit host need not have the GPU


def test_unwritable_output_folder_is_refused(default, tmp_path, monkeypatch):
    """Issue 12 item 9: a read-only figures/ crashed Snakemake in job preparation."""
    ro = tmp_path / "figs"
    ro.mkdir()
    real_access = cfg.os.access
    # root may write anywhere, so fake the permission bits' verdict for this one folder
    monkeypatch.setattr(cfg.os, "access", lambda p, mode: Path(p) != ro and real_access(p, mode))
    bad = copy.deepcopy(default)
    bad["figures_dir"] = str(ro)
    with pytest.raises(cfg.ConfigError, match=f"config key figures_dir: {ro}"):
        check_config(bad, local=True)
    bad["figures_dir"] = str(ro / "sub" / "dir")  # not there yet: its first existing parent counts
    with pytest.raises(cfg.ConfigError, match="config key figures_dir"):
        check_config(bad, local=True)
