"""`pip install .` (not editable) works outside the source tree: everything read at run time
(the config schemas, the Snakemake logger plugin) is in the wheel.

The wheel is built without dependencies (they are this venv's) and unpacked into a folder that
is the only deeprates on the path; check-config then runs from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest


@pytest.fixture(scope="module")
def installed(repo, tmp_path_factory):
    wheels = tmp_path_factory.mktemp("wheels")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                          "--quiet", "-w", str(wheels), str(repo)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.fail(f"pip wheel failed:\n{res.stderr[-2000:]}")
    (wheel,) = wheels.glob("deeprates-*.whl")
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(site)
    return site, names


def test_wheel_ships_what_is_read_at_run_time(installed):
    _, names = installed
    assert "deeprates/schemas/config.schema.yaml" in names
    assert any(n.startswith("deeprates/schemas/figures/") and n.endswith(".schema.yaml") for n in names)
    assert "snakemake_logger_plugin_deeprates/__init__.py" in names


def test_check_config_from_another_folder(installed, repo, tmp_path):
    site, _ = installed
    cfg = tmp_path / "my.yaml"
    cfg.write_text((repo / "config" / "config.yaml").read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import sys, deeprates; assert deeprates.__file__.startswith(sys.argv[1]), deeprates.__file__; "
            "from deeprates.cli import main; sys.exit(main(['check-config', sys.argv[2]]))")
    res = subprocess.run([sys.executable, "-c", code, str(site), str(cfg)], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    from deeprates.figures import FIGURES

    assert f"valid ({len(FIGURES)} figures)" in res.stdout
