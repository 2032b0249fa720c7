"""Registry of figure ids -> the module that computes and draws each figure.

A figure module defines:
    ID, TRACK, TITLE, PAPER                       identity (PAPER: arXiv id and where in it);
                                                  ID and TRACK must match the registry below
    cases(params) -> list[str]                    independent compute jobs (Snakemake fans out)
    compute(case, params, ctx) -> dict            one job's raw numbers (JSON-able)
    measure(results, params) -> Measurement       results: {case: dict} -> plotted data + claims
    draw(data, params) -> matplotlib Figure       draws from the measurement's data only
    caption(params) -> str
and optionally
    check_params(params) -> None                  semantic checks beyond the schema; raise
                                                  deeprates.config.ConfigError naming the key
"""

from __future__ import annotations

import importlib
from types import ModuleType

# id -> (track, module name). Tracks: approximation (A), training (B), optimization (C), voxel (D),
# connectivity (E1-E3: trained networks on the loss surface), interpolation (E4).
FIGURES: dict[str, tuple[str, str]] = {
    "sawtooth-square": ("approximation", "sawtooth_square"),
    "relu-product": ("approximation", "relu_product"),
    "sobolev-taylor": ("approximation", "sobolev_taylor"),
    "phase-diagram": ("approximation", "phase_diagram"),
    "precision-budget": ("approximation", "precision_budget"),
    "log-regime": ("approximation", "log_regime"),
    "superexpressive": ("approximation", "superexpressive"),
    "universal-formulas": ("approximation", "universal_formulas"),
    "ntk-indicator": ("training", "ntk_indicator"),
    "beam-spectrum": ("training", "beam_spectrum"),
    "free-knot-splines": ("training", "free_knot_splines"),
    "linear-autoencoder": ("training", "linear_autoencoder"),
    "digits-spectra": ("training", "digits_spectra"),
    "powerlaw-optimizers": ("optimization", "powerlaw_optimizers"),
    "sgd-phases": ("optimization", "sgd_phases"),
    "sgd-stability": ("optimization", "sgd_stability"),
    "corner-gd": ("optimization", "corner_gd"),
    "spectral-algorithms": ("optimization", "spectral_algorithms"),
    "voxel-feature-examples": ("voxel", "voxel_feature_examples"),
    "voxel-resolution": ("voxel", "voxel_resolution"),
    "voxel-raw-vs-haar": ("voxel", "voxel_raw_vs_haar"),
    "voxel-error-history": ("voxel", "voxel_error_history"),
    "voxel-importances": ("voxel", "voxel_importances"),
    "voxel-predictions": ("voxel", "voxel_predictions"),
    "lowloss-paths-onelayer": ("connectivity", "lowloss_paths_onelayer"),
    "lowloss-paths-deep": ("connectivity", "lowloss_paths_deep"),
    "wa-ensembling": ("connectivity", "wa_ensembling"),
    "rbf-interpolation": ("interpolation", "rbf_interpolation"),
}


class UnknownFigure(KeyError):
    def __str__(self) -> str:
        return self.args[0]


def load(fig_id: str) -> ModuleType:
    """The figure module for `fig_id`. Its ID and TRACK must be the registry's: a module copied
    from another figure and not renamed would otherwise write over that figure's outputs."""
    if fig_id not in FIGURES:
        raise UnknownFigure(
            f"unknown figure id {fig_id!r}; known ids: {', '.join(sorted(FIGURES))}"
        )
    track_name, name = FIGURES[fig_id]
    module = importlib.import_module(f"deeprates.figures.{name}")
    got = (getattr(module, "ID", None), getattr(module, "TRACK", None))
    if got != (fig_id, track_name):
        raise UnknownFigure(
            f"deeprates/figures/{name}.py declares ID = {got[0]!r}, TRACK = {got[1]!r}, but the "
            f"registry (deeprates/figures/__init__.py) lists it as {fig_id!r} in track {track_name!r}"
        )
    return module


def track(fig_id: str) -> str:
    load(fig_id)  # validates the id
    return FIGURES[fig_id][0]


def check_config(cfg: dict, *, local: bool = False) -> dict:
    """The whole check of a config, the one path `check-config` and the workflow share: YAML
    anchors unshared (an override of one voxel figure's `dataset` must not reach the others),
    NaN/inf refused, schema and defaults (deeprates.config), each figure module's check_params,
    the job-count limit; with `local` (jobs run on this machine) also the device and the output
    folders. Returns the checked copy; raises ConfigError naming the key."""
    from deeprates import config as cfgmod
    from deeprates.config import ConfigError

    checked = cfgmod.unshare(cfg)
    cfgmod.check(checked)
    counts = {}
    for fig_id, params in (checked.get("figures") or {}).items():
        try:
            module = load(fig_id)
        except UnknownFigure as exc:
            raise ConfigError(f"config key figures.{fig_id}: {exc}") from None
        checker = getattr(module, "check_params", None)
        if checker is not None:
            checker(params)
        counts[fig_id] = len(module.cases(
            {k: v for k, v in params.items() if k not in ("resources", "net_resources")}))
    cfgmod.check_limits(checked, counts)
    if local:
        cfgmod.check_device(checked)
        cfgmod.check_writable(checked)
    return checked
