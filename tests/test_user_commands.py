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


@pytest.mark.parametrize("page", ["fit.md"])
def test_worked_examples_print_what_the_page_shows(repo, page, capsys, monkeypatch):
    monkeypatch.chdir(repo)
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
