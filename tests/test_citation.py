"""CITATION.cff cites every paper a figure reproduces (the arXiv ids in the figure modules' PAPER)."""

import ast
import re

import yaml

from deeprates import figures


def _paper(repo, module_name):
    """A figure module's PAPER, read from its source (importing all 28 would import torch)."""
    tree = ast.parse((repo / "src" / "deeprates" / "figures" / f"{module_name}.py").read_text())
    return next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                and any(getattr(t, "id", None) == "PAPER" for t in n.targets))


def test_every_figure_paper_is_cited(repo):
    cff = yaml.safe_load((repo / "CITATION.cff").read_text())
    cited = {i["value"] for r in cff["references"] for i in r["identifiers"]}
    for ref in cff["references"]:
        assert ref["title"] and not ref["title"].startswith("arXiv:"), ref  # a title, not a placeholder
        assert ref["url"].endswith(ref["identifiers"][0]["value"].removeprefix("arXiv:"))
    used = {f"arXiv:{m}" for _, name in figures.FIGURES.values()
            for m in re.findall(r"\d{4}\.\d{4,5}", _paper(repo, name))}
    assert used - cited == set(), f"papers of figures missing from CITATION.cff: {used - cited}"
