"""rbf-interpolation configurations: bad input is refused with the key named."""

from __future__ import annotations

import copy

import pytest

from deeprates.config import ConfigError, load_yaml, merged
from deeprates.figures import check_config as check

FIG = "rbf-interpolation"


def _only_this_figure(cfg: dict) -> dict:
    # checking one section imports one figure module (the whole config imports torch & co.)
    return {**cfg, "figures": {FIG: cfg["figures"][FIG]}}


@pytest.fixture()
def cfg(repo):
    return _only_this_figure(load_yaml(repo / "config/config.yaml"))


def test_default_and_paper_sections_are_valid(repo, cfg):
    check(cfg)
    check(_only_this_figure(merged(repo / "config/config.yaml", repo / "config/paper.yaml")))


def _set(cfg, path, value):
    c = copy.deepcopy(cfg)
    node = c["figures"][FIG]
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return c


@pytest.mark.parametrize("path, value, message", [
    (["error_formula", "x"], [-1.0, 0.7], r"figures.rbf-interpolation.error_formula.x .*0.7.*node"),
    (["error_formula", "nodes"], [[0.1, 0.1]], r"error_formula.nodes\[0\].*distinct"),
    (["error_formula", "b"], 0.7, r"figures.rbf-interpolation.error_formula.b = 0.7.*basis function"),
    (["convergence", "N"], [4, 12, 8], r"figures.rbf-interpolation.convergence.N.*increasing"),
])
def test_semantic_errors_name_the_key(cfg, path, value, message):
    with pytest.raises(ConfigError, match=message):
        check(_set(cfg, path, value))


@pytest.mark.parametrize("path, value, key", [
    (["convergence", "digits"], 10, "digits"),
    (["hciz", "sizes"], [1], "sizes"),
    (["error_formula", "samples"], "many", "samples"),
    (["convergence", "extra"], 1, "extra"),
])
def test_schema_errors_name_the_key(cfg, path, value, key):
    with pytest.raises(ConfigError, match=key):
        check(_set(cfg, path, value))
