"""Cost records, fits and predictions.

Records come from the `cost:` line every compute job ends its log with (deeprates.cli.cost_line):
CPU seconds (user + system, all threads), wall seconds and peak RSS. `collect` reads a run's
logs into `measurements.json` (with each size's figure parameters, so the drivers can be
re-evaluated when they change); `fit` fits, per figure and case group (drivers.py),

    cpu_s = c0 + a * W^b        peak_rss_mb = m0 + k * M / 2^20

c0 is the job's start-up (Python, numpy, torch imports), W the group's work in its size
parameters, b fitted where the group was measured at three or more distinct W (else the stated
complexity, b = 1). Past the largest measured W a prediction grows linearly in W, from the
fit at the largest measured job (GroupFit.cpu). Fitted in log space: relative errors count equally at every size, and a
model good to a factor is what a time limit needs. Peak RSS: m0 is the figure's smallest
measured RSS (the imports), k by least squares within K_BOUNDS.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deeprates.cost.drivers import DRIVERS, Driver

DATA = Path(__file__).resolve().parent
MEASUREMENTS = DATA / "measurements.json"
COEFFICIENTS = DATA / "coefficients.json"
COST_RE = re.compile(r"^cost: wall_s=(?P<wall>[\d.]+) cpu_s=(?P<cpu>[\d.]+) peak_rss_mb=(?P<rss>\d+)"
                     r"(?: gpu_peak_mb=(?P<gpu>\d+))?")
DONE_RE = re.compile(r"\] done in (?P<wall>[\d.]+)s$")
# A group's fitted exponent is kept inside these bounds: beyond them three points of a
# start-up-dominated group say more about noise than about complexity.
B_BOUNDS = (0.3, 3.0)
# Copies of the growing arrays (M) a job holds at its peak, bounds of the fitted memory slope.
K_BOUNDS = (1.0, 4.0)
# Sizes held out of the fit: the paper-size jobs run here validate the models, so they are not
# fitted to.
HOLDOUT = ("paper",)
# Unmeasured groups (a code path no measured size runs, e.g. the lazy NTK run only at paper
# size): work at this rate, stated in the table as "unmeasured".
FALLBACK_OPS_PER_S = 1e9


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.node() or 'unknown'}: {cpu or platform.processor()}, {os.cpu_count()} cores"


def parse_log(path: Path) -> dict | None:
    """The cost record of one job's log: its last `cost:` line; an older log has only
    `done in X s` (compute part's wall time, no CPU): then cpu_s is None."""
    if not path.is_file():
        return None
    rec = None
    for line in path.read_text(errors="replace").splitlines():
        m = COST_RE.match(line.strip())
        if m:
            rec = {"cpu_s": float(m["cpu"]), "wall_s": float(m["wall"]), "peak_rss_mb": int(m["rss"])}
            if m["gpu"]:
                rec["gpu_peak_mb"] = int(m["gpu"])
            continue
        d = DONE_RE.search(line.strip())
        if d and rec is None:
            rec = {"cpu_s": None, "wall_s": float(d["wall"]), "peak_rss_mb": None}
    return rec


@dataclass(frozen=True)
class Job:
    """One job of the workflow the cost model predicts: a figure's compute job, or a shared-data
    job (`connectivity-net`: one trained network, connectivity.smk; `voxel-meshes` /
    `voxel-features`: a class's meshes and a chunk's features, voxel.smk)."""

    track: str
    figure: str  # a figure id, or the shared-data job's kind
    case: str
    output: str  # the job's output file, relative to the results directory
    log: str  # its log, relative to <results>/logs
    params: dict  # what its driver reads
    threads: int
    gpu: int
    runtime: int  # what the config requests (minutes, MB)
    mem_mb: int
    # (figure, line) of the config lines its resources are written to (--write-resources):
    # "resources", "net_resources" or "dataset" (a voxel data set's own resources); none: the
    # rule's fixed resources
    owners: tuple = ()

    @property
    def data(self) -> bool:
        return self.figure in DATA_JOBS


DATA_JOBS = ("connectivity-net", "voxel-meshes", "voxel-features")
# voxel.smk's fixed resources of the meshes rule (the test keeps them above the model's need)
VOXEL_MESHES_RESOURCES = {"mem_mb": 1000, "runtime": 10}


def compute_jobs(config: dict) -> list[Job]:
    from deeprates import figures, workflow_support as ws

    out = []
    for f in ws.figure_ids(config):
        p = ws.params_of(config, f)
        track = figures.FIGURES[f][0]
        out += [Job(track, f, c, f"{track}/{f}/{c}.json", f"{track}/{f}/{c}.log", p,
                    ws.resource(config, f, "threads"), ws.resource(config, f, "gpu"),
                    ws.resource(config, f, "runtime"), ws.resource(config, f, "mem_mb"), ((f, "resources"),))
                for c in figures.load(f).cases(p)]
    return out


def data_jobs(config: dict) -> list[Job]:
    """The shared-data jobs of the config, with the resources their rules request."""
    from deeprates import figures, workflow_support as ws
    from deeprates.voxel import dataset, workload

    figs = ws.figure_ids(config)
    out = []
    owners: dict[str, list[str]] = {}
    for f in figs:
        if hasattr(figures.load(f), "nets"):
            for spec in figures.load(f).nets(ws.params_of(config, f)):
                owners.setdefault(spec.name, []).append(f)
    for name, entry in ws.connectivity_nets(config, figs).items():
        r = entry["resources"]  # as connectivity.smk reads them
        out.append(Job("connectivity", "connectivity-net", name, f"connectivity/nets/{name}.npz",
                       f"connectivity/nets/{name}.log", entry["spec"], int(r.get("threads", 1)),
                       int(r.get("gpu", 0)), int(r.get("runtime", 10)), int(r.get("mem_mb", 1000)),
                       tuple((o, "net_resources") for o in owners[name])))
    voxel = [f for f in figs if figures.FIGURES[f][0] == "voxel"]
    for key, spec in dataset.specs_by_key([ws.params_of(config, f)["dataset"] for f in voxel]).items():
        users = tuple((f, "dataset") for f in voxel
                      if dataset.DatasetSpec.from_params(ws.params_of(config, f)["dataset"]).key() == key)
        members = spec.class_members()
        grid = {"sizes": list(spec.sizes), "raw_sizes": list(spec.raw_sizes), "copies": spec.copies}
        # each mesh's faces and area at grid size 1: the work of the jobs that make or voxelise it
        geometry = [workload.class_geometry(spec, label, items) for label, items in members]
        for ci, (label, items) in enumerate(members):
            out.append(Job("voxel", "voxel-meshes", f"{key}-c{ci:02d}", spec.manifest_path(ci),
                           f"voxel/data/{key}/meshes-c{ci:02d}.log",
                           {"meshes": len(items), **workload.mean_geometry(geometry[ci]),
                            "us_per_face": workload.mesh_stage_us_per_face(spec, label)}, 1, 0,
                           VOXEL_MESHES_RESOURCES["runtime"], VOXEL_MESHES_RESOURCES["mem_mb"]))
        for ci, part in spec.chunks():
            chunk = slice(part * spec.chunk_size, (part + 1) * spec.chunk_size)
            out.append(Job("voxel", "voxel-features", f"{key}-c{ci:02d}-p{part}", spec.chunk_path(ci, part),
                           f"voxel/data/{key}/features-c{ci:02d}-p{part}.log",
                           {"meshes": len(members[ci][1][chunk]), **grid, **workload.mean_geometry(geometry[ci][chunk])},
                           1, 0,
                           int(spec.resources.get("runtime", 20)), int(spec.resources.get("mem_mb", 2000)),
                           users))
    return out


def jobs(config: dict) -> list[Job]:
    """Every job of the config the cost model predicts: compute jobs, then shared-data jobs."""
    return compute_jobs(config) + data_jobs(config)


def largest_per_group(job_list: list[Job]) -> list[Job]:
    """Of each figure's case groups, the job with the largest work: one record per group and
    size is what a fit needs, and the largest job says most about the growth. Shared-data jobs:
    one per distinct work (their groups span architectures, grids, chunk sizes)."""
    best: dict[tuple, tuple[float, Job]] = {}
    for job in job_list:
        d = driver(job.figure, job.case, job.params)
        key = (job.figure, d.group) + ((round(d.work, 6),) if job.data else ())
        if key not in best or d.work > best[key][0]:
            best[key] = (d.work, job)
    return [job for _, job in best.values()]


def driver(fig: str, case: str, params: dict) -> Driver:
    return DRIVERS[fig](case, params)


def collect(config: dict, size: str, configs: list[str], data: dict | None = None,
            only_cpu: bool = True) -> dict:
    """Add the cost records of the run `config` made (its results_dir's logs) under `size`.
    A job of that size with no log now keeps its earlier record, as long as its parameters are
    unchanged (one run may measure the compute jobs, another the shared-data jobs)."""
    data = data or {"sizes": {}, "records": []}
    logs = Path(config["results_dir"]) / "logs"
    params = {}
    new = []
    for job in jobs(config):
        rec = parse_log(logs / job.log)
        if rec is None or (only_cpu and rec["cpu_s"] is None):
            continue
        r = {"size": size, "figure": job.figure, "case": job.case, "threads": job.threads, **rec}
        if job.data:
            r["params"] = job.params
        else:
            params[job.figure] = job.params
        new.append(r)
    old = data["sizes"].get(size, {})
    old_params = old.get("params", {})
    fresh = {(r["figure"], r["case"]) for r in new}

    def still_valid(r: dict) -> bool:
        if r["size"] != size:
            return True
        if (r["figure"], r["case"]) in fresh:
            return False
        f = r["figure"]
        return "params" in r or f not in params or old_params.get(f) == params[f]

    kept = [r for r in data["records"] if still_valid(r)]
    data["records"] = kept + new
    merged = {f: p for f, p in old_params.items()
              if any(r["size"] == size and r["figure"] == f for r in kept)}
    merged.update(params)
    data["sizes"][size] = {"configs": sorted(set(old.get("configs", [])) | set(configs)),
                           "date": _dt.date.today().isoformat(), "machine": machine(), "params": merged}
    return data


def record_params(data: dict, r: dict) -> dict:
    """The parameters a record's driver reads: its own (shared-data jobs) or its figure's at
    that size."""
    return r["params"] if "params" in r else data["sizes"][r["size"]]["params"][r["figure"]]


@dataclass
class GroupFit:
    c0: float
    a: float
    b: float
    m0: float
    k: float
    n: int  # measurements
    sizes: list[str]
    b_fitted: bool
    rss_max: float
    mem_model: bool
    w_max: float  # the largest measured work

    def cpu(self, work: float) -> float:
        """The fit within the measured range; beyond it, linear in W from the largest measured
        job. W is the stated complexity's leading term; an exponent fitted at small sizes mixes
        start-up and lower-order terms (b < 1) or noise of second-long jobs (b > 1), so it is
        reported as a check of the stated complexity, not extrapolated over decades."""
        if work <= self.w_max:
            return self.c0 + self.a * work**self.b
        return self.c0 + self.a * self.w_max**self.b * (work / self.w_max)

    def rss_mb(self, mem: float | None) -> float:
        if mem is None or not self.mem_model:
            return max(self.m0, self.rss_max)
        return self.m0 + self.k * mem / 2**20


def _fit_cpu(W: np.ndarray, cpu: np.ndarray, c0_single: float | None = None) -> tuple[float, float, float, bool]:
    """c0, a, b of cpu = c0 + a W^b, least squares in log cpu. The start-up c0 is at most 90 %
    of the group's cheapest job (a job is never cheaper than its imports; groups differ: a
    torch job's imports cost seconds)."""
    from scipy.optimize import least_squares

    c0_hi = max(0.9 * float(cpu.min()), 1e-3)
    distinct = np.unique(np.round(np.log(W), 6)).size
    free_b = distinct >= 3
    logW = np.log(W)
    scale = float(np.median(logW))

    def model(x):
        c0, la, b = x[0], x[1], (x[2] if free_b else 1.0)
        return np.log(c0 + np.exp(la + b * (logW - scale)))

    def resid(x):
        return model(x) - np.log(cpu)

    x0 = [0.5 * c0_hi, math.log(max(float(np.median(cpu)) - 0.5 * c0_hi, 1e-3))] + ([1.0] if free_b else [])
    lo = [0.0, -50.0] + ([B_BOUNDS[0]] if free_b else [])
    hi = [c0_hi, 50.0] + ([B_BOUNDS[1]] if free_b else [])
    if distinct == 1:  # one work value: the start-up share comes from the figure's other groups
        c0 = min(c0_single, c0_hi) if c0_single is not None else 0.5 * c0_hi
        return c0, max(float(np.exp(np.mean(np.log(cpu)))) - c0, 1e-6) / float(W[0]), 1.0, False
    sol = least_squares(resid, x0, bounds=(lo, hi), xtol=1e-12, ftol=1e-12, gtol=1e-12)
    c0, la = float(sol.x[0]), float(sol.x[1])
    b = float(sol.x[2]) if free_b else 1.0
    a = math.exp(la - b * scale)
    return c0, a, b, free_b


def fit(data: dict) -> dict:
    """Per figure and group, the fitted coefficients (a JSON-able dict)."""
    by_group: dict[tuple[str, str], list[tuple[dict, Driver]]] = {}
    for r in data["records"]:
        if r.get("cpu_s") is None or r["size"] in HOLDOUT:
            continue
        d = driver(r["figure"], r["case"], record_params(data, r))
        by_group.setdefault((r["figure"], d.group), []).append((r, d))
    out: dict[str, dict] = {}
    # groups measured at one work value cannot separate start-up from work: they take the
    # start-up their figure's other groups were fitted to (fitted first, hence the order)
    single = {k for k, pts in by_group.items() if len({round(math.log(max(d.work, 1e-12)), 6) for _, d in pts}) == 1}
    c0_of: dict[str, list[float]] = {}
    for (fig, group), pts in sorted(by_group.items(), key=lambda kv: (kv[0] in single, kv[0])):
        W = np.array([max(d.work, 1e-12) for _, d in pts])
        cpu = np.array([max(r["cpu_s"], 1e-3) for r, _ in pts])
        others = c0_of.get(fig)
        c0, a, b, free_b = _fit_cpu(W, cpu, float(np.median(others)) if others else None)
        if (fig, group) not in single:
            c0_of.setdefault(fig, []).append(c0)
        rss = np.array([r["peak_rss_mb"] for r, _ in pts], float)
        mem = [d.mem for _, d in pts]
        m0 = float(min(r["peak_rss_mb"] for r, _ in sum((v for (f, _), v in by_group.items() if f == fig), [])))
        mem_model = all(m is not None for m in mem)
        k = 0.0
        if mem_model:
            M = np.array(mem, float) / 2**20
            if np.ptp(M) > 0:
                k = float(np.sum((rss - m0) * M) / np.sum(M * M))
            # M is the bytes of the arrays that grow: a job holds between one and a few copies.
            # At the measured sizes those arrays are often smaller than the noise of the imports'
            # memory, so the least-squares slope alone extrapolates nonsense (thousands of copies)
            k = min(max(k, K_BOUNDS[0]), K_BOUNDS[1])
        pred = np.array([c0 + a * w**b for w in W])
        out.setdefault(fig, {})[group] = {
            "formula": pts[0][1].formula, "c0": c0, "a": a, "b": b, "b_fitted": free_b,
            "m0": m0, "k": k, "mem_model": mem_model, "rss_max": float(rss.max()),
            "w_max": float(W.max()), "n": len(pts), "sizes": sorted({r["size"] for r, _ in pts}),
            "max_ratio": float(np.max(np.maximum(pred / cpu, cpu / pred))),
        }
    return out


def fitted(fig: str, group: str, coefficients: dict) -> GroupFit | None:
    g = coefficients.get("figures", {}).get(fig, {}).get(group)
    if g is None:
        return None
    return GroupFit(g["c0"], g["a"], g["b"], g["m0"], g["k"], g["n"], g["sizes"], g["b_fitted"],
                    g["rss_max"], g["mem_model"], g["w_max"])


@dataclass
class Prediction:
    track: str
    figure: str
    case: str
    group: str
    work: float
    cpu_s: float
    wall_s: float
    rss_mb: float
    gpu: int
    threads: int
    measured_group: bool  # False: no measured size runs this code path (fallback rate)
    requested_min: int
    requested_mb: int
    owners: tuple = ()  # Job.owners: the config lines its resources are written to


def _key(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


def _measured_jobs(data: dict) -> dict[tuple[str, str, str], dict]:
    """Measured records by (figure, case, parameters)."""
    out = {}
    for r in data["records"]:
        if r.get("cpu_s") is not None:
            out[(r["figure"], r["case"], _key(record_params(data, r)))] = r
    return out


def shortfalls(data: dict, coefficients: dict) -> dict[tuple[str, str], tuple[float, float]]:
    """Per (figure, group): how far its held-out jobs ran beyond the model where the requests'
    margins (report.TIME_MARGIN, MEM_MARGIN) would not have covered it: (CPU factor, >= 1;
    extra peak MB, >= 0). (1.0, 0.0) for groups their margins cover. A law that under-predicts
    its measured jobs by more than the margin is not yet re-derived (docs/commands/cost.md);
    until it is, the group's other jobs are predicted with its worst measured shortfall, so a
    request does not fall below what a measured job of the same code path implies. CPU scales
    (a missing factor in the work), memory adds (what the voxel jobs missed is a table every job
    reads, whatever its size)."""
    from deeprates.cost.report import MEM_MARGIN, TIME_MARGIN

    out: dict[tuple[str, str], tuple[float, float]] = {}
    for r in validation(data, coefficients):
        if r["ratio"] is None:
            continue
        factor, extra = out.get((r["figure"], r["group"]), (1.0, 0.0))
        if r["ratio"] > TIME_MARGIN:
            factor = max(factor, r["ratio"])
        if r["peak_rss_mb"] > MEM_MARGIN * r["predicted_rss_mb"]:
            extra = max(extra, r["peak_rss_mb"] - r["predicted_rss_mb"])
        out[(r["figure"], r["group"])] = (factor, extra)
    return out


def predict(config: dict, coefficients: dict | None = None, measurements: dict | None = None) -> list[Prediction]:
    """A prediction for every job of the config; a job measured with the same parameters
    (a held-out paper-size job, say) is never predicted below its measurement, and a group whose
    measured jobs ran beyond the model's margins carries that shortfall (`shortfalls`)."""
    coefficients = coefficients if coefficients is not None else load_coefficients()
    data = load_measurements() if measurements is None else measurements
    measured = _measured_jobs(data)
    short = shortfalls(data, coefficients)
    out = []
    for job in jobs(config):
        fig, case, p = job.figure, job.case, job.params
        d = driver(fig, case, p)
        g = fitted(fig, d.group, coefficients)
        if g is not None:
            cpu, rss, ok = g.cpu(d.work), g.rss_mb(d.mem), True
            factor, extra = short.get((fig, d.group), (1.0, 0.0))
            cpu, rss = cpu * factor, rss + extra
        else:
            fig_fits = coefficients.get("figures", {}).get(fig, {})
            c0 = min((f["c0"] for f in fig_fits.values()), default=2.0)
            m0 = min((f["m0"] for f in fig_fits.values()), default=300.0)
            cpu, rss, ok = c0 + d.work / FALLBACK_OPS_PER_S, m0 + (d.mem or 0) / 2**20, False
        # this very job measured (same parameters and case): the measurement, where larger
        rec = measured.get((fig, case, _key(p)))
        if rec is not None:
            cpu, rss = max(cpu, rec["cpu_s"]), max(rss, rec["peak_rss_mb"])
        out.append(Prediction(job.track, fig, case, d.group, d.work, cpu, cpu / max(job.threads, 1), rss,
                              job.gpu, job.threads, ok, job.runtime, job.mem_mb, job.owners))
    return out


def validation(data: dict, coefficients: dict) -> list[dict]:
    """Held-out records (HOLDOUT sizes) against the model: predicted and measured CPU seconds."""
    out = []
    for r in data["records"]:
        if r["size"] not in HOLDOUT or r.get("cpu_s") is None:
            continue
        d = driver(r["figure"], r["case"], record_params(data, r))
        g = fitted(r["figure"], d.group, coefficients)
        pred = g.cpu(d.work) if g else None
        out.append({"figure": r["figure"], "case": r["case"], "group": d.group, "size": r["size"],
                    "predicted_cpu_s": pred,
                    "cpu_s": r["cpu_s"], "wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"],
                    "predicted_rss_mb": g.rss_mb(d.mem) if g else None,
                    "ratio": r["cpu_s"] / pred if pred else None})
    return out


def load_coefficients(path: Path = COEFFICIENTS) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {"figures": {}}


def load_measurements(path: Path = MEASUREMENTS) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {"sizes": {}, "records": []}


def save(path: Path, obj: dict) -> None:
    from deeprates import atomic_io

    atomic_io.write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")
