"""What a run prints: the logger plugin (one line per finished job, failures with their log tail,
the full log on request) and the summary that ends a run."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from types import SimpleNamespace

import pytest
from snakemake_interface_logger_plugins.common import LogEvent

import snakemake_logger_plugin_deeprates as plugin
from deeprates import run_summary


def _handler(capsys=None, dryrun=False):
    settings = SimpleNamespace(dryrun=dryrun, quiet=None, printshellcmds=False, nocolor=True,
                               debug_dag=False, verbose=False, show_failed_logs=True, stdout=False)
    return plugin.LogHandler(settings, None)


def _record(msg="", level=logging.INFO, **extra):
    rec = logging.LogRecord("snakemake", level, __file__, 1, msg, None, None)
    rec.__dict__.update(extra)
    return rec


def test_one_line_per_job_and_failures_with_log_tail(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DEEPRATES_FULL_LOG", raising=False)
    monkeypatch.delenv("SNAKEMAKE_PROFILE", raising=False)
    monkeypatch.setattr(plugin.sys, "argv", ["snakemake", "--cores", "2"])
    h = _handler()
    assert not h.full
    log = tmp_path / "fig.log"
    log.write_text("\n".join(f"line {i}" for i in range(40)) + "\nKeyError: 'rows'\n")
    h.emit(_record("Job stats: ...", event=LogEvent.RUN_INFO, stats={"figure": 2, "total": 2}))
    for jobid, fig in ((0, "relu-product"), (1, "sawtooth-square")):
        h.emit(_record(event=LogEvent.JOB_INFO, jobid=jobid, rule_name="figure",
                       wildcards={"fig": fig}, log=[str(log)]))
    h.emit(_record("Finished jobid: 0", event=LogEvent.JOB_FINISHED, job_id=0))
    h.emit(_record("Building DAG of jobs..."))                    # routine: dropped
    h.emit(_record("Select jobs to execute..."))
    h.emit(_record("Congratulations, your workflow is in a good condition!"))   # said
    h.emit(_record(event=LogEvent.JOB_ERROR, jobid=1, rule_name="figure", log=[str(log)]))
    out = capsys.readouterr().err.splitlines()
    assert out[0] == "deeprates: 2 jobs to run"
    assert out[1].startswith("[1/2] figure") and "relu-product" in out[1]
    assert "!!! FAILED figure sawtooth-square" in out
    assert "    KeyError: 'rows'" in out and "    line 39" in out and "    line 10" not in out
    assert not any("DAG" in ln or "Select jobs" in ln for ln in out)
    assert "Congratulations, your workflow is in a good condition!" in out
    assert max(map(len, out)) < 120


def test_full_log_for_cluster_runs_and_on_request(monkeypatch):
    monkeypatch.setattr(plugin.sys, "argv", ["snakemake", "--profile", "profiles/slurm"])
    assert _handler().full
    monkeypatch.setattr(plugin.sys, "argv", ["snakemake", "--cores", "1"])
    monkeypatch.setenv("DEEPRATES_FULL_LOG", "1")
    h = _handler()
    assert h.full and not h.has_filter and not h.has_formatter   # Snakemake's own then apply


def test_dry_run_prints_the_job_table_once(capsys, monkeypatch):
    monkeypatch.delenv("DEEPRATES_FULL_LOG", raising=False)
    monkeypatch.setattr(plugin.sys, "argv", ["snakemake", "-n"])
    h = _handler(dryrun=True)
    table = "Job stats:\njob count\nfigure 2\ntotal 2"
    for _ in range(2):
        h.emit(_record(table, event=LogEvent.RUN_INFO, stats={"total": 2}))
    assert capsys.readouterr().err.count("Job stats:") == 1


def test_summary_counts_figures_and_claims(repo, tmp_path):
    figs = tmp_path / "figures"
    shutil.copytree(repo / "figures", figs, ignore=shutil.ignore_patterns("*.png", "*.pdf"))
    started = time.time()
    old = started - 100
    for p in figs.glob("*.json"):
        os.utime(p, (old, old))
    doc = json.loads((figs / "relu-product.json").read_text())
    doc["claims"][0]["status"], doc["claims"][0]["passed"] = "FAIL", False
    (figs / "relu-product.json").write_text(json.dumps(doc))    # written "in this run"
    text = run_summary.summary(str(figs), ["relu-product", "sawtooth-square", "missing-one"], started,
                               ok=False, now=started + 75)
    assert "deeprates: FAILED in 1 min 15 s" in text
    assert "1 made in this run, 2 of 3 present" in text
    assert f"FAIL relu-product / {doc['claims'][0]['name']}" in text
    assert "figures/README.md" in text.replace(str(tmp_path) + "/", "") and "--report" in text
