"""figdiff: numbers first (with per-path tolerances), then pixels, a diff image per failure."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deeprates import figure_record, plotting
from deeprates.claims import Claim
from deeprates.figdiff import compare_json, figdiff


class _Module:
    ID = "toy"
    TITLE = "toy figure"
    TRACK = "approximation"
    PAPER = "none"


def _write_toy(figdir: Path, slope: float = 2.0, size=(3.4, 2.9), noise: float = 0.0) -> None:
    fig, ax = plotting.subplots(1, 1, width=size[0], height=size[1])
    x = np.linspace(0, 1, 50)
    ax.plot(x, slope * x + noise)
    claim = Claim.close("toy", "slope", paper="p", statement="s", measured=slope, theory=2.0,
                        tol=0.5, why="w")
    m = figure_record.Measurement({"x": x, "y": slope * x, "mc": [1.0 + noise]}, [claim],
                                  tolerances={"data.mc": {"rel": 0.05, "abs": 0}})
    figure_record.write(figdir, _Module, m, fig, "caption", {"slope": slope})


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def committed(tmp_path) -> Path:
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "t")
    _write_toy(tmp_path / "figures")
    _git(tmp_path, "add", "figures")
    _git(tmp_path, "commit", "-qm", "figures")
    return tmp_path


def test_unchanged_figure_passes(committed):
    report = figdiff(committed / "figures", "HEAD", committed / "results" / "figdiff")
    assert report.n_failed == 0 and report.n_passed == 2
    assert report.lines()[-1] == "2 passed, 0 failed"


def test_regenerated_identical_figure_passes(committed):
    _write_toy(committed / "figures")
    assert figdiff(committed / "figures", "HEAD", committed / "out").n_failed == 0


def test_hand_edited_number_fails(committed):
    path = committed / "figures" / "toy.json"
    doc = json.loads(path.read_text())
    doc["data"]["y"][10] *= 1.001
    path.write_text(json.dumps(doc))
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    assert report.n_failed == 1
    fail = next(o for o in report.outcomes if not o.passed)
    assert fail.name.endswith("toy.json") and "data.y" in fail.reason
    assert report.lines()[-1] == "1 passed, 1 failed"


def test_per_path_tolerance(committed):
    path = committed / "figures" / "toy.json"
    doc = json.loads(path.read_text())
    doc["data"]["mc"][0] *= 1.03  # within the declared 5% for data.mc
    path.write_text(json.dumps(doc))
    assert figdiff(committed / "figures", "HEAD", committed / "out").n_failed == 0
    doc["data"]["mc"][0] *= 1.1
    path.write_text(json.dumps(doc))
    assert figdiff(committed / "figures", "HEAD", committed / "out").n_failed == 1


def test_changed_drawing_fails_with_three_panel_diff(committed):
    _write_toy(committed / "figures", slope=0.5)
    out = committed / "results" / "figdiff"
    report = figdiff(committed / "figures", "HEAD", out)
    png = next(o for o in report.outcomes if o.name.endswith("toy.png"))
    assert not png.passed and "RMS" in png.reason
    assert png.diff_image is not None and png.diff_image.exists()
    from PIL import Image

    w_diff = Image.open(png.diff_image).size[0]
    w_one = Image.open(committed / "figures" / "toy.png").size[0]
    assert w_diff >= 3 * w_one  # expected | actual | changed pixels
    assert not list((committed / "figures").glob("*failed-diff*"))


def test_size_mismatch_is_caught(committed):
    _write_toy(committed / "figures", size=(4.0, 2.9))
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    png = next(o for o in report.outcomes if o.name.endswith("toy.png"))
    assert not png.passed and "size differs" in png.reason


def test_missing_and_new_files_fail(committed):
    (committed / "figures" / "toy.png").unlink()
    (committed / "figures" / "extra.json").write_text("{}")
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    reasons = {o.name.split("/")[-1]: o.reason for o in report.outcomes if not o.passed}
    assert "missing" in reasons["toy.png"] and "not in HEAD" in reasons["extra.json"]


def test_compare_json_rules():
    tol = {"default": {"rel": 1e-9, "abs": 0}, "a.b": {"rel": 0.1, "abs": 0}}
    assert compare_json({"a": {"b": [1.0]}}, {"a": {"b": [1.05]}}, tol) == []
    assert compare_json({"a": {"c": 1.0}}, {"a": {"c": 1.05}}, tol)
    assert compare_json({"x": True}, {"x": False}, tol)
    assert compare_json({"x": float("nan")}, {"x": float("nan")}, tol) == []
    assert compare_json({"x": [1, 2]}, {"x": [1, 2, 3]}, tol)
