"""Helpers the Snakefiles use to wire jobs: figure ids, cases, parameters, resources, fingerprints.

Kept here (not in the Snakefiles) so the wiring logic is importable and tested. Code changes
reach Snakemake as parameter changes (Snakemake's default rerun triggers include params, and
the `--cache` key is built from them): a job's `code` parameter hashes exactly the deeprates code
the job imports, found statically (`code_fingerprint`). A compute job's roots are the CLI's
`cmd_compute` and the figure module without its measuring, drawing and checking functions; a
figure job's are `cmd_figure` and the whole figure module. So a caption or style edit reruns
only figure jobs, and an edit of any module a computation imports (fitting.py included, when a
track module calls it) reruns that computation and nothing else.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import re
from importlib import metadata
from pathlib import Path

import yaml

from deeprates import figures

TRACKS = ("approximation", "training", "optimization", "voxel", "connectivity", "interpolation")
PKG = Path(__file__).resolve().parent
# Functions of a figure module that run in the figure job or at config time, never in a compute
# job (figure() in modules not yet split into measure/draw).
NOT_COMPUTE = frozenset({"measure", "draw", "caption", "figure", "check_params"})
DEFAULT_RESOURCES = {"threads": 1, "mem_mb": 2000, "runtime": 20, "gpu": 0}
# The Snakemake group of compute jobs short enough to share a SLURM job (see compute_group).
SHORT_GROUP = "short"
# Pinned libraries that cannot change a compute result (drawing, wiring, config, progress bars):
# left out of software_versions, so bumping one reruns only figure jobs, as a style change does.
NOT_IN_RESULTS = frozenset({"matplotlib", "seaborn", "snakemake", "jsonschema", "pyyaml", "tqdm"})


def figure_ids(config: dict) -> list[str]:
    """Figures the config asks for, in registry order."""
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


def figure_formats(config: dict) -> tuple[str, ...]:
    """The files a figure job writes: PNG, PDF unless `figure_pdf: false`, and the JSON."""
    return ("png", "pdf", "json") if config.get("figure_pdf", True) else ("png", "json")


def final_outputs(config: dict, figs: list[str], results_dir: str, figures_dir: str) -> list[str]:
    """Every file a complete run leaves: each figure's PNG, PDF and JSON (the report's inputs;
    no PDF under `figure_pdf: false`),
    the claims table, the verification stamp and the compute results they come from."""
    out = [f"{figures_dir}/{fig}.{ext}" for fig in figs for ext in figure_formats(config)]
    out += [f"{figures_dir}/README.md", f"{results_dir}/verify.ok"]
    return out + [p for fig in figs for p in figure_inputs(config, fig, results_dir)]


# Figure parameters that name a user's file: it is an input of the figure's compute jobs, so
# replacing it reruns them (a path in the parameters alone would change only if the path did).
USER_FILE_KEYS = ("mesh",)


def user_files(config: dict, fig: str) -> list[str]:
    params = params_of(config, fig)
    return [params[k] for k in USER_FILE_KEYS if params.get(k)]


def data_inputs(config: dict, figs: list[str], results_dir: str) -> list[str]:
    """The upstream data files (e.g. voxel features) the figures' compute jobs read."""
    out = []
    for fig in figs:
        cases = figures.load(fig).cases(params_of(config, fig))
        out += [p for case in cases for p in compute_inputs(config, fig, case, results_dir)]
    return out


def sweep_corrupt(paths) -> list[str]:
    """Move aside (to <name>.corrupt) every existing file among `paths` that was cut short
    (atomic_io.looks_complete: its last bytes only, so this costs nothing at each start), and
    say which: Snakemake then sees it missing and rebuilds it and what depends on it, instead of
    failing on it in every run until someone deletes it by hand."""
    from deeprates import atomic_io

    out = []
    for p in dict.fromkeys(paths):
        if os.path.isfile(p) and not atomic_io.looks_complete(p):
            out.append(str(atomic_io.quarantine(p, "cut short (incomplete JSON or npz)")))
    return out


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


