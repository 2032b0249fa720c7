"""A short Snakemake log for deeprates runs: one line per finished job, failures with their log's
tail, nothing else that a person has to scroll past. The summary (figures, claims by status,
where the table and the report are, the wall time) is printed by the workflow's onsuccess /
onerror handlers (workflow/Snakefile), which know the figures.

Selected in profiles/default (`logger: [deeprates]`); Snakemake finds it by its module name
(logger plugins are the modules named `snakemake_logger_plugin_*`). Snakemake's full log is still
written to .snakemake/log/.

The classic, complete log is printed instead when the run names a profile or an executor on the
command line (a cluster run: its job blocks, the SLURM run ID and the submissions are what a
person watching a cluster needs) or when DEEPRATES_FULL_LOG=1. A dry run prints Snakemake's table
of planned jobs.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

TAIL_LINES = 20

# Lines Snakemake prints on every run that tell a person nothing new (the full log keeps them).
ROUTINE = (
    "Assuming unrestricted shared filesystem", "Building DAG of jobs", "Using shell:",
    "Provided cores:", "Provided resources:", "Rules claiming more threads", "Conda environments:",
    "Singularity containers:", "Apptainer", "Select jobs to execute", "Execute ", "Complete log",
    "Elapsed time", "Workflow defines that rule", "Nothing to be done",
)


def _wildcards(wc) -> str:
    items = dict(wc or {})
    return " ".join(str(v) for v in items.values())


def _wants_full_log(argv=None) -> bool:
    argv = sys.argv[1:] if argv is None else argv
    named = any(a in ("--profile", "--executor", "-e") or a.startswith(("--profile=", "--executor="))
                for a in argv)
    return named or bool(os.environ.get("SNAKEMAKE_PROFILE")) or os.environ.get("DEEPRATES_FULL_LOG") == "1"


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        # full: Snakemake attaches its default filter and formatter (has_filter/has_formatter False)
        self.full = _wants_full_log()
        self.jobs: dict[int, tuple[str, str, list[str], float]] = {}
        self.done = 0
        self.total = 0
        self.total_printed = False
        self.stream = sys.stderr

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        if self.full:
            text = self.format(record)
            if text:
                self._print(text)
            return
        event = getattr(record, "event", None)
        if event == LogEvent.JOB_INFO:
            self.jobs[record.jobid] = (record.rule_name, _wildcards(record.wildcards),
                                       list(record.log or []), time.monotonic())
        elif event == LogEvent.RUN_INFO:
            stats = getattr(record, "stats", None) or {}
            self.total = int(stats.get("total", 0)) or self.total
            if self.common_settings.dryrun:
                if not self.total_printed:   # a dry run reports the table twice
                    self._print(record.getMessage())
                self.total_printed = True
            elif self.total:
                self._print(f"deeprates: {self.total} jobs to run")
        elif event == LogEvent.JOB_FINISHED:
            self.done += 1
            rule, wc, _, t0 = self.jobs.get(record.job_id, ("job", "", [], time.monotonic()))
            width = len(str(self.total or self.done))
            self._print(f"[{self.done:>{width}}/{self.total or '?'}] {rule:<14} {wc:<40} "
                        f"{time.monotonic() - t0:6.1f} s")
        elif event == LogEvent.JOB_ERROR:
            # the error record has no wildcards: take them from the job's start record
            rule, wc, logs, _ = self.jobs.get(getattr(record, "jobid", None),
                                              (record.rule_name, "", list(getattr(record, "log", None) or []), 0))
            self._print(f"\n!!! FAILED {rule} {wc}".rstrip())
            for path in logs:
                self._print(f"--- last lines of {path}:")
                try:
                    lines = Path(path).read_text(errors="replace").splitlines()[-TAIL_LINES:]
                except OSError:
                    lines = ["(no log written)"]
                self._print("\n".join(f"    {ln}" for ln in lines))
            if not logs and getattr(record, "shellcmd", None):
                self._print(f"    command: {record.shellcmd}")
            self._print("")
        elif event in (LogEvent.ERROR, LogEvent.GROUP_ERROR) or record.levelno >= logging.WARNING:
            msg = record.getMessage() or ""
            if not msg.startswith(ROUTINE):
                self._print(msg)
        elif event is None:
            msg = record.getMessage() or ""
            if "Nothing to be done" in msg:
                self._print("deeprates: nothing to be done: every output is up to date")
            elif not msg.startswith(ROUTINE):
                # anything else is said (lint verdicts, report paths, cache reuse, errors):
                # only the routine lines of every run are left out
                self._print(msg)

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return not self.full

    @property
    def has_formatter(self) -> bool:
        return not self.full

    @property
    def needs_rulegraph(self) -> bool:
        return False
