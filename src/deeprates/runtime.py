"""What a compute job knows about where it runs: seed, threads, device, logging.

Each Snakemake job runs one `python -m deeprates compute ...`; the job's thread budget comes from
the rule's `threads`, so BLAS/OpenMP/torch are limited to it here (on a 2-core laptop two
single-threaded jobs in parallel beat one job fighting over both cores).

Two switches make a run behave like one on another machine, to measure (and in CI, check) what
the figures' numbers reproduce to (docs/reproducibility.md):
- DEEPRATES_BLAS_THREADS=n: every job's native pools (BLAS, OpenMP, torch, xgboost) use n threads
  whatever the rule asked for; a different thread count changes the summation order of BLAS
  reductions, as a different CPU kernel does;
- DEEPRATES_PERTURB=eps (or `compute --perturb eps`): every float parameter x of a compute job
  becomes x (1 + eps u), u in [-1, 1] fixed by the parameter's path: inputs moved at the rounding
  level, as a different libm or compiler moves them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def derive_seed(base: int, *names: object) -> int:
    """A 32-bit seed derived from the config seed and a job's identity.

    Hashing (not adding) makes seeds of different figures/cases independent and stable when a
    case is added or removed.
    """
    h = hashlib.sha256(repr((int(base), *map(str, names))).encode()).digest()
    return int.from_bytes(h[:4], "little")


THREADS_ENV = "DEEPRATES_BLAS_THREADS"
PERTURB_ENV = "DEEPRATES_PERTURB"


def job_threads(requested: int) -> int:
    """The thread count a job uses: `requested` unless DEEPRATES_BLAS_THREADS overrides it."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if not text:
        return int(requested)
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"environment variable {THREADS_ENV}={text!r}: expected a positive integer")
    return n


def perturbation(explicit: float | None = None) -> float:
    """Relative size of the input perturbation: `explicit` if given, else DEEPRATES_PERTURB, else 0."""
    if explicit is not None:
        rel = float(explicit)
    else:
        text = os.environ.get(PERTURB_ENV, "").strip()
        try:
            rel = float(text) if text else 0.0
        except ValueError:
            raise ValueError(f"environment variable {PERTURB_ENV}={text!r}: expected a number") from None
    if not 0.0 <= rel < 1e-6:
        raise ValueError(f"input perturbation {rel!r}: expected 0 <= eps < 1e-6 (a rounding-level change)")
    return rel


# Float parameters a machine never rounds and an experiment needs exactly: left unperturbed.
EXACT_PARAMS = {
    # the aligned-grid check counts the false zeros of grids that hit the dyadic breakpoints
    # exactly; M = 1 (1 + 1e-16) moves every grid point off them and the check loses its object
    "relu-product": ("M",),
}


