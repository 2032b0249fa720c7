"""Shared test fixtures: repository paths and the optional ../shared reference folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tiny_size import tiny_params  # noqa: F401 (tests import it from here or from tiny_size)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference (developer and CI machines only); tests using it skip elsewhere."""
    ref = SHARED / "reference"
    if not ref.is_dir():
        pytest.skip("../shared/reference is absent (a user's clone has no ../shared)")
    return ref


def run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    """Run a command with this checkout's code; a leading "python" is this interpreter."""
    if cmd and cmd[0] == "python":
        cmd = [sys.executable, *cmd[1:]]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"),
           # the venv's tools (snakefmt needs shfmt) even when the venv is not activated
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, **kw)


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def snakemake_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args]


def copy_workflow(dest: Path) -> Path:
    """A runnable copy of the workflow (no results, no figures) in `dest`."""
    for name in ("Snakefile", "matplotlibrc", "environment.yml"):
        shutil.copy2(REPO / name, dest / name)
    for name in ("workflow", "src", "config", "profiles"):
        shutil.copytree(REPO / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return dest
