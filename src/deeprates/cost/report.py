"""The cost table (`deeprates cost`) and the resources written from the model."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path

from deeprates.cost.command import CLUSTER_LIMIT_H
from deeprates.cost.model import DATA_JOBS, Prediction

# What a 2-core laptop runs in a sitting (CLUSTER_LIMIT_H: a typical cluster's limit for one job).
LAPTOP_MIN = 30.0
# Requests from the model: this much over the prediction (the models are good to a factor
# ~1.5 where validated; a job killed at its limit costs more than one that waits a little longer),
# and never below a floor (start-up jitter on a loaded node dominates the shortest jobs).
TIME_MARGIN = 1.5
MEM_MARGIN = 1.3
MIN_RUNTIME_MIN = 5
MIN_MEM_MB = 1000


def _t(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def flags(p: Prediction, limit_h: float = CLUSTER_LIMIT_H) -> str:
    out = []
    if p.wall_s > limit_h * 3600:
        out.append(f"OVER {limit_h:g} h")
    if p.cpu_s <= LAPTOP_MIN * 60 and not p.gpu:
        out.append("laptop")
    if not p.measured_group:
        out.append("unmeasured path")
    if p.gpu:
        out.append("GPU (CPU time shown)")
    return ", ".join(out)


def table(preds: list[Prediction], per_job: bool = True, limit_h: float = CLUSTER_LIMIT_H) -> str:
    lines = []
    if per_job:
        lines.append(f"{'job':58s} {'CPU':>9s} {'wall':>9s} {'mem MB':>7s} {'gpu':>3s}  "
                     f"{'asks':>15s}  flags")
        for p in preds:
            job = f"{p.track}/{p.figure}/{p.case}"
            lines.append(f"{job:58s} {_t(p.cpu_s):>9s} {_t(p.wall_s):>9s} {p.rss_mb:7.0f} {p.gpu:3d}  "
                         f"{p.requested_min:6d} min {p.requested_mb:6d}  {flags(p, limit_h)}")
        lines.append("")
    by_fig: dict[tuple[str, str], list[Prediction]] = defaultdict(list)
    by_track: dict[str, list[Prediction]] = defaultdict(list)
    for p in preds:
        by_fig[(p.track, p.figure)].append(p)
        by_track[p.track].append(p)
    lines.append(f"{'figure':36s} {'jobs':>5s} {'CPU total':>10s} {'largest':>9s} {'peak MB':>8s} "
                 f"{'GPU jobs':>8s}")
    for (track, fig), ps in by_fig.items():
        lines.append(f"{track + '/' + fig:36s} {len(ps):5d} {_t(sum(p.cpu_s for p in ps)):>10s} "
                     f"{_t(max(p.cpu_s for p in ps)):>9s} {max(p.rss_mb for p in ps):8.0f} "
                     f"{sum(1 for p in ps if p.gpu):8d}")
    lines.append("")
    for track, ps in by_track.items():
        lines.append(f"track {track:18s} {len(ps):4d} jobs  CPU {_t(sum(p.cpu_s for p in ps)):>8s}  "
                     f"GPU jobs {sum(1 for p in ps if p.gpu)}")
    over = [p for p in preds if p.wall_s > limit_h * 3600]
    laptop = [p for p in preds if p.cpu_s <= LAPTOP_MIN * 60 and not p.gpu]
    shared = sum(1 for p in preds if p.figure in DATA_JOBS)
    lines.append(f"total: {len(preds)} jobs ({len(preds) - shared} compute, {shared} shared-data), "
                 f"CPU {_t(sum(p.cpu_s for p in preds))} "
                 f"({sum(p.cpu_s for p in preds) / 3600:.1f} core-hours); {len(over)} over "
                 f"{limit_h:g} h; {len(laptop)} run on a 2-core laptop in under {LAPTOP_MIN:g} min; "
                 f"requested {sum(p.requested_min for p in preds)} job-minutes")
    return "\n".join(lines)


def resources_for(preds: list[Prediction]) -> dict[tuple[str, str], dict]:
    """Per config line (figure, "resources" | "net_resources" | "dataset"): the resources are
    per figure, per figure's networks and per voxel data set, so each takes the largest of its
    jobs: runtime = TIME_MARGIN x predicted wall at its threads, mem = MEM_MARGIN x predicted peak
    RSS, with floors. GPU jobs: the CPU model says nothing about GPU time, so only their memory
    comes from it (write_resources keeps their runtime)."""
    out: dict[tuple[str, str], dict] = {}
    for p in preds:
        for owner in p.owners:
            r = out.setdefault(owner, {"runtime": MIN_RUNTIME_MIN, "mem_mb": MIN_MEM_MB, "gpu": p.gpu})
            r["runtime"] = max(r["runtime"], math.ceil(TIME_MARGIN * p.wall_s / 60))
            r["mem_mb"] = max(r["mem_mb"], int(math.ceil(MEM_MARGIN * p.rss_mb / 100) * 100))
    return out


# a figure's resources and its networks' (4 spaces), a voxel data set's own (6: inside `dataset:`)
RES_LINE = re.compile(r"^(    (?P<net>net_)?resources: |      (?P<ds>)resources: )\{(?P<body>.*)\}(?P<tail>.*)$")
FIG_LINE = re.compile(r"^  ([a-z0-9-]+):\s*$")


def _flow(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"


def write_resources(path: Path, preds: list[Prediction]) -> list[str]:
    """Rewrite the `resources:` lines of a config file (comments and every other key kept):
    each figure's, its networks' (`net_resources`) and its voxel data set's; runtime and mem_mb
    from the model, threads and gpu as they were. GPU jobs keep their runtime and at least their
    memory (no GPU measurement yet). Returns the changed lines' (figure, line) names."""
    import yaml

    want = resources_for(preds)
    lines = Path(path).read_text().splitlines(keepends=True)
    fig, changed = None, []
    for i, line in enumerate(lines):
        m = FIG_LINE.match(line.rstrip("\n"))
        if m:
            fig = m.group(1)
            continue
        r = RES_LINE.match(line.rstrip("\n"))
        if not r:
            continue
        owner = (fig, "net_resources" if r["net"] is not None else "dataset" if r["ds"] is not None else "resources")
        if owner not in want:
            continue
        old = yaml.safe_load("{" + r["body"] + "}")
        new = dict(old)
        new["mem_mb"] = want[owner]["mem_mb"]
        if not old.get("gpu"):
            new["runtime"] = want[owner]["runtime"]
        else:
            # nor the memory a CUDA process holds on the host (its runtime libraries and
            # context): the CPU model's peak is a floor, the request never drops below the
            # config's own (what a GPU run measures replaces it: scripts/gpu-paper-check.sh)
            new["mem_mb"] = max(new["mem_mb"], int(old.get("mem_mb", 0)))
        new = {k: new[k] for k in ("mem_mb", "runtime", "threads", "gpu") if k in new}
        text = f"{r.group(1)}{_flow(new)}{r['tail']}\n"
        if text != line:
            changed.append(owner)
        lines[i] = text
    Path(path).write_text("".join(lines))
    return changed
