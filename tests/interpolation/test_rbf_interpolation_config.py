"""rbf-interpolation configurations: bad input is refused with the key named."""

from __future__ import annotations

import copy

import pytest

from deeprates.config import ConfigError, check, load_yaml, merged

FIG = "rbf-interpolation"


@pytest.fixture()
def cfg(repo):
    return load_yaml(repo / "config/config.yaml")


def _set(cfg, path, value):
    c = copy.deepcopy(cfg)
    node = c["figures"][FIG]
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return c


def test_default_and_paper_configs_are_valid(repo, cfg):
    check(cfg)
    check(merged(repo / "config/config.yaml", repo / "config/paper.yaml"))


@pytest.mark.parametrize("path, value, message", [
    (["error_formula", "x"], [-1.0, 0.7], r"figures.rbf-interpolation.error_formula.x .*0.7.*node"),
    (["error_formula", "nodes"], [[0.1, 0.1]], r"error_formula.nodes\[0\].*distinct"),
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
