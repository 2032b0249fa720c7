"""Track C figure modules: cases, parameter checks naming the key."""

import copy
from pathlib import Path

import pytest

from deeprates import config, figures
from deeprates.config import ConfigError

REPO = Path(__file__).resolve().parents[2]
IDS = ["powerlaw-optimizers", "sgd-phases", "sgd-stability", "corner-gd", "spectral-algorithms"]


@pytest.fixture(scope="module")
def cfg():
    return config.load_yaml(REPO / "config" / "config.yaml")


@pytest.mark.parametrize("fig", IDS)
def test_cases_are_distinct(cfg, fig):
    p = {k: v for k, v in cfg["figures"][fig].items() if k != "resources"}
    cs = figures.load(fig).cases(p)
    assert len(cs) == len(set(cs)) >= 2


def _params(cfg, fig):
    return copy.deepcopy({k: v for k, v in cfg["figures"][fig].items() if k != "resources"})


def test_sgd_phases_rejects_a_divergent_learning_rate(cfg):
    p = _params(cfg, "sgd-phases")
    p["alpha"] = 5.0
    with pytest.raises(ConfigError, match="figures.sgd-phases.alpha"):
        figures.load("sgd-phases").check_params(p)


def test_corner_rejects_theta_that_drifts_to_divergence(cfg):
    p = _params(cfg, "corner-gd")
    p["sweeps"][0] = {"nu": 1.5, "zeta": 0.5, "thetas": [1.2]}
    with pytest.raises(ConfigError, match=r"figures.corner-gd.sweeps\[0\]"):
        figures.load("corner-gd").check_params(p)


def test_spectral_algorithms_needs_enough_features(cfg):
    p = _params(cfg, "spectral-algorithms")
    p["n_features"] = 16
    with pytest.raises(ConfigError, match="figures.spectral-algorithms.n_features"):
        figures.load("spectral-algorithms").check_params(p)


def test_stability_needs_zero_momentum_in_the_grid(cfg):
    p = _params(cfg, "sgd-stability")
    p["negative_momentum"]["beta_min"] = -0.55
    with pytest.raises(ConfigError, match="figures.sgd-stability.negative_momentum"):
        figures.load("sgd-stability").check_params(p)


def test_schema_rejects_batch_below_ten_for_sgd_phases(cfg):
    c = copy.deepcopy(cfg)
    c["figures"]["sgd-phases"]["batch"] = 1
    errs = config.schema_errors(c)
    assert any("figures.sgd-phases.batch" in e for e in errs)
