"""The precision each number of a figure JSON reproduces to, and the tool that measured it.

A figure JSON's `tolerances` maps a dotted path prefix ("data.discrete.runs.CG"; list indices are
not part of a path) to the relative and absolute change (`rel`, `abs`) that a rerun on another
machine may make to every number under it, with the reason (`why`); the longest matching prefix
wins and `default` covers the rest, so every number has one. figdiff reads them from the
*committed* JSON. Where they come from (docs/reproducibility.md):
- integers, strings and booleans: exact (figdiff compares them exactly whatever the tolerance);
- floats: DEFAULT, the precision of deterministic float64 code that has no reductions whose
  order a machine may change, which covers most of the pipeline (measured: threads 1 vs 2,
  inputs perturbed by 1e-15, a second CPU kind);
- MEASURED below: per figure and path, where those runs moved a value by more than DEFAULT, the
  precision measured there with a margin, and why the value moves;
- a figure module may declare more in `Measurement.tolerances` (same shape), which wins.
Claims are checked by figdiff on their own terms (status, and measured value within a fraction
of the claim's tolerance), so their numbers are under the same rules as data.

`python -m deeprates.precision A B` lists, per figure/result file and path, how far the numbers of
two runs (two figures folders or two results folders) moved: the measurement behind MEASURED.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, Iterator

# Deterministic float64 code: reruns with 1 or 2 BLAS threads, inputs perturbed by 1e-15 and
# another CPU kind moved these values by less than 1e-10 relative or 1e-12 absolute (the latter
# for differences of O(1) numbers, e.g. a claim's deviation |measured - theory|).
DEFAULT = {"rel": 1e-9, "abs": 1e-12}

# figure id -> {path prefix: precision}. Each entry: the largest change measured (runs named in
# docs/reproducibility.md) times a margin of ~10, and what in the computation amplifies rounding.
_RENEWAL = ("corner.renewal_loss sums the renewal series of SGD's loss; its late terms are "
            "small differences of O(1) sums, so another CPU kind moved them by up to 9.4e-7 "
            "relative (9.8e-13 absolute)")
_RF = ("the d = 1 random-feature kernel's eigenvalues fall below the eigensolver's rounding floor "
       "(n eps lambda_1, ~1e-17 of the top one) from k ~ 350 on; the window and the fitted modes "
       "end before it (training.spectral.Spectrum.floor), so only rounding of the resolved modes "
       "reaches these values: 2 BLAS threads with inputs perturbed by 1e-15 moved {what} (d = 1; "
       "d = 2, 3 moved less)")


def _ntk_rf() -> dict[str, dict[str, Any]]:
    out = {}
    for d in ("d1", "d2", "d3"):
        for kind in ("analytic", "linearised"):
            base = f"data.cases.{d}.{kind}.rf"
            out[f"{base}.tail"] = {"rel": 1.0, "abs": 1e-5, "why": _RF.format(
                what="the target tails by 21% relative, 5.8e-7 absolute: a tail at mode k sums "
                     "the target's weights on modes >= k, whose eigenvectors below the floor are "
                     "any basis of a rounding-level subspace")}
            out[f"{base}.t"] = {"rel": 1e-7, "abs": 0.0, "why": _RF.format(
                what="the time grid (1/eigenvalue at the window's ends) by 6.6e-9 relative")}
            out[f"{base}.fits.xi.window"] = out[f"{base}.t"]
            for key in ("loss", "loss_per_seed", "predicted"):
                out[f"{base}.{key}"] = {"rel": 3e-6, "abs": 1e-12, "why": _RF.format(
                    what="the loss curves by 2.5e-7 relative")}
            out[f"{base}.fits"] = {"rel": 1e-5, "abs": 1e-9, "why": _RF.format(
                what="the fits' exponents by 2.3e-9 relative, their errors and spreads by 1e-6")}
    out["claims"] = {"rel": 5e-6, "abs": 1e-9, "why": "claims summarise the RF fits above: measured "
                     "moved 2.3e-9 relative, errors 2.7e-7, deviations 4.9e-7"}
    return out


MEASURED: dict[str, dict[str, dict[str, Any]]] = {
    "corner-gd": {
        "data.sweeps.runs.sgd": {"rel": 1e-5, "abs": 1e-11, "why": _RENEWAL},
        "data.sweeps.runs.fit_sgd": {"rel": 1e-6, "abs": 1e-9,
                                     "why": "fits of the SGD curves above; moved 3.4e-8 relative"},
        "data.beam.runs.time_domain_dev": {"rel": 1e-3, "abs": 1e-11,
                                           "why": "a max relative deviation of ~1e-8 between two "
                                                  "renewal computations: moved 2.3e-5 relative, 2e-16 absolute"},
        "claims.measured": {"rel": 1e-3, "abs": 1e-11,
                            "why": "the time-domain claims are the deviations above (moved 3.9e-13 absolute)"},
        "data.time_domain.max_rel_dev": {"rel": 0.0, "abs": 1e-10,
                                         "why": "the max relative deviation (~1.4e-8) between the "
                                                "time-domain recursion and the FFT-inverted generating "
                                                "function is their rounding difference itself: 2 BLAS "
                                                "threads with inputs perturbed by 1e-15 moved it by "
                                                "9.5e-12 absolute (6.7e-4 relative)"},
    },
    "sgd-phases": {
        "data.montecarlo.std": {"rel": 0.05, "abs": 1e-15,
                                "why": "at step 0 every seed has the same loss (0.77), so the spread "
                                       "over seeds is rounding of the same sum (3e-16); 2 BLAS threads "
                                       "with inputs perturbed by 1e-15 moved it by 1.1e-16 absolute. "
                                       "The relative 0.05 is the Monte-Carlo precision the figure "
                                       "declares for data.montecarlo"},
    },
    "sobolev-taylor": {
        "claims.extra": {"rel": 1e-9, "abs": 2e-11,
                         "why": "deviation = |measured - theory| of O(1) errors: another CPU kind moved "
                                "it by 1.7e-12 absolute (25% of a deviation of 7e-12)"},
    },
    "ntk-indicator": _ntk_rf(),
}


def tolerances(figure_id: str, declared: dict[str, dict] | None = None) -> dict[str, dict]:
    """The `tolerances` a figure JSON is written with: DEFAULT, MEASURED, then the module's own."""
    out: dict[str, dict] = {"default": dict(DEFAULT)}
    for src in (MEASURED.get(figure_id, {}), declared or {}):
        for path, tol in src.items():
            if not {"rel", "abs"} <= set(tol) or not set(tol) <= {"rel", "abs", "why"}:
                raise ValueError(f"precision of {figure_id} {path!r}: expected rel, abs (and why), got {tol!r}")
            out[path] = dict(tol)
    return out


