"""Helpers the Snakefiles use to wire jobs: figure ids, cases, parameters, resources, fingerprints.

Kept here (not in the Snakefiles) so the wiring logic is importable and tested. Code changes
reach Snakemake as parameter changes: a compute job's `code` parameter is a hash of the figure
module *without* its `figure()` function plus the track package, and a figure job's is a hash of
the drawing code. So editing a figure's style reruns only figure jobs, while editing a
computation reruns its results (Snakemake's default rerun triggers include params).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
from importlib import metadata
from pathlib import Path

import yaml

from deeprates import figures

TRACKS = ("approximation", "training", "optimization", "voxel", "connectivity")
PKG = Path(__file__).resolve().parent
DRAWING_MODULES = ("plotting.py", "claims.py", "fitting.py", "figure_record.py")
DEFAULT_RESOURCES = {"threads": 1, "mem_mb": 2000, "runtime": 20, "gpu": 0}
# The Snakemake group of compute jobs short enough to share a SLURM job (see compute_group).
SHORT_GROUP = "short"
# Pinned libraries that cannot change a compute result (drawing, wiring, config, progress bars):
# left out of software_versions, so bumping one reruns only figure jobs, as a style change does.
NOT_IN_RESULTS = frozenset({"matplotlib", "seaborn", "snakemake", "jsonschema", "pyyaml", "tqdm"})


def figure_ids(config: dict) -> list[str]:
    """Figures the config asks for, in catalog order."""
    wanted = config.get("figures") or {}
    return [f for f in figures.FIGURES if f in wanted]


def params_of(config: dict, fig: str) -> dict:
    # resources (of compute jobs, and of Track E's training jobs) never change a result
    return {k: v for k, v in config["figures"][fig].items() if k not in ("resources", "net_resources")}


def params_json(config: dict, fig: str) -> str:
    """The figure's parameters (without resources, which do not change results), canonical."""
    return json.dumps(params_of(config, fig), sort_keys=True, separators=(",", ":"))


def resource(config: dict, fig: str, key: str) -> int:
    res = config["figures"][fig].get("resources") or {}
    if key == "threads":
        return int(res.get("threads", config.get("threads", DEFAULT_RESOURCES["threads"])))
    return int(res.get(key, DEFAULT_RESOURCES[key]))


def compute_group(config: dict, fig: str) -> str | None:
    """The Snakemake group of the figure's compute jobs on a cluster, or None (own SLURM job).

    Jobs declared to take at most `short_job_minutes` and no GPU join the group `short`; the
    SLURM profile packs several of them into one SLURM job (`group-components: short=N`), which
    saves each its own queue wait and start-up. Longer jobs, and GPU jobs (a group would run its
    GPU jobs one after the other on one GPU), stay one SLURM job each. Local runs ignore groups.
    """
    limit = int(config.get("short_job_minutes", 0))
    short = resource(config, fig, "runtime") <= limit and resource(config, fig, "gpu") == 0
    return SHORT_GROUP if short else None


def software_versions(environment_yml: str | Path) -> str:
    """`name==version` of the pinned libraries compute jobs use, as installed here.

    The names come from environment.yml (the same pins as pyproject.toml, a test keeps them in
    sync; the workflow already ships it for `--sdm conda`), minus NOT_IN_RESULTS. A compute
    job's parameter, so that the between-workflow cache (whose key Snakemake builds from the
    command and the parameters; `cache: "omit-software"` leaves the environment out) never
    hands out results made with other library versions. The local version label is dropped
    (torch 2.13.0+cpu and +cu126 are one release); results record the device they ran on.
    """
    env = yaml.safe_load(Path(environment_yml).read_text())
    pins = [d for item in env["dependencies"] if isinstance(item, dict) for d in item.get("pip", [])]
    names = {re.split(r"[=<>!~ ;\[]", pin, maxsplit=1)[0].lower() for pin in pins}
    out = []
    for name in sorted(names - NOT_IN_RESULTS):
        try:
            version = metadata.version(name).split("+")[0]
        except metadata.PackageNotFoundError:
            version = "missing"
        out.append(f"{name}=={version}")
    return ",".join(out)


def figure_inputs(config: dict, fig: str, results_dir: str = "results") -> list[str]:
    module = figures.load(fig)
    track = figures.FIGURES[fig][0]
    cases = module.cases(params_of(config, fig))
    return [f"{results_dir}/{track}/{fig}/{case}.json" for case in cases]


def compute_inputs(config: dict, fig: str, case: str, results_dir: str = "results") -> list[str]:
    """Upstream files a compute job reads (e.g. a data set another rule made), from the figure
    module's optional `inputs(case, params)` (paths relative to the results directory)."""
    module = figures.load(fig)
    if not hasattr(module, "inputs"):
        return []
    return [f"{results_dir}/{p}" for p in module.inputs(case, params_of(config, fig))]


def _hash(*texts: str) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


@functools.cache
def compute_fingerprint(fig: str) -> str:
    """Hash of what a compute job runs: the figure module minus its measuring and drawing
    functions (measure, draw, caption; figure() in modules not yet split), and its track."""
    module = figures.load(fig)
    source = inspect.getsource(module)
    for name in ("figure", "measure", "draw", "caption"):
        if hasattr(module, name):
            source = source.replace(inspect.getsource(getattr(module, name)), "")
    track_dir = PKG / figures.FIGURES[fig][0]
    track_files = sorted(track_dir.rglob("*.py"))
    return _hash(source, *(p.read_text() for p in track_files),
                 (PKG / "runtime.py").read_text())


@functools.cache
def figure_fingerprint(fig: str) -> str:
    """Hash of the drawing code: the whole figure module and the shared drawing modules."""
    module = figures.load(fig)
    return _hash(inspect.getsource(module), *((PKG / m).read_text() for m in DRAWING_MODULES))


def caption(config: dict, fig: str) -> str:
    """The report caption: the module's `caption(params)` when it has one (it depends only on
    the parameters, so it is known before the run and stable across runs), else its title."""
    module = figures.load(fig)
    text = module.caption(params_of(config, fig)) if hasattr(module, "caption") else module.TITLE
    return _rst_escape(f"{text} Source: {module.PAPER}.")


def _rst_escape(text: str) -> str:
    """Captions are plain text; the report renders them as reStructuredText, where |f''| or
    2^(-2m) would be markup. Backslash-escape rst's inline markup characters."""
    for ch in ("\\", "|", "*", "`", "_"):
        text = text.replace(ch, "\\" + ch)
    return text


def connectivity_nets(config: dict, figs: list[str]) -> dict[str, dict]:
    """Track E's endpoint networks: name -> {spec params, resources}, over every figure that
    trains networks (module function `nets(params)`); a network two figures share appears once,
    with the larger of their `net_resources`."""
    out: dict[str, dict] = {}
    for fig in figs:
        module = figures.load(fig)
        if not hasattr(module, "nets"):
            continue
        p = params_of(config, fig)
        res = config["figures"][fig].get("net_resources") or {}
        for spec in module.nets(p):
            entry = out.setdefault(spec.name, {"spec": spec.to_params(), "resources": {}})
            for k, v in res.items():
                entry["resources"][k] = max(entry["resources"].get(k, 0), v)
    return out
