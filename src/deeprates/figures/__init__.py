"""Registry of figure ids (FIGURES.md) -> the module that computes and draws each figure.

A figure module defines:
    ID, TRACK, TITLE, PAPER                       identity (PAPER: arXiv id and where in it)
    cases(params) -> list[str]                    independent compute jobs (Snakemake fans out)
    compute(case, params, ctx) -> dict            one job's raw numbers (JSON-able)
    figure(results, params) -> FigureRecord       results: {case: dict} -> drawing + claims
and optionally
    check_params(params) -> None                  semantic checks beyond the schema; raise
                                                  deeprates.config.ConfigError naming the key
"""

from __future__ import annotations

import importlib
from types import ModuleType

# id -> (track, module name). Tracks: approximation (A), training (B), optimization (C), voxel (D),
# connectivity (E: trained networks on the loss surface).
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
}


class UnknownFigure(KeyError):
    def __str__(self) -> str:
        return self.args[0]


def load(fig_id: str) -> ModuleType:
    """The figure module for `fig_id`, with a clear error for unknown or unbuilt ids."""
    if fig_id not in FIGURES:
        raise UnknownFigure(
            f"unknown figure id {fig_id!r}; known ids: {', '.join(sorted(FIGURES))}"
        )
    _, name = FIGURES[fig_id]
    try:
        return importlib.import_module(f"deeprates.figures.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"deeprates.figures.{name}":
            raise UnknownFigure(f"figure {fig_id!r} is catalogued but not implemented yet") from None
        raise


def track(fig_id: str) -> str:
    load(fig_id)  # validates the id
    return FIGURES[fig_id][0]
