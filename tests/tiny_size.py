"""The tiny size of config/test.yaml, the one place tests take small figure parameters from.

A plain module (not conftest.py) so tests in subfolders, which have conftest.py files of their
own, import it unambiguously: `from tiny_size import tiny_params`.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tiny_params(fig: str) -> dict:
    """A figure's parameters at the tiny size of config/test.yaml (laid over config/config.yaml),
    without `resources`."""
    from deeprates import config

    cfg = config.merged(REPO / "config" / "config.yaml", REPO / "config" / "test.yaml")
    return {k: v for k, v in cfg["figures"][fig].items() if k != "resources"}
