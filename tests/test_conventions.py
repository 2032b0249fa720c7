"""The files a Snakemake user and a GitHub visitor look for: they exist and say what is true.

CI (GitHub Actions) runs `.ci/run`, which runs exactly the README's two commands; the workflow
catalog's file names the same commands; LICENSE is the license pyproject.toml declares.
"""

from __future__ import annotations

import re
import tomllib

import yaml


def test_github_actions_runs_ci_run(repo):
    wf = yaml.safe_load((repo / ".github" / "workflows" / "ci.yml").read_text())
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    assert any("bash .ci/run" in s.get("run", "") for s in steps)
    assert all(job.get("timeout-minutes", 0) >= 90 for job in wf["jobs"].values())


def test_ci_runs_the_readmes_two_commands(repo):
    readme = (repo / "README.md").read_text()
    ci = (repo / ".ci" / "run").read_text()
    for cmd in ("./run.sh test", "./run.sh figures"):
        assert cmd in readme, cmd
        assert re.search(rf"^{re.escape(cmd)}\b", ci, re.M), cmd


def test_workflow_catalog_file(repo):
    doc = yaml.safe_load((repo / ".snakemake-workflow-catalog.yml").read_text())
    usage = doc["usage"]
    assert usage["mandatory-flags"]["flags"] == "--cores all"
    assert "./run.sh figures" in usage["mandatory-flags"]["desc"]
    assert usage["report"] is True


def test_license_is_the_declared_one(repo):
    declared = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["license"]
    declared = declared if isinstance(declared, str) else declared.get("text", "")
    assert "MIT" in declared
    assert (repo / "LICENSE").read_text().startswith("MIT License")
