"""config/test.yaml, the tiny size: its `verify: report` mode, and the whole workflow run at it.

At the tiny size claims may FAIL (the runs are not asymptotic): `verify: report` lists them and
lets the run finish, labelled in the verdict and the summary; the default config still stops.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest
import yaml

from deeprates import config, run_summary, verification
from deeprates.cli import main

from conftest import REPO, run, snakemake_cmd


def _one_failing_figure(repo, tmp_path):
    doc = json.loads((repo / "figures" / "relu-product.json").read_text())
    doc["claims"][0]["status"], doc["claims"][0]["passed"] = "FAIL", False
    path = tmp_path / "relu-product.json"
    path.write_text(json.dumps(doc))
    return path, doc["claims"][0]["name"]


def test_verify_report_lists_failures_and_lets_the_run_finish(repo, tmp_path, capsys):
    path, name = _one_failing_figure(repo, tmp_path)
    stamp = tmp_path / "verify.ok"
    assert main(["verify", str(path), "--stamp", str(stamp)]) == 1 and not stamp.exists()
    capsys.readouterr()
    assert main(["verify", str(path), "--stamp", str(stamp), "--report-only"]) == 0
    out, err = capsys.readouterr()
    assert f"FAIL relu-product / {name}" in err
    assert verification.NOT_ENFORCED in out and verification.NOT_ENFORCED in stamp.read_text()
    text = run_summary.summary(str(tmp_path), ["relu-product"], time.time() - 5, ok=True, enforced=False)
    assert verification.NOT_ENFORCED in text and f"FAIL relu-product / {name}" in text


def test_only_the_tiny_config_reports_instead_of_failing(repo):
    default = config.merged(repo / "config" / "config.yaml")
    tiny = config.merged(repo / "config" / "config.yaml", repo / "config" / "test.yaml")
    assert default.get("verify", "fail") == "fail" and tiny["verify"] == "report"
    for name in ("config.yaml", "paper.yaml"):
        assert "verify" not in yaml.safe_load((repo / "config" / name).read_text())


@pytest.mark.workflow
def test_the_tiny_workflow_runs_end_to_end(tmp_path):
    """`snakemake --cores 2 --configfile config/test.yaml`, every figure, into a fresh results
    folder, its jobs forked from the warm-start server (deeprates.warm_start). Run in the
    checkout itself (not a copy) so the compiled voxel kernels in its numba cache are reused,
    as in a user's second run; the outputs all go under tmp_path. Its time is measured by
    benchmarks/tiny_run.py, not asserted here."""
    out = tmp_path / "test"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    res = run(snakemake_cmd("--cores", "2", "--configfile", "config/test.yaml", "--config",
                            f"results_dir={out}", f"figures_dir={out / 'figures'}"), cwd=REPO)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"tiny workflow: {wall:.0f} s wall, {cpu:.0f} s CPU")
    assert res.returncode == 0, res.stderr[-4000:]
    for fig in yaml.safe_load((REPO / "config" / "config.yaml").read_text())["figures"]:
        assert all((out / "figures" / f"{fig}.{ext}").is_file() for ext in ("png", "json")), fig
        assert not (out / "figures" / f"{fig}.pdf").exists(), "figure_pdf: false draws no PDF"
    assert verification.NOT_ENFORCED in (out / "verify.ok").read_text()
    assert "deeprates: finished" in res.stderr and verification.NOT_ENFORCED in res.stderr
    # the jobs ran as warm-start children, and the server is gone
    logs = [p.read_text() for p in (out / "logs").rglob("*.log")]
    assert sum("cost (warm start: imports not counted):" in t for t in logs) >= 90
    assert not any("cost: wall_s=" in t for t in logs)
    assert "serving on" in (out / "logs" / "warm-start.log").read_text()
