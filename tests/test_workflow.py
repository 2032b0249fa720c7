"""The workflow end to end on a tiny config in a temporary directory.

Shows: the default target builds figures + claims table + verification; a second run has
nothing to do; a style change (drawing code) reruns only figure jobs, never the expensive
compute jobs; a failing claim leaves the table and fails the run; a second checkout takes the
compute results from the between-workflow cache (`--cache compute`) instead of recomputing.
"""

from __future__ import annotations

import filecmp
import re

import pytest
import yaml

from conftest import copy_workflow, run, snakemake_cmd
from test_determinism import A1, A2

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    wd = copy_workflow(tmp_path_factory.mktemp("wf"))
    cfg = {"seed": 1, "figures": {"sawtooth-square": A1, "relu-product": A2}}
    (wd / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
    res = run(snakemake_cmd("--cores", "2"), cwd=wd)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return wd


def _planned(wd, *args) -> dict[str, int]:
    """Jobs a dry run would execute, by rule."""
    res = run(snakemake_cmd("-n", "--quiet", "rules", *args), cwd=wd)
    assert res.returncode == 0, res.stderr[-2000:]
    jobs = {}
    for line in (res.stdout + res.stderr).splitlines():
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if m and m.group(1) not in ("total", "job", "count"):
            jobs[m.group(1)] = int(m.group(2))
    return jobs


def test_default_target_builds_and_verifies(built):
    for fig in ("sawtooth-square", "relu-product"):
        for ext in ("png", "pdf", "json"):
            assert (built / "figures" / f"{fig}.{ext}").exists()
    table = (built / "figures" / "README.md").read_text()
    assert "| [sawtooth-square]" in table and "**PASS**" in table and "**FAIL**" not in table
    assert (built / "results" / "verify.ok").exists()
    assert _planned(built) == {}


def test_forcerun_of_figure_rule_reruns_no_compute_job(built):
    jobs = _planned(built, "--forcerun", "figure")
    assert jobs.get("figure") == 2 and "compute" not in jobs


def test_style_change_reruns_only_figure_jobs(built):
    plotting = built / "src" / "deeprates" / "plotting.py"
    original = plotting.read_text()
    try:
        plotting.write_text(original.replace('"lines.linewidth": 1.4', '"lines.linewidth": 1.6'))
        jobs = _planned(built)
        assert jobs.get("figure") == 2 and "compute" not in jobs, jobs
    finally:
        plotting.write_text(original)


def test_computation_change_reruns_its_compute_jobs(built):
    mod = built / "src" / "deeprates" / "approximation" / "product.py"
    original = mod.read_text()
    try:
        mod.write_text(original + "\nA_CHANGE_TO_THE_SCIENCE = 1\n")
        jobs = _planned(built)
        # relu-product's cases; sawtooth-square's compute imports no product.py
        assert jobs.get("compute") == 2 and jobs.get("figure") == 1, jobs
    finally:
        mod.write_text(original)


def test_deleted_final_outputs_are_rebuilt(built):
    """Issue 12 item 1: after `rm figures/*` a plain run said "Nothing to be done"."""
    names = ["relu-product.png", "relu-product.json", "README.md"]
    saved = {n: (built / "figures" / n).read_bytes() for n in names}
    try:
        for n in names:
            (built / "figures" / n).unlink()
        jobs = _planned(built)
        assert jobs.get("figure") == 1 and jobs.get("claims_table") == 1 and "compute" not in jobs, jobs
    finally:
        for n, data in saved.items():
            (built / "figures" / n).write_bytes(data)


def test_truncated_result_is_moved_aside_and_rebuilt(built):
    """Issue 12 item 7: a truncated result failed the figure job in every run until deleted by
    hand. Now the run names it, moves it aside and plans its rebuild (and the figure's)."""
    result = built / "results" / "approximation" / "relu-product" / "exact.json"
    original = result.read_bytes()
    aside = result.with_name("exact.json.corrupt")
    try:
        result.write_bytes(original[: len(original) // 2])
        res = run(snakemake_cmd("-n", "--quiet", "rules"), cwd=built)
        assert res.returncode == 0, res.stderr[-2000:]
        assert f"{result.relative_to(built)}: cut short" in res.stdout + res.stderr
        assert aside.exists() and not result.exists()
        jobs = _planned(built)
        assert jobs.get("compute") == 1 and jobs.get("figure") == 1, jobs
    finally:
        result.write_bytes(original)
        aside.unlink(missing_ok=True)


def test_failed_claim_keeps_table_and_fails_run(built, tmp_path):
    wd = copy_workflow(tmp_path)
    # A1 asked to check float32 exactness up to m = 14: float32 breaks at m = 13, so it fails.
    params = dict(A1, m_max=14, m_max_float32=14)
    (wd / "config" / "config.yaml").write_text(yaml.safe_dump({"figures": {"sawtooth-square": params}}))
    res = run(snakemake_cmd("--cores", "2"), cwd=wd)
    assert res.returncode != 0
    table = (wd / "figures" / "README.md").read_text()
    assert "**FAIL**" in table
    assert not (wd / "results" / "verify.ok").exists()


def test_second_checkout_reuses_cached_results(tmp_path, monkeypatch):
    """`--cache compute` with SNAKEMAKE_OUTPUT_CACHE: the first checkout stores each compute
    result (one entry per case: the key includes the job's identity), the second symlinks them
    and runs no compute command, and both draw the same figures."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SNAKEMAKE_OUTPUT_CACHE", str(cache))
    cfg = {"seed": 1, "figures": {"relu-product": A2}}
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        wd = copy_workflow(tmp_path / name)
        (wd / "config" / "config.yaml").write_text(yaml.safe_dump(cfg))
        res = run(snakemake_cmd("--cores", "2", "--cache", "compute"), cwd=wd)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        runs.append((wd, res.stdout + res.stderr))
    (first, _), (second, log) = runs
    results = sorted((second / "results" / "approximation" / "relu-product").glob("*.json"))
    assert [p.name for p in results] == ["aligned-grid.json", "exact.json"]
    assert len(list(cache.iterdir())) == 2
    assert all(p.is_symlink() and p.resolve().parent == cache for p in results)
    assert log.count("from cache") == 2
    # the compute command never ran: Snakemake only touched its (empty) log
    assert not any(p.read_text() for p in (second / "results" / "logs" / "approximation").rglob("*.log"))
    names = ["relu-product.png", "relu-product.pdf", "relu-product.json", "README.md"]
    _, mismatch, errors = filecmp.cmpfiles(first / "figures", second / "figures", names, shallow=False)
    assert not mismatch and not errors


def test_lint_and_format(repo):
    lint = run(snakemake_cmd("--lint"), cwd=repo)
    assert lint.returncode == 0 and "Congratulations" in lint.stdout + lint.stderr, lint.stdout[-2000:]
    fmt = run(["python", "-m", "snakefmt", "--check", "."], cwd=repo)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
