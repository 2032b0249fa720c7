"""Every figure module keeps the contract the workflow and the claims table rely on.

- `measure(results, params)` on the fixtures (the default run's results) reproduces the committed
  figure JSON's claims: same names, kinds and statuses, measured values within figdiff's
  tolerance. A fixture older than the compute code fails here (refresh with
  tests/fixtures/refresh.py).
- `measure` draws nothing (no matplotlib figure is left open): tests can feed it perturbed data.
- every claim has a kind; every reproduction claim a control; a DEVIATION says why.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest

import mutation_support as ms
from deeprates import figures
from deeprates.claims import KINDS, ClaimError

IDS = sorted(figures.FIGURES)


def _converted(fig: str):
    module = figures.load(fig)
    assert all(hasattr(module, f) for f in ("measure", "draw", "caption")), fig
    assert not hasattr(module, "figure"), f"{fig}: figure() is split into measure/draw"
    return module


@pytest.mark.parametrize("fig", IDS)
def test_measure_reproduces_committed_claims(fig):
    _converted(fig)
    plt.close("all")
    m = ms.measure(fig)
    assert not plt.get_fignums(), f"{fig}: measure() opened a matplotlib figure"
    committed = {c["name"]: c for c in ms.committed(fig)["claims"]}
    got = {c.name: c for c in m.claims}
    assert list(got) == list(committed), f"{fig}: claim names differ from figures/{fig}.json"
    for name, c in got.items():
        ref = committed[name]
        assert c.kind == ref.get("kind") and c.status == ref.get("status"), (fig, name)
        if isinstance(c.measured, float) and isinstance(ref["measured"], float):
            assert math.isclose(c.measured, ref["measured"], rel_tol=1e-9, abs_tol=1e-12) or (
                math.isnan(c.measured) and math.isnan(ref["measured"])), (fig, name)


@pytest.mark.parametrize("fig", IDS)
def test_claims_follow_the_model(fig):
    _converted(fig)
    for c in ms.measure(fig).claims:
        assert c.kind in KINDS, f"{fig}/{c.name}: kind {c.kind!r}"
        if c.kind == "reproduction":
            assert c.control is not None and c.control.hypothesis, f"{fig}/{c.name}: no control"
        if c.status in ("DEVIATION", "XPASS"):
            assert len(c.deviation) > 20, f"{fig}/{c.name}: a DEVIATION must say why"
        text = " ".join([c.statement, c.tolerance_reason, c.detail, c.deviation])
        assert "FIGURES.md" not in text and "catalog" not in text.lower(), (
            f"{fig}/{c.name}: cites a file outside the repository")


@pytest.mark.parametrize("fig", IDS)
def test_every_figure_takes_known_deviations(fig):
    """A config may declare any figure's claim a known DEVIATION (config/paper.yaml does for
    relu-product and free-knot-splines): the schema accepts the key, figure_record applies it,
    and a claim that passes anyway becomes XPASS (failing the run) instead of hiding."""
    import copy

    base = ms.params(fig)
    m = ms.measure(fig, p=base)
    name, before = m.claims[0].name, m.claims[0].status
    p = copy.deepcopy(base)
    p["known_deviations"] = {name: "a declared reason, long enough to say why"}
    after = next(c for c in ms.measure(fig, p=p).claims if c.name == name)
    assert after.status == ("XPASS" if before == "PASS" else "DEVIATION"), (fig, name, before)
    p["known_deviations"] = {"no such claim": "a declared reason, long enough to say why"}
    with pytest.raises(ClaimError, match="known_deviations names no claim"):
        ms.measure(fig, p=p)


def test_figure_schemas_accept_known_deviations():
    """Every figure's schema takes the key, and the config schema validates it (a short reason
    is refused)."""
    from pathlib import Path

    from deeprates import config as cfg

    schemas = cfg.SCHEMA.parent / "figures"
    for fig in IDS:
        props = cfg.load_yaml(schemas / f"{fig}.schema.yaml")["properties"]
        assert "known_deviations" in props, fig
    config = cfg.merged(Path(__file__).resolve().parents[1] / "config" / "config.yaml")
    config["figures"]["relu-product"]["known_deviations"] = {"worst error is M^2 2^(-2m)": "x" * 30}
    assert cfg.schema_errors(config) == []
    config["figures"]["relu-product"]["known_deviations"] = {"worst error is M^2 2^(-2m)": "short"}
    assert any("known_deviations" in e for e in cfg.schema_errors(config))
