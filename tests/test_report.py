"""What `snakemake --report` shows: the landing page with the claims and the config, figures
grouped by track, each caption with its claims (the reST the report_text rule writes)."""

from __future__ import annotations

import html as htmlmod

import json

import docutils.core
import pytest

from deeprates import figures, report_text, verification


def _html(rst: str) -> str:
    return docutils.core.publish_parts(rst, writer_name="html",
                                       settings_overrides={"report_level": 2, "halt_level": 2})["body"]


@pytest.fixture(scope="module")
def written(repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "report"
    jsons = sorted((repo / "figures").glob("*.json"))
    report_text.write_all(jsons, {"seed": 1, "figures": {"relu-product": {"m_max": 16}}}, out,
                          repo / "workflow" / "report" / "workflow.rst")
    return out, jsons


def test_every_claim_is_rendered_without_markup_errors(written):
    out, jsons = written
    figs = verification.load_claims(jsons)
    # halt_level 2: a warning (an unescaped |x| or a_j) raises instead of leaving a red box
    landing = _html((out / "claims.rst").read_text())
    assert landing.count("<tr>") == 1 + sum(len(cs) for _, cs in figs)
    for doc, claims in figs:
        html = _html((out / f"{doc['id']}.rst").read_text())
        for c in claims:
            shown = htmlmod.unescape(html).replace("\\", "")
            assert c.status in html and c.name.split("_")[0] in shown


def test_landing_page_includes_claims_and_config(written):
    out, _ = written
    text = (out / "landing.rst").read_text()
    assert f".. include:: {out}/claims.rst" in text and f".. include:: {out}/config.rst" in text
    html = docutils.core.publish_parts(text, writer_name="html")["html_body"]
    assert "Claims of this run" in html and "relu-product" in html and "m_max" in html and "Configuration used" in html


def test_a_failing_claim_shows_as_fail(written, repo, tmp_path):
    doc = json.loads((repo / "figures" / "relu-product.json").read_text())
    doc["claims"][0]["status"], doc["claims"][0]["passed"] = "FAIL", False
    p = tmp_path / "relu-product.json"
    p.write_text(json.dumps(doc))
    report_text.write_all([p], {}, tmp_path / "report")
    assert "FAIL" in _html((tmp_path / "report" / "relu-product.rst").read_text())


def test_every_track_has_a_report_category():
    assert {track for track, _ in figures.FIGURES.values()} == set(report_text.TRACKS)
