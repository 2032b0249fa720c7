"""Compare a figures folder with the committed figures of a git revision: what changed, by how much.

Numbers: every number in a figure's JSON is compared with the precision the *committed* JSON
declares for its path (`tolerances`, rules in deeprates.precision: longest matching dotted prefix,
list indices not part of the path), integers, strings and booleans exactly. Claims, matched by
name: any change of status fails, and so does a measured value that moves by more than
CLAIM_FRACTION of the claim's tolerance (the width of a two-sided band, the bound of
|measured - theory|, or the margin to a one-sided bound), whatever the data precision allows.
Pixels: RMS <= PIXEL_RMS on the PNGs (matplotlib.testing.compare), a size mismatch or an
unreadable file is a failure of its own. For every failure of a PNG, a three-panel image
(expected | actual | changed pixels) goes to the output folder. The last line is
"N passed, N failed" whatever happened to single files. PDFs are not compared (same drawing as
the PNG; rasterising them needs Ghostscript), nor README.md (generated from the JSON files).

The folder compared may be another than the committed one (`committed`): CI draws the figures
of its second-machine run into results/ and compares them with figures/ at HEAD.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import json

import numpy as np

from deeprates import precision

# Pixel RMS (0-255 scale, over the whole image) a redraw may differ by. Measured
# (docs/reproducibility.md): another CPU kind moved plotted numbers at the rounding level and
# flipped the antialiasing of a few dozen pixels, RMS <= 0.01; 2 BLAS threads with inputs
# perturbed by 1e-15 moved powerlaw-optimizers' markers at zeta = 0.25, 0.5, 1 (which fall on
# pixel boundaries) by one snapped pixel: 44 pixels, RMS 1.95. Visible changes: the CG rounding
# noise of powerlaw-optimizers panel (c), RMS 9.6; ntk-indicator's rescaled RF spectrum axes, 23.
# 3 lies between: 1.5x the largest rounding-level redraw, 1/3 of the smallest visible change.
PIXEL_RMS = 3.0
# A claim's measured value may move by this fraction of its tolerance (and no more, even where
# the data precision is looser): a tenth keeps a rerun from walking a claim toward its bound.
CLAIM_FRACTION = 0.1
COMPARED = (".json", ".png")


class FigdiffError(RuntimeError):
    pass


@dataclass
class Outcome:
    name: str
    passed: bool
    reason: str = ""
    diff_image: Path | None = None


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(not o.passed for o in self.outcomes)

    @property
    def n_passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    def lines(self) -> list[str]:
        out = []
        for o in self.outcomes:
            if o.passed:
                out.append(f"PASS {o.name}" + (f" ({o.reason})" if o.reason else ""))
            else:
                extra = f" (visual diff: {o.diff_image})" if o.diff_image else ""
                out.append(f"FAIL {o.name}: {o.reason}{extra}")
        out.append(f"{self.n_passed} passed, {self.n_failed} failed")
        return out


def _git(repo: Path, *args: str) -> bytes:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True)
    if proc.returncode != 0:
        raise FigdiffError(f"git {' '.join(args)} failed: {proc.stderr.decode().strip()}")
    return proc.stdout


def compare_json(expected: Any, actual: Any, tolerances: dict[str, dict], path: str = "") -> list[str]:
    """Differences as 'path: expected X, got Y' strings (empty list = equal within tolerance)."""
    here = path or "<root>"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{here}: expected an object, got {type(actual).__name__}"]
        out = []
        for k in sorted(set(expected) | set(actual), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in actual:
                out.append(f"{sub}: missing in the new figure")
            elif k not in expected:
                out.append(f"{sub}: new key, not in the committed figure")
            else:
                out += compare_json(expected[k], actual[k], tolerances, sub)
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{here}: expected a list, got {type(actual).__name__}"]
        if len(expected) != len(actual):
            return [f"{here}: expected {len(expected)} items, got {len(actual)}"]
        out = []
        for e, a in zip(expected, actual):
            out += compare_json(e, a, tolerances, path)
            if len(out) > 20:
                break
        return out
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None or actual is None:
        return [] if expected == actual else [f"{here}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        e, a = float(expected), float(actual)
        if math.isnan(e) and math.isnan(a):
            return []
        if e == a:
            return []
        if isinstance(expected, int) and isinstance(actual, int):
            return [f"{here}: expected {expected}, got {actual} (integers are exact)"]
        tol = precision.lookup(tolerances, path)
        if math.isfinite(e) and math.isfinite(a) and abs(a - e) <= tol["abs"] + tol["rel"] * abs(e):
            return []
        moved = f"moved {abs(a - e) / abs(e):.2g} relative" if e and math.isfinite(e - a) else "changed"
        return [f"{here}: expected {e!r}, got {a!r}, {moved} (precision rel {tol['rel']:g}, "
                f"abs {tol['abs']:g})"]
    if (isinstance(expected, str) and isinstance(actual, str) and path.startswith("claims.")
            and path.rsplit(".", 1)[-1] in PROSE):
        # A claim's prose repeats numbers (a fit window, a percentage) that are checked on
        # their own terms: the claim's measured value, its control's value and its status.
        # The prose must say the same thing; its numbers may move within their precision.
        if _NUMBER.sub("#", expected) == _NUMBER.sub("#", actual):
            return []
    return [] if expected == actual else [f"{here}: expected {expected!r}, got {actual!r}"]


#: free-text fields of a claim, compared with their numbers masked
PROSE = frozenset({"detail", "deviation", "statement"})
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


_TOL_ABS = re.compile(r"\|measured - theory\| <= (\S+)")
_TOL_REL = re.compile(r"\|measured/theory - 1\| <= (\S+)")
_TOL_BAND = re.compile(r"measured in \[(\S+), (\S+)\]")


def claim_scale(claim: dict) -> float | None:
    """How far the claim's measured value is from failing its own check, as a width.

    |measured - theory| <= tol: tol; relative: tol |theory|; a band [lo, hi]: hi - lo, or, one
    bound infinite, the committed value's margin to the finite one. None when the tolerance is
    not numeric (exact, strict, a text check): then the measured value must not change beyond its
    data precision, and the status must stay.
    """
    text, m = str(claim.get("tolerance", "")), claim.get("measured")
    try:
        if (hit := _TOL_ABS.fullmatch(text)):
            return float(hit.group(1))
        if (hit := _TOL_REL.fullmatch(text)) and isinstance(claim.get("theory"), (int, float)):
            return float(hit.group(1)) * abs(float(claim["theory"]))
        if (hit := _TOL_BAND.fullmatch(text)) and isinstance(m, (int, float)):
            lo, hi = float(hit.group(1)), float(hit.group(2))
            if math.isfinite(lo) and math.isfinite(hi):
                return hi - lo
            bound = lo if math.isfinite(lo) else hi
            return abs(float(m) - bound) if math.isfinite(bound) else None
    except ValueError:
        return None
    return None


def compare_claims(expected: list[dict], actual: list[dict]) -> list[str]:
    """Status changes, measured values moved by more than CLAIM_FRACTION of the tolerance."""
    out = []
    exp = {c.get("name"): c for c in expected}
    act = {c.get("name"): c for c in actual}
    for name in sorted(set(exp) | set(act), key=str):
        if name not in act:
            out.append(f"claim {name!r}: missing in the new figure")
            continue
        if name not in exp:
            out.append(f"claim {name!r}: new, not in the committed figure")
            continue
        e, a = exp[name], act[name]
        if e.get("status") != a.get("status"):
            out.append(f"claim {name!r}: status {e.get('status')} -> {a.get('status')}")
        me, ma = e.get("measured"), a.get("measured")
        scale = claim_scale(e)
        if (scale is not None and isinstance(me, (int, float)) and isinstance(ma, (int, float))
                and not isinstance(me, bool) and me != ma):
            if not (math.isfinite(me) and math.isfinite(ma)) or abs(ma - me) > CLAIM_FRACTION * scale:
                out.append(f"claim {name!r}: measured {me!r} -> {ma!r}, moved {abs(ma - me):.3g} "
                           f"> {CLAIM_FRACTION:g} x its tolerance ({scale:.3g}; {e.get('tolerance')})")
    return out


def _read_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def _three_panel(expected: Path, actual: Path, out: Path) -> Path:
    from PIL import Image

    e, a = _read_rgb(expected), _read_rgb(actual)
    h, w = max(e.shape[0], a.shape[0]), max(e.shape[1], a.shape[1])

    def pad(x: np.ndarray) -> np.ndarray:
        canvas = np.full((h, w, 3), 255, dtype=np.int16)
        canvas[: x.shape[0], : x.shape[1]] = x
        return canvas

    e, a = pad(e), pad(a)
    changed = np.any(e != a, axis=2)
    grey = (0.3 * e.mean(axis=2) + 0.7 * 255).astype(np.int16)
    diff = np.stack([grey] * 3, axis=2)
    diff[changed] = (220, 20, 60)
    gap = np.full((h, 8, 3), 0, dtype=np.int16)
    panel = np.concatenate([e, gap, a, gap, diff], axis=1).astype(np.uint8)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(panel).save(out)
    return out


def compare_png(expected: Path, actual: Path, diff_out: Path) -> Outcome:
    from matplotlib.testing.compare import calculate_rms

    name = str(actual)
    try:
        e = _read_rgb(expected)
    except Exception as exc:  # noqa: BLE001 - any unreadable image is a failure to report
        return Outcome(name, False, f"committed PNG unreadable: {type(exc).__name__}: {exc}")
    try:
        a = _read_rgb(actual)
    except Exception as exc:  # noqa: BLE001 - a truncated or corrupt PNG, named, not a crash
        return Outcome(name, False, f"PNG unreadable ({actual}): {type(exc).__name__}: {exc}")
    if e.shape != a.shape:
        return Outcome(name, False, f"image size differs: expected {e.shape[1]}x{e.shape[0]}, got "
                       f"{a.shape[1]}x{a.shape[0]}", _three_panel(expected, actual, diff_out))
    if np.array_equal(e, a):
        return Outcome(name, True)
    rms = float(calculate_rms(e.astype(np.uint8), a.astype(np.uint8)))
    changed = int(np.any(e != a, axis=2).sum())
    if rms <= PIXEL_RMS:
        return Outcome(name, True, f"pixel RMS {rms:.3f} ({changed} pixels changed)")
    return Outcome(name, False, f"pixel RMS {rms:.2f} > {PIXEL_RMS:g} ({changed} pixels changed)",
                   _three_panel(expected, actual, diff_out))


def figdiff(figures_dir: str | Path = "figures", against: str = "HEAD",
            outdir: str | Path = "results/figdiff", committed: str | None = None) -> Report:
    """Compare `figures_dir` with the folder `committed` (default: figures_dir itself, relative
    to the repository) of revision `against`."""
    figures_dir = Path(figures_dir).resolve()
    outdir = Path(outdir).resolve()
    repo = Path(_git(figures_dir if figures_dir.exists() else Path.cwd(),
                     "rev-parse", "--show-toplevel").decode().strip())
    if committed is None:
        try:
            rel = figures_dir.relative_to(repo).as_posix()
        except ValueError:
            raise FigdiffError(f"{figures_dir} is outside the repository {repo}: name the committed "
                               "folder to compare it with (committed='figures')") from None
    else:
        rel = Path(committed).as_posix().strip("/")
    _git(repo, "rev-parse", "--verify", f"{against}^{{commit}}")
    # the folder's own files only: a subfolder (figures/paper/, the paper-size figures) is
    # another set of figures, compared by pointing figdiff at it
    listed = _git(repo, "ls-tree", "--name-only", against, "--", rel + "/").decode().splitlines()
    expected_names = {Path(p).name for p in listed if p.endswith(COMPARED)}
    actual_names = {p.name for p in figures_dir.glob("*") if p.suffix in COMPARED and
                    not p.name.endswith("-failed-diff.png")} if figures_dir.exists() else set()

    report = Report()
    with tempfile.TemporaryDirectory(prefix="figdiff-") as tmp:
        tmp = Path(tmp)
        # JSON files first: a changed number is the more informative message.
        for name in sorted(expected_names | actual_names, key=lambda n: (not n.endswith(".json"), n)):
            shown = f"{rel}/{name}"
            if name not in actual_names:
                report.outcomes.append(Outcome(shown, False, f"missing in the working tree (present in {against})"))
                continue
            if name not in expected_names:
                report.outcomes.append(Outcome(shown, False, f"not in {against}: commit the new figure"))
                continue
            blob = _git(repo, "show", f"{against}:{rel}/{name}")
            exp_path = tmp / name
            exp_path.write_bytes(blob)
            act_path = figures_dir / name
            if name.endswith(".json"):
                try:
                    exp_doc = json.loads(blob)
                    act_doc = json.loads(act_path.read_text())
                except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
                    report.outcomes.append(Outcome(shown, False, f"unreadable JSON: {exc}"))
                    continue
                diffs = compare_claims(exp_doc.get("claims") or [], act_doc.get("claims") or [])
                diffs += compare_json(exp_doc, act_doc, exp_doc.get("tolerances", {}))
                if diffs:
                    more = f" (+{len(diffs) - 5} more)" if len(diffs) > 5 else ""
                    report.outcomes.append(Outcome(shown, False, "; ".join(diffs[:5]) + more))
                else:
                    report.outcomes.append(Outcome(shown, True))
            else:
                o = compare_png(exp_path, act_path, outdir / name)
                o.name = shown
                report.outcomes.append(o)
    return report