def lookup(tols: dict[str, dict], path: str) -> dict[str, float]:
    """The precision of the number at `path`: longest matching prefix, else `default`."""
    best, best_len = tols.get("default", DEFAULT), -1
    for prefix, tol in tols.items():
        if prefix == "default":
            continue
        if (path == prefix or path.startswith(prefix + ".")) and len(prefix) > best_len:
            best, best_len = tol, len(prefix)
    return {"rel": float(best.get("rel", 0.0)), "abs": float(best.get("abs", 0.0))}


def numbers(doc: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """(dotted path, value) of every float in a JSON document (ints and bools are exact)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(doc, list):
        for v in doc:
            yield from numbers(v, path)
    elif isinstance(doc, float):
        yield path, doc


def moved(a: Any, b: Any) -> dict[str, dict[str, float]]:
    """Per path: the largest relative and absolute changes between two runs, how many values
    changed (`n`) and how many by more than DEFAULT (`over_default`).

    Documents of different shape are compared where they line up (same keys, same lengths).
    Relative changes of values within 1e-300 of zero are counted as absolute only.
    """
    out: dict[str, dict[str, float]] = {}

    def walk(x: Any, y: Any, path: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            for k in x.keys() & y.keys():
                walk(x[k], y[k], f"{path}.{k}" if path else str(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for u, v in zip(x, y):
                walk(u, v, path)
        elif isinstance(x, float) and isinstance(y, float) and x != y and not (x != x and y != y):
            rec = out.setdefault(path, {"rel": 0.0, "abs": 0.0, "n": 0, "over_default": 0})
            rec["n"] += 1
            if math.isfinite(x) and math.isfinite(y):
                d = abs(x - y)
                rec["abs"] = max(rec["abs"], d)
                rec["over_default"] += d > DEFAULT["abs"] + DEFAULT["rel"] * abs(x)
                if abs(x) > 1e-300:
                    rec["rel"] = max(rec["rel"], d / abs(x))
            else:
                rec["rel"] = rec["abs"] = math.inf
                rec["over_default"] += 1

    walk(a, b, "")
    return out


def _load(p: Path) -> Any:
    import gzip

    raw = gzip.open(p).read() if p.suffix == ".gz" else p.read_bytes()
    return json.loads(raw)


def main(argv: list[str]) -> int:
    everything = "--all" in argv
    argv = [a for a in argv if a != "--all"]
    if len(argv) != 2:
        print("usage: python -m deeprates.precision [--all] RUN_A RUN_B  (figures or results "
              "folders; without --all only values moved beyond DEFAULT)", file=sys.stderr)
        return 2
    a_dir, b_dir = map(Path, argv)
    for pa in sorted([*a_dir.rglob("*.json"), *a_dir.rglob("*.json.gz")]):
        pb = b_dir / pa.relative_to(a_dir)
        if not pb.exists():
            continue
        for path, rec in sorted(moved(_load(pa), _load(pb)).items(), key=lambda kv: -kv[1]["rel"]):
            if everything or rec["over_default"]:
                print(f"{pa.relative_to(a_dir)}\t{path}\trel {rec['rel']:.2e}\tabs {rec['abs']:.2e}"
                      f"\tchanged {rec['n']}\tbeyond default {rec['over_default']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
