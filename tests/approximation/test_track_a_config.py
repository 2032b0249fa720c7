"""Track A configurations: impossible constructions are refused before any job runs, with the
key and what to set instead."""

from __future__ import annotations

import copy

import pytest

from deeprates.config import ConfigError, load_yaml
from deeprates.figures import check_config as check

CONFIG = "config/config.yaml"


@pytest.fixture()
def cfg(repo):
    return load_yaml(repo / CONFIG)


def _set(cfg, fig, path, value):
    c = copy.deepcopy(cfg)
    node = c["figures"][fig]
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return c


@pytest.mark.parametrize("fig, path, value, message", [
    ("phase-diagram", ["M_max"], 36, "figures.phase-diagram.M_max = 36.*float64.*M_max <= 33"),
    ("phase-diagram", ["alphas", 4, "M_max"], 64, r"figures.phase-diagram.alphas\[4\].M_max = 64.*mpmath.enabled"),
    ("phase-diagram", ["alphas", 1, "N_max"], 200, r"figures.phase-diagram.alphas\[1\].*N_max >= "),
    ("sobolev-taylor", ["cases", 2, "N_max"], 8192, r"figures.sobolev-taylor.cases\[2\].N_max.*sawtooth depth"),
    ("precision-budget", ["mpmath", "enabled"], False, "figures.precision-budget.mpmath.sizes.*mpmath.enabled: true"),
    ("precision-budget", ["float64_M_max"], 35, None),
    ("universal-formulas", ["omega_max"], 1000.0, "figures.universal-formulas.omega_max.*2.5 decades"),
    ("superexpressive", ["points", 1, "eps_min"], 1e-4, r"figures.superexpressive.points\[1\].*eps_min"),
    ("log-regime", ["m_max"], 40, None),
])
def test_impossible_constructions_are_rejected(cfg, fig, path, value, message):
    bad = _set(cfg, fig, path, value)
    if message is None:  # the schema's range catches it
        with pytest.raises(ConfigError, match=f"figures.{fig}"):
            check(bad)
        return
    with pytest.raises(ConfigError, match=message):
        check(bad)


@pytest.mark.parametrize("d, n", [(4, 2), (1, 5), (0, 1)])
def test_unimplemented_dimension_or_degree_is_a_schema_error(cfg, d, n):
    bad = _set(cfg, "sobolev-taylor", ["cases", 0], {"d": d, "n": n, "N_min": 4, "N_max": 16})
    with pytest.raises(ConfigError, match=r"figures.sobolev-taylor.cases.0.(d|n)"):
        check(bad)
