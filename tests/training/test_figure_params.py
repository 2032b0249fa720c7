"""Bad configuration values are rejected naming the key, before any job runs."""

import pytest

from deeprates import config, figures
from deeprates.config import ConfigError

B = ["ntk-indicator", "beam-spectrum", "free-knot-splines", "linear-autoencoder", "digits-spectra"]


def _defaults():
    cfg = config.load_yaml(config.REPO / "config" / "config.yaml")
    return {f: {k: v for k, v in cfg["figures"][f].items() if k != "resources"} for f in B}


@pytest.mark.parametrize("fig,key,value,match", [
    ("beam-spectrum", "interval", [0.0, 1.0], "jump inside"),
    ("beam-spectrum", "n", 100, "raise n"),
    ("ntk-indicator", "n", 150, "raise n"),
    ("digits-spectra", "k_hi", 5000, "k_hi"),
    ("linear-autoencoder", "ratios", [0.5, 0.5], "distinct"),
    ("free-knot-splines", "targets", [{"name": "inverse", "param": -1.0}], "p > 0"),
])
def test_semantic_errors_name_the_key(fig, key, value, match):
    p = _defaults()[fig]
    p[key] = value
    with pytest.raises(ConfigError, match=match) as exc:
        figures.load(fig).check_params(p)
    assert f"figures.{fig}" in str(exc.value)


def test_lazy_dims_must_be_listed():
    p = _defaults()["ntk-indicator"]
    p["lazy"] = {**p["lazy"], "dims": [5]}
    with pytest.raises(ConfigError, match="lazy.dims"):
        figures.load("ntk-indicator").check_params(p)


def test_schema_rejects_unknown_kernel():
    cfg = config.merged(config.REPO / "config" / "config.yaml")
    cfg["figures"]["digits-spectra"]["kernels"] = ["gauss"]
    with pytest.raises(ConfigError, match="digits-spectra.kernels"):
        config.check(cfg)


def test_missing_key_is_named():
    """Snakemake does not fill defaults inside the $ref-ed figure schemas: a missing key must be
    reported by the schema, by name."""
    cfg = config.merged(config.REPO / "config" / "config.yaml")
    del cfg["figures"]["beam-spectrum"]["k_lo"]
    del cfg["figures"]["ntk-indicator"]["lazy"]["dtype"]
    with pytest.raises(ConfigError) as exc:
        config.check(cfg)
    assert "figures.beam-spectrum: 'k_lo' is a required property" in str(exc.value)
    assert "figures.ntk-indicator.lazy: 'dtype' is a required property" in str(exc.value)
