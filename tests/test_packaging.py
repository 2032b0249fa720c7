"""pyproject.toml is the one source of dependencies; environment.yml must list the same pins as its
core dependencies and `pipeline` extra (what the workflow's jobs need)."""

from __future__ import annotations

import tomllib

import yaml


def _pyproject_pins(repo, extras=("pipeline",)) -> dict[str, str]:
    meta = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    pins = {}
    for dep in meta["dependencies"] + [d for e in extras for d in meta["optional-dependencies"][e]]:
        if dep.startswith("deeprates["):
            continue
        name, _, version = dep.partition("==")
        assert version, f"pyproject dependency {dep!r} is not pinned exactly"
        pins[name.strip().lower()] = version.strip()
    return pins


def _environment_pins(repo) -> dict[str, str]:
    env = yaml.safe_load((repo / "environment.yml").read_text())
    pins = {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for dep in item["pip"]:
                assert not dep.startswith(("-e", "-r")), f"environment.yml must be self-contained: {dep}"
                name, _, version = dep.partition("==")
                pins[name.strip().lower()] = version.strip()
    return pins


def test_environment_matches_pyproject(repo):
    assert _environment_pins(repo) == _pyproject_pins(repo)


def test_required_pins(repo):
    pins = _pyproject_pins(repo)
    assert pins["snakemake"] == "9.27.1"
    assert pins["torch"] == "2.13.0"
    assert pins["matplotlib"] == "3.11.2"
    assert _pyproject_pins(repo, extras=("test",))["seaborn"] == "0.13.2"


def test_core_install_is_light_and_test_installs_everything(repo):
    """`pip install deeprates` is the library (no torch, Snakemake, plotting, boosting); run.sh and
    CI install `.[test]`, which must pull in the pipeline."""
    meta = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    core = {d.partition("==")[0] for d in meta["dependencies"]}
    assert core == {"numpy", "scipy", "numba", "pyyaml", "jsonschema", "mpmath"}
    extras = meta["optional-dependencies"]
    assert "deeprates[pipeline]" in extras["test"] and "deeprates[pipeline]" in extras["slurm"]
    assert '.[test]' in (repo / "run.sh").read_text()


def test_slurm_plugin_only_in_extra(repo):
    meta = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    assert not any("executor-plugin-slurm" in d for d in meta["dependencies"])
    assert any("executor-plugin-slurm" in d for d in meta["optional-dependencies"]["slurm"])
    assert "test" in meta["optional-dependencies"]


def test_every_data_file_the_package_reads_is_package_data(repo):
    """A non-Python file under src/deeprates (schemas, the cost models' coefficients) that no
    package-data pattern names is missing from an installed wheel: `pip install .` then fails
    only outside the source tree."""
    from fnmatch import fnmatch

    patterns = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["deeprates"]
    root = repo / "src" / "deeprates"
    data = [p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data
    missing = [f for f in data if not any(fnmatch(f, pat) for pat in patterns)]
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
