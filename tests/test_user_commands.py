"""The user-facing commands: each docs/commands/*.md worked example is run and must print what
the page shows."""

from __future__ import annotations

import re
import shlex

import pytest

from deeprates.cli import main


def _examples(page):
    """(command line, expected output) pairs: a ```bash block followed by a ```text block."""
    text = page.read_text()
    return re.findall(r"```bash\n(deeprates [^\n]+)\n```\s*```text\n(.*?)\n```", text, re.S)


@pytest.mark.parametrize("page", ["fit.md", "voxel-features.md"])
def test_worked_examples_print_what_the_page_shows(repo, page, capsys, monkeypatch, tmp_path):
    # the examples' paths are relative to the checkout; their outputs go to a scratch folder
    (tmp_path / "docs").symlink_to(repo / "docs")
    monkeypatch.chdir(tmp_path)
    examples = _examples(repo / "docs" / "commands" / page)
    assert examples, f"{page}: no worked example"
    for cmd, expected in examples:
        assert main(shlex.split(cmd)[1:]) == 0, cmd
        assert capsys.readouterr().out.strip() == expected.strip(), cmd


def test_fit_reports_bad_input_without_traceback(tmp_path, capsys):
    p = tmp_path / "bad.csv"
    p.write_text("x,y\n1,2\n2,oops\n")
    assert main(["fit", str(p)]) == 2
    assert "not all values are numbers" in capsys.readouterr().err


def test_fit_plot_and_json(repo, tmp_path, capsys):
    import json

    png = tmp_path / "fit.png"
    assert main(["fit", str(repo / "docs/commands/examples/curves.csv"), "--window", "100", "10000",
                 "--json", "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["exponent"] - 0.75) < 0.02 and out["curves"] == 3
    assert out["plateau"].startswith("not tested")          # no --tol, no verdict
    assert png.stat().st_size > 1000


def test_voxel_features_of_user_meshes(repo, tmp_path, capsys):
    import numpy as np

    meshes = repo / "docs/commands/examples/meshes"
    out = tmp_path / "f.npz"
    assert main(["voxel", "features", str(meshes / "box.obj"), "--S", "4", "--out", str(out)]) == 0
    z = np.load(out)
    names = list(z["names"])
    # the box's total surface area is 2 (1x2 + 1x3 + 2x3) = 22 in its units; at S = 4 the
    # longest side (3) becomes 0.9 * 4, so the area scales by (3.6 / 3)^2 and the largest voxel
    # holds at most all of it
    sa_max = z["features"][0, names.index("S4_hist_SA_p100")]
    assert 0 < sa_max <= 22 * (3.6 / 3) ** 2
    # a folder without meshes, a bad mesh, and --rotation none with copies are refused by name
    (tmp_path / "empty").mkdir()
    assert main(["voxel", "features", str(tmp_path / "empty"), "--out", str(out)]) == 2
    bad = tmp_path / "bad.stl"
    bad.write_bytes(b"\0" * 90)
    assert main(["voxel", "features", str(bad), "--out", str(out)]) == 2
    assert main(["voxel", "features", str(meshes), "--copies", "3", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no OFF/PLY/STL/OBJ files" in err and str(bad) in err and "one copy per mesh" in err
