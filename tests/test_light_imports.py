"""Processes load only what they use.

- The core install (`pip install deeprates`, pyproject's `dependencies`) is the library: `fit`,
  `voxel features`, the explicit networks, `check-config` and `list` must import nothing outside
  the core's dependencies (and theirs), so they run without the `pipeline` extra.
- Processes that do not train never load torch (~2 s of CPU each; the tiny config runs ~60 such
  processes): figure jobs (measure and draw), `check-config`, `list`, and Snakemake's own process
  (the Snakefile and its rules import deeprates and load every figure module for its cases).
  Torch is imported inside the functions that make tensors (deeprates.training), and figure
  modules import drawing libraries inside `draw`.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib

HEAVY = ("torch", "snakemake", "sklearn", "lightgbm", "matplotlib", "seaborn", "pandas")


def _probe(repo, code: str, *args: str) -> dict:
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=repo, text=True, capture_output=True,
                         env={"PYTHONPATH": f"{repo / 'src'}:{repo / 'tests'}", "PATH": ""})
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


# Runs the core's commands with every module outside the allowed ones unimportable, as in a core
# install (optional imports, such as jsonschema's idna, then take their fallback as there).
_LIBRARY = """
import importlib.abc, json, sys
allowed = set(json.loads(sys.argv[1]))
loaded_before = {m.partition(".")[0] for m in sys.modules}


class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] not in allowed:
            raise ModuleNotFoundError(f"not in the core install: {name}", name=name)


sys.meta_path.insert(0, Blocker())
from deeprates.cli import main
rc = [main(json.loads(a)) for a in sys.argv[2:]]
import deeprates.approximation.sawtooth, deeprates.approximation.product, deeprates.fitting
print(json.dumps({"rc": rc, "modules": sorted({m.partition(".")[0] for m in sys.modules} - loaded_before)}))
"""


def _core_closure(repo) -> set[str]:
    """Import names of the core dependencies and everything they require (extras left out)."""
    from importlib import metadata

    meta = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    todo = [d.partition("==")[0] for d in meta["dependencies"]]
    dists: set[str] = set()
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in dists:
            continue
        dists.add(name)
        for req in metadata.requires(name) or []:
            if "extra ==" not in req:
                todo.append(re.match(r"[A-Za-z0-9_.-]+", req).group(0))
    return {mod for mod, owners in metadata.packages_distributions().items()
            if any(o.lower().replace("_", "-") in dists for o in owners)}


def test_core_commands_run_with_only_the_core_dependencies(repo, tmp_path):
    """fit, voxel features, check-config, list and the explicit networks, with every module outside
    the core's dependencies (torch, matplotlib, Snakemake, ...) unimportable."""
    allowed = _core_closure(repo) | set(sys.stdlib_module_names) | {"deeprates"}
    argvs = [["fit", "docs/commands/examples/curves.csv", "--json"],
             ["voxel", "features", "docs/commands/examples/meshes/box.obj", "--S", "4",
              "--out", str(tmp_path / "f.npz")],
             ["check-config", "config/config.yaml"],
             ["list"]]
    out = _probe(repo, _LIBRARY, json.dumps(sorted(allowed)), *map(json.dumps, argvs))
    assert out["rc"] == [0] * len(argvs)
    assert not set(HEAVY) & set(out["modules"])


_FIGURE_JOBS = """
import json, sys
import mutation_support as ms
from deeprates import atomic_io, figure_record, figures
out = {}
for fig in sorted(figures.FIGURES):
    ms.measure(fig)
    out[fig] = [h for h in %r if h in sys.modules]
print(json.dumps(out))
""" % (HEAVY,)


def test_figure_jobs_of_every_figure_load_no_training_stack(repo):
    """measure on the default run's results (the fixtures), as a figure job does (~5 s)."""
    out = _probe(repo, _FIGURE_JOBS)
    assert {fig: loaded for fig, loaded in out.items() if loaded} == {}


def test_draw_imports_only_drawing_libraries(repo):
    """draw's own imports (drawing all 28 figures to check it at run time would take a minute)."""
    from deeprates import figures

    bad = {}
    for fig in figures.FIGURES:
        path = repo / "src" / "deeprates" / "figures" / f"{fig.replace('-', '_')}.py"
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name == "draw":
                names = {a.name for n in ast.walk(node) if isinstance(n, ast.Import) for a in n.names}
                names |= {n.module for n in ast.walk(node) if isinstance(n, ast.ImportFrom) and n.module}
                heavy = {n for n in names if n.partition(".")[0] in HEAVY and not n.startswith("matplotlib")}
                if heavy:
                    bad[fig] = sorted(heavy)
    assert bad == {}


_SNAKEFILE = """
import json, sys
import yaml
# what workflow/Snakefile and workflow/rules/*.smk import, then the wiring that loads every figure
import deeprates.config, deeprates.figures, deeprates.report_text
import deeprates.workflow_support as ws
import deeprates.voxel.dataset, deeprates.connectivity.nets
cfg = deeprates.figures.check_config(deeprates.config.merged("config/config.yaml"), local=True)
for fig in ws.figure_ids(cfg):
    ws.figure_inputs(cfg, fig)
print(json.dumps([h for h in %r if h in sys.modules]))
""" % (HEAVY,)


def test_snakemakes_own_process_loads_no_training_stack(repo):
    assert _probe(repo, _SNAKEFILE) == []
