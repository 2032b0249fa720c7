"""Bad configuration is rejected before any job runs, with the key named."""

from __future__ import annotations

import copy

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
