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
                        tol=0.5, why="w", kind="consistency")
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


def test_integers_are_exact_whatever_the_precision():
    assert compare_json({"n": 3}, {"n": 4}, {"default": {"rel": 1.0, "abs": 10}})


def test_compare_json_rules():
    tol = {"default": {"rel": 1e-9, "abs": 0}, "a.b": {"rel": 0.1, "abs": 0}}
    assert compare_json({"a": {"b": [1.0]}}, {"a": {"b": [1.05]}}, tol) == []
    assert compare_json({"a": {"c": 1.0}}, {"a": {"c": 1.05}}, tol)
    assert compare_json({"x": True}, {"x": False}, tol)
    assert compare_json({"x": float("nan")}, {"x": float("nan")}, tol) == []
    assert compare_json({"x": [1, 2]}, {"x": [1, 2, 3]}, tol)


def _edit(committed: Path, change) -> None:
    path = committed / "figures" / "toy.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_claim_status_change_fails_even_within_data_precision(committed):
    def flip(doc):
        doc["tolerances"]["claims"] = {"rel": 1.0, "abs": 1.0}  # data precision allows anything
        doc["claims"][0]["status"] = "FAIL"
    _edit(committed, flip)
    # the committed tolerances are the ones read: loosen them there too
    _git(committed, "add", "figures")
    _git(committed, "commit", "-qm", "loose claims precision")
    _edit(committed, lambda doc: doc["claims"][0].update(status="PASS"))
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    fail = next(o for o in report.outcomes if o.name.endswith("toy.json"))
    assert not fail.passed and "status FAIL -> PASS" in fail.reason


def test_claim_measured_may_move_a_tenth_of_its_tolerance(committed):
    # the toy claim: |measured - 2| <= 0.5, so 0.05 is the most it may move
    def loosen(doc):
        doc["tolerances"]["claims"] = {"rel": 1.0, "abs": 1.0}
    _edit(committed, loosen)
    _git(committed, "add", "figures")
    _git(committed, "commit", "-qm", "loose claims precision")
    _edit(committed, lambda doc: doc["claims"][0].update(measured=2.04))
    assert figdiff(committed / "figures", "HEAD", committed / "out").n_failed == 0
    _edit(committed, lambda doc: doc["claims"][0].update(measured=2.06))
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    fail = next(o for o in report.outcomes if o.name.endswith("toy.json"))
    assert not fail.passed and "0.1 x its tolerance" in fail.reason


def test_claim_scale_reads_each_tolerance_form():
    from deeprates.figdiff import claim_scale

    assert claim_scale({"tolerance": "|measured - theory| <= 0.03", "measured": 0.2}) == 0.03
    assert claim_scale({"tolerance": "|measured/theory - 1| <= 0.01", "theory": 4.0}) == 0.04
    assert claim_scale({"tolerance": "measured in [0, 1e-06]", "measured": 0.0}) == 1e-06
    # one-sided: the committed value's margin to its bound
    assert claim_scale({"tolerance": "measured in [-inf, 1.000000001]", "measured": 0.8}) == \
        pytest.approx(0.200000001)
    assert claim_scale({"tolerance": "exact", "measured": 3}) is None


def test_number_report_says_how_far_it_moved_and_the_precision(committed):
    _edit(committed, lambda doc: doc["data"]["y"].__setitem__(10, doc["data"]["y"][10] * 1.001))
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    fail = next(o for o in report.outcomes if not o.passed)
    assert "moved 0.001 relative" in fail.reason and "precision rel 1e-09" in fail.reason


def test_truncated_png_is_named_and_the_summary_still_printed(committed):
    png = committed / "figures" / "toy.png"
    png.write_bytes(png.read_bytes()[:200])
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    fail = next(o for o in report.outcomes if o.name.endswith("toy.png"))
    assert not fail.passed and "unreadable" in fail.reason and "toy.png" in fail.reason
    assert report.lines()[-1] == "1 passed, 1 failed"


def test_rounding_level_redraw_passes_a_real_change_fails(committed):
    _write_toy(committed / "figures", noise=1e-12)  # the line moves by 1e-12 of its height
    assert figdiff(committed / "figures", "HEAD", committed / "out").n_failed == 0
    _write_toy(committed / "figures", noise=0.02)   # 2% of the axis: a visible shift
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    assert any(o.name.endswith("toy.png") and not o.passed for o in report.outcomes)


def test_another_folder_against_the_committed_one(committed):
    import shutil

    other = committed / "results" / "second-machine" / "figures"
    shutil.copytree(committed / "figures", other)
    report = figdiff(other, "HEAD", committed / "out", committed="figures")
    assert report.n_failed == 0 and report.n_passed == 2
    (other / "toy.json").write_text((other / "toy.json").read_text().replace('"slope": 2.0', '"slope": 2.5'))
    assert figdiff(other, "HEAD", committed / "out", committed="figures").n_failed == 1


def test_claim_prose_numbers_move_within_precision_but_words_may_not():
    from deeprates.figdiff import compare_json

    exp = {"claims": [{"detail": "fit window [6.641e+05, 1.196e+10], 170 points", "measured": 0.5}]}
    moved = {"claims": [{"detail": "fit window [6.641e+05, 1.182e+10], 170 points", "measured": 0.5}]}
    reworded = {"claims": [{"detail": "fit range [6.641e+05, 1.196e+10], 170 points", "measured": 0.5}]}
    assert compare_json(exp, moved, {}) == []
    assert compare_json(exp, reworded, {})  # the words are compared exactly
    # outside a claim's prose every string is still compared exactly
    assert compare_json({"data": {"label": "N = 1"}}, {"data": {"label": "N = 2"}}, {})


def test_a_committed_subfolder_is_another_set_of_figures(committed):
    """figures/paper/ (paper-size figures, same names) is not compared with figures/; pointing
    figdiff at it compares it on its own."""
    _write_toy(committed / "figures" / "paper", slope=3.0)
    for f in (committed / "figures" / "paper").glob("toy.*"):  # one only the paper size has
        f.rename(f.with_name("paper-only" + f.suffix))
    _write_toy(committed / "figures" / "paper", slope=3.0)
    _git(committed, "add", "figures")
    _git(committed, "commit", "-qm", "paper figures")
    report = figdiff(committed / "figures", "HEAD", committed / "out")
    assert report.n_failed == 0 and report.n_passed == 2
    assert all("paper" not in o.name for o in report.outcomes)
    paper = figdiff(committed / "figures" / "paper", "HEAD", committed / "out")
    assert paper.n_failed == 0 and paper.n_passed == 4
    (committed / "figures" / "paper" / "toy.json").unlink()
    assert figdiff(committed / "figures" / "paper", "HEAD", committed / "out").n_failed == 1