def _module_file(name: str) -> Path | None:
    """The source file of deeprates module `name`, or None when it is not one (a class, say)."""
    parts = name.split(".")
    if parts[0] != "deeprates":
        return None
    base = PKG.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported_modules(node: ast.AST, module: str, is_package: bool) -> set[str]:
    """deeprates modules the import statements under `node` load (relative ones resolved),
    with the packages above them, whose __init__ runs first."""
    out = set()
    pkg = module if is_package else module.rpartition(".")[0]
    for n in ast.walk(node):
        if isinstance(n, ast.Import):
            targets = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            base = n.module or ""
            if n.level:
                anchor = pkg.split(".")[: len(pkg.split(".")) - (n.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from deeprates import plotting` loads deeprates.plotting; `from x import f` loads x
            targets = [f"{base}.{a.name}" if _module_file(f"{base}.{a.name}") else base for a in n.names]
        else:
            continue
        for t in targets:
            parts = t.split(".")
            out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {m for m in out if _module_file(m)}


def _bound_names(stmt: ast.stmt) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for a in stmt.names}


def _compute_part(tree: ast.Module) -> list[ast.stmt]:
    """The statements of a figure module a compute job needs: all but the NOT_COMPUTE functions,
    and module-level imports only where the rest uses the name they bind (a figure module
    imports plotting at the top for draw(); a compute job loading it does not run its code)."""
    body = [s for s in tree.body
            if not (isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in NOT_COMPUTE)]
    imports = [s for s in body if isinstance(s, (ast.Import, ast.ImportFrom))]
    rest = [s for s in body if s not in imports]
    used = {n.id for s in rest for n in ast.walk(s) if isinstance(n, ast.Name)}
    kept = [s for s in imports if (isinstance(s, ast.ImportFrom) and s.module == "__future__")
            or _bound_names(s) & used]
    return kept + rest


def _function(tree: ast.Module, name: str) -> list[ast.stmt]:
    found = [s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == name]
    if not found:
        raise KeyError(f"no function {name}()")
    return found


def code_fingerprint(roots: tuple[tuple[str, str | None], ...]) -> str:
    """Hash of the code that runs from `roots` ((module, part): part None = the whole module,
    a function name = only it, "compute" = a figure module's compute side) and of every deeprates
    module it imports, transitively (whole modules: their top-level code runs on import, and
    which of their functions run is not decidable statically). Hashes the syntax tree, so a
    comment or blank-line edit changes nothing, while any code or docstring edit does."""
    return _walk(tuple(roots))[0]


def code_modules(roots: tuple[tuple[str, str | None], ...]) -> frozenset[str]:
    """The deeprates modules code_fingerprint(roots) hashes whole."""
    return _walk(tuple(roots))[1]


@functools.cache
def _tree(module: str) -> tuple[ast.Module, bool]:
    """(the module's syntax tree, whether it is a package's __init__), parsed once per process:
    Snakemake asks for the fingerprints of every job, and cli.py is a root of each of them."""
    path = _module_file(module)
    return ast.parse(path.read_text(encoding="utf-8"), str(path)), path.name == "__init__.py"


@functools.cache
def _module_info(module: str) -> tuple[str, frozenset[str]]:
    """(digest of the module's syntax tree, the deeprates modules it imports), once per process:
    many roots share modules, and ast.dump is the slow part."""
    tree, is_init = _tree(module)
    return _hash(ast.dump(tree)), frozenset(_imported_modules(tree, module, is_init))


@functools.cache
def _part_info(module: str, part: str) -> tuple[str, tuple[str, ...]]:
    """(digest, imported deeprates modules) of one part of a module: a function, or "compute"."""
    tree, is_init = _tree(module)
    stmts = _compute_part(tree) if part == "compute" else _function(tree, part)
    node = ast.Module(body=stmts, type_ignores=[])
    return _hash(ast.dump(node)), tuple(_imported_modules(node, module, is_init))


@functools.cache
def _walk(roots: tuple[tuple[str, str | None], ...]) -> tuple[str, frozenset[str]]:
    parts: dict[str, str] = {}  # what is hashed, by name; hashed in sorted order (sets are not)
    todo: list[str] = []
    for module, part in roots:
        if part is None:
            todo.append(module)
            continue
        parts[f"{module}:{part}"], imports = _part_info(module, part)
        todo.extend(imports)
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts[module], imports = _module_info(module)
        todo.extend(imports)
    return _hash(*(f"{name}\0{text}" for name, text in sorted(parts.items()))), frozenset(seen)


def clear_cache() -> None:
    """Forget parsed modules and fingerprints (for tests that edit code in one process)."""
    _tree.cache_clear()
    _module_info.cache_clear()
    _part_info.cache_clear()
    _walk.cache_clear()


def figure_module(fig: str) -> str:
    """Dotted name of the figure's module."""
    return f"deeprates.figures.{figures.FIGURES[fig][1]}"


def compute_roots(fig: str) -> tuple[tuple[str, str | None], ...]:
    """What a compute job runs: `python -m deeprates compute` (cmd_compute) and the figure
    module's compute side."""
    return (("deeprates.cli", "cmd_compute"), (figure_module(fig), "compute"))


def figure_roots(fig: str) -> tuple[tuple[str, str | None], ...]:
    """What a figure job runs: cmd_figure and the whole figure module (measure, draw, caption)."""
    return (("deeprates.cli", "cmd_figure"), (figure_module(fig), None))


def compute_fingerprint(fig: str) -> str:
    return code_fingerprint(compute_roots(fig))


def figure_fingerprint(fig: str) -> str:
    return code_fingerprint(figure_roots(fig))


def command_fingerprint(command: str) -> str:
    """Hash of what one CLI command (a function of deeprates.cli) runs, e.g. the voxel stages."""
    return code_fingerprint((("deeprates.cli", command),))


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
