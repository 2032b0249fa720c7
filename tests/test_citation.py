"""CITATION.cff cites every paper a figure reproduces (the arXiv ids in the figure modules' PAPER)."""

import re

import yaml

from deeprates import figures


def test_every_figure_paper_is_cited(repo):
    cff = yaml.safe_load((repo / "CITATION.cff").read_text())
    cited = {i["value"] for r in cff["references"] for i in r["identifiers"]}
    for ref in cff["references"]:
        assert ref["title"] and not ref["title"].startswith("arXiv:"), ref  # a title, not a placeholder
        assert ref["url"].endswith(ref["identifiers"][0]["value"].removeprefix("arXiv:"))
    used = {f"arXiv:{m}" for fig in figures.FIGURES
            for m in re.findall(r"\d{4}\.\d{4,5}", figures.load(fig).PAPER)}
    assert used - cited == set(), f"papers of figures missing from CITATION.cff: {used - cited}"
