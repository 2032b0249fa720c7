"""A short Snakemake log for deeprates runs: one line per finished job, failures with their log's
tail, nothing else that a person has to scroll past. The summary (figures, claims by status,
where the table and the report are, the wall time) is printed by the workflow's onsuccess /
onerror handlers (workflow/Snakefile), which know the figures.

Selected in profiles/default (`logger: [deeprates]`); Snakemake finds it by its module name
(logger plugins are the modules named `snakemake_logger_plugin_*`). Snakemake's full log is still
written to .snakemake/log/.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

TAIL_LINES = 20


def _wildcards(wc) -> str:
    items = dict(wc or {})
    return " ".join(str(v) for v in items.values())


class LogHandler(LogHandlerBase):
    def __post_init__(self) -> None:
        self.jobs: dict[int, tuple[str, str, list[str], float]] = {}
        self.done = 0
        self.total = 0
        self.stream = sys.stderr

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event == LogEvent.JOB_INFO:
            self.jobs[record.jobid] = (record.rule_name, _wildcards(record.wildcards),
                                       list(record.log or []), time.monotonic())
        elif event == LogEvent.RUN_INFO:
            stats = getattr(record, "stats", None) or {}
            self.total = int(stats.get("total", 0)) or self.total
            if self.total:
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
        elif event is None and record.levelno >= logging.WARNING:
            msg = record.getMessage()
            # said on every start; the README explains --cache compute
            if "eligible for caching between workflows" not in msg:
                self._print(msg)
        elif event is None and "Nothing to be done" in (record.getMessage() or ""):
            self._print("deeprates: nothing to be done: every output is up to date")

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return True

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False
