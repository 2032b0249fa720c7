"""The figure registry and the shipped configs: one contract over every figure.

- every shipped config (default, paper size merged over it, the tiny test config) passes the
  whole check (schema, defaults, each figure's check_params) and names every registered figure;
- each figure module's ID and TRACK are its registry entry's, and a module that declares another
  figure's ID is refused by `figures.load` (a copied example must not overwrite another figure).
"""

from __future__ import annotations

import types

import pytest

from deeprates import config, figures

CONFIGS = {
    "default": ["config/config.yaml"],
    "paper": ["config/config.yaml", "config/paper.yaml"],
    "test": ["config/config.yaml", "config/test.yaml"],
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_shipped_configs_are_valid(repo, name):
    cfg = config.merged(*(repo / p for p in CONFIGS[name]))
    figures.check_config(cfg)
    assert sorted(cfg["figures"]) == sorted(figures.FIGURES)


@pytest.mark.parametrize("fig", sorted(figures.FIGURES))
def test_module_identity_matches_registry(fig):
    module = figures.load(fig)
    assert (module.ID, module.TRACK) == (fig, figures.FIGURES[fig][0])
    for name in ("cases", "compute", "TITLE", "PAPER"):
        assert hasattr(module, name), f"{fig}: no {name}"


def test_a_copied_module_is_refused(monkeypatch):
    fake = types.ModuleType("deeprates.figures.relu_product")
    fake.ID, fake.TRACK = "sawtooth-square", "approximation"      # copied, not renamed
    monkeypatch.setitem(__import__("sys").modules, "deeprates.figures.relu_product", fake)
    with pytest.raises(figures.UnknownFigure, match="declares ID = 'sawtooth-square'"):
        figures.load("relu-product")
    fake.ID, fake.TRACK = "relu-product", "training"             # right id, wrong track
    with pytest.raises(figures.UnknownFigure, match="TRACK = 'training'"):
        figures.load("relu-product")
