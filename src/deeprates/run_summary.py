"""The lines that end a Snakemake run (printed by workflow/Snakefile's onsuccess/onerror): what
was made, the claims by status, where the table and the report are, how long it took."""

from __future__ import annotations

import time
from pathlib import Path


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def summary(figures_dir: str, figure_ids: list[str], started: float, ok: bool,
            now: float | None = None, enforced: bool = True) -> str:
    """`started`/`now`: time.time() values. Figures count as made in this run when their JSON
    is newer than the start; claims are counted over every figure JSON present. `enforced`
    False (config `verify: report`): the claims line says they were not enforced."""
    from deeprates import verification

    now = time.time() if now is None else now
    jsons = [Path(figures_dir) / f"{fig}.json" for fig in figure_ids]
    present = [p for p in jsons if p.exists()]
    made = sum(p.stat().st_mtime >= started for p in present)
    lines = ["", "=" * 72,
             f"deeprates: {'finished' if ok else 'FAILED'} in {_duration(now - started)}",
             f"  figures : {made} made in this run, {len(present)} of {len(jsons)} present in {figures_dir}/"]
    if present:
        try:
            figs = verification.load_claims(present)
            lines.append(f"  claims  : {verification.summary_line(figs)}")
            if not enforced:
                lines.append(f"            {verification.NOT_ENFORCED}")
            bad = verification.failures(figs)
            for c in bad[:10]:
                lines.append(f"            {c.status} {c.figure} / {c.name}")
        except Exception as exc:   # a summary must not hide the run's own error
            lines.append(f"  claims  : could not be read ({exc})")
    lines.append(f"  table   : {figures_dir}/README.md (every claim with its reason)")
    lines.append("  report  : snakemake --report report.html (figures, captions and claims)")
    if not ok:
        lines.append("  log     : the failed jobs' log tails are printed above; the full Snakemake "
                     "log is in .snakemake/log/")
    lines.append("=" * 72)
    return "\n".join(lines)