def case_values(case: str) -> frozenset[float]:
    """The numbers in a case name ("beta1-alpha0.25" -> {1.0, 0.25})."""
    return frozenset(float(x) for x in re.findall(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?", case))


def perturb_params(params: object, rel: float, path: str = "",
                   keep: frozenset[float] = frozenset(), exact: tuple[str, ...] = ()) -> object:
    """Every float in `params` times (1 + rel u), u in [-1, 1] from a hash of its path.

    Deterministic (the same run twice gives the same bytes) and different for every parameter,
    so no two inputs move together. Integers, booleans and strings are left alone: they are
    counts, seeds and names, which a machine does not round. So are floats whose value is in
    `keep` (`case_values` of the job's case name): they identify the case (modules look them up
    by equality), they are not inputs a machine computes; and parameters named in `exact`
    (EXACT_PARAMS of the figure), at any depth.
    """
    if rel == 0.0:
        return params
    if isinstance(params, dict):
        return {k: v if k in exact else perturb_params(v, rel, f"{path}.{k}", keep, exact)
                for k, v in params.items()}
    if isinstance(params, list):
        return [perturb_params(v, rel, f"{path}[{i}]", keep, exact) for i, v in enumerate(params)]
    if isinstance(params, float) and params not in keep:
        h = hashlib.sha256(path.encode()).digest()
        u = int.from_bytes(h[:8], "little") / 2.0**63 - 1.0
        return params * (1.0 + rel * u)
    return params


# Top-level packages imported by this job's code, when the job is a warm-start child
# (deeprates.warm_start): there torch is loaded before the job starts, so "torch in sys.modules"
# no longer says whether the job imported it. None in a fresh process.
_JOB_IMPORTS: set[str] | None = None


def record_imports() -> None:
    """In a warm-start child, before the job: note every package its import statements name."""
    import builtins

    global _JOB_IMPORTS
    _JOB_IMPORTS = set()
    original = builtins.__import__

    def recording(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            _JOB_IMPORTS.add(name.partition(".")[0])
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = recording


def uses_torch() -> bool:
    """Whether this job's code imported torch (what its results' provenance records)."""
    if _JOB_IMPORTS is not None:
        return "torch" in _JOB_IMPORTS
    return "torch" in sys.modules


# The thread counts native libraries read once, when they load (also set by warm_start's server).
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def limit_threads(n: int) -> None:
    """Limit native thread pools to n. Environment first (read when libraries load), then torch."""
    for var in THREAD_ENV:
        os.environ[var] = str(n)
    torch = sys.modules.get("torch")  # not `import torch`: a warm-start job would record it
    if torch is not None:
        torch.set_num_threads(n)


def resolve_device(requested: str) -> str:
    """`auto` -> 'cuda' when torch sees a GPU, else 'cpu'. `cuda` without a GPU is an error."""
    if requested not in ("auto", "cpu", "cuda"):
        raise ValueError(f"config key 'device': expected auto, cpu or cuda, got {requested!r}")
    if requested == "cpu":
        return "cpu"
    import torch

    has_cuda = torch.cuda.is_available()
    if requested == "cuda" and not has_cuda:
        raise RuntimeError("config key 'device' is 'cuda' but torch sees no CUDA device")
    return "cuda" if has_cuda else "cpu"


@dataclass
class RunContext:
    """Passed to every figure module's `compute`: the job's seed, threads and device.

    `checkpoint_dir`: where long training runs keep resumable snapshots (the CLI sets
    `<out>.ckpt/` and removes it once the result is written; None disables checkpoints).
    """

    seed: int
    threads: int = 1
    device_request: str = "auto"
    label: str = ""
    inputs: list[Path] = field(default_factory=list)  # upstream files, see module.inputs()
    checkpoint_dir: Path | None = None  # <out>.ckpt/: snapshots of a resumable run
    _t0: float = field(default_factory=time.perf_counter)

    @property
    def device(self) -> str:
        return resolve_device(self.device_request)

    def log(self, msg: str) -> None:
        """One line per stage: readable in Snakemake's per-job log."""
        dt = time.perf_counter() - self._t0
        print(f"[{self.label} +{dt:7.1f}s] {msg}", file=sys.stderr, flush=True)

    def progress(self, items: Iterable[T], desc: str = "", total: int | None = None) -> Iterator[T]:
        """tqdm bar when a person watches a terminal; stage log lines otherwise."""
        if sys.stderr.isatty():
            from tqdm import tqdm

            yield from tqdm(items, desc=desc, total=total, leave=False)
            return
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        step = max(1, (total or 10) // 10)
        for i, item in enumerate(items):
            if i % step == 0:
                self.log(f"{desc} {i}/{total if total is not None else '?'}")
            yield item
        self.log(f"{desc} done")

    def provenance(self) -> dict:
        """Recorded in results: what produced these numbers."""
        import numpy as np

        info = {"threads": self.threads, "numpy": np.__version__}
        if uses_torch():
            import torch

            info["torch"] = torch.__version__
            info["device"] = self.device
        return info
