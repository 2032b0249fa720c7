"""The figure JSON: the plotted numbers, the parameters, the claims and figdiff tolerances.

A figure module splits into `measure(results, params) -> Measurement` (the plotted numbers and
the claims; no matplotlib, so tests can feed it perturbed results) and `draw(data, params)` ->
a matplotlib Figure drawn from `Measurement.data` alone.

A reader must be able to redraw a figure from its JSON alone, so data carry their units and
labels. `tolerances` maps a JSON path prefix (e.g. "data.mc" or "claims") to the precision every
number under it reproduces to on another machine (`rel`, `abs`, and `why`), which `figdiff` reads
from the committed JSON; the longest matching prefix wins and `default` covers the rest. They are
written from the rules of deeprates.precision, then what the module declares in
`Measurement.tolerances`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deeprates import atomic_io, precision
from deeprates.claims import Claim, apply_deviations


@dataclass
class Measurement:
    """What `measure` returns: the plotted numbers, the claims, figdiff tolerances by path."""

    data: dict[str, Any]
    claims: list[Claim]
    tolerances: dict[str, dict[str, float]] = field(default_factory=dict)


def measure(module: Any, results: dict, params: dict) -> Measurement:
    """A figure module's measurement, with the config's `known_deviations` of the figure
    (claim name -> measured reason) applied, for every figure alike: a claim named there is a
    DEVIATION (XPASS once it passes)."""
    m = module.measure(results, params)
    m.claims = apply_deviations(m.claims, params.get("known_deviations") or {},
                                f"config key figures.{module.ID}.known_deviations")
    return m


def make(module: Any, results: dict, params: dict) -> tuple[Measurement, Any, str]:
    """Run a figure module: (measurement, matplotlib figure, caption)."""
    m = measure(module, results, params)
    fig = module.draw(m.data, params)
    return m, fig, module.caption(params)


def write(outdir: str | Path, module: Any, measurement: Measurement, fig: Any, caption: str,
          params: dict, pdf: bool = True) -> list[Path]:
    """figures/<id>.png, .pdf (unless pdf=False) and .json; the JSON last, so its presence means
    the others exist."""
    from deeprates import plotting

    if not measurement.claims:
        raise ValueError(f"figure {module.ID!r} made no claims: every figure must check one")
    unkinded = [c.name for c in measurement.claims if c.kind is None]
    if unkinded:
        raise ValueError(f"figure {module.ID!r}: claims without a kind (reproduction or "
                         f"consistency): {unkinded}")
    outdir = Path(outdir)
    paths = plotting.save(fig, outdir / module.ID, pdf=pdf)
    doc = {
        "id": module.ID,
        "title": module.TITLE,
        "track": module.TRACK,
        "paper": module.PAPER,
        "caption": caption,
        "params": params,
        "data": measurement.data,
        "claims": [c.to_dict() for c in measurement.claims],
        "tolerances": precision.tolerances(module.ID, measurement.tolerances),
    }
    json_path = outdir / f"{module.ID}.json"
    atomic_io.write_json(json_path, doc)
    return [*paths, json_path]
