"""reStructuredText that `snakemake --report` includes: each figure's claims under its caption,
and for the landing page the claims of every figure and the config the run used.

Written by the `report_text` rule (workflow/rules/verify.smk) into <results>/report/; the captions
(workflow/report/figure.rst) and the landing page (from workflow/report/workflow.rst) include them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TRACKS = {
    "approximation": "A. Approximation by explicit ReLU networks",
    "training": "B. Training dynamics",
    "optimization": "C. Optimisation under power-law spectra",
    "voxel": "D. Voxel features and shape classification",
    "connectivity": "E1-E3. Trained networks on the loss surface",
    "interpolation": "E4. Interpolation by exponentials and Gaussian RBFs",
}


_RST_MARKUP = "\\*`|_"


def track_title(track: str) -> str:
    """The report's heading for a track (a track without one in TRACKS still gets a heading)."""
    return TRACKS.get(track, track.capitalize())


def _cell(text) -> str:
    """One line of plain text: the claims' formulas use |x|, a_j, x*y, which reST would read as
    substitutions, references and emphasis."""
    out = str(text).replace("\n", " ")
    for ch in _RST_MARKUP:
        out = out.replace(ch, "\\" + ch)
    return out


def claims_table(rows: list[tuple[str, object]], with_figure: bool) -> str:
    """A list-table of (figure id, Claim) rows."""
    head = (["figure"] if with_figure else []) + ["claim", "kind", "status", "measured", "theory", "control"]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines.append("   * - " + "\n     - ".join(head))
    for fig, c in rows:
        cells = ([fig] if with_figure else []) + [
            f"{c.name}: {c.statement}", c.kind or "unclassified", c.status,
            c.measured_text(), c.theory_text(), c.control_text() if c.control else "",
        ]
        lines.append("   * - " + "\n     - ".join(_cell(x) or "-" for x in cells))
    return "\n".join(lines) + "\n"


def figure_text(claims) -> str:
    if not claims:
        return "No claims.\n"
    return "**Claims**\n\n" + claims_table([("", c) for c in claims], with_figure=False)


def landing_claims(figs) -> str:
    from deeprates import verification

    rows = [(doc["id"], c) for doc, cs in figs for c in cs]
    return f"{verification.summary_line(figs)}.\n\n" + claims_table(rows, with_figure=True)


def config_text(config: dict) -> str:
    body = yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100)
    return ".. code-block:: yaml\n\n" + "".join(f"   {ln}\n" for ln in body.splitlines())


def write_all(jsons: list[str | Path], config: dict, outdir: str | Path,
              landing: str | Path | None = None) -> list[Path]:
    """<outdir>/<id>.rst per figure, claims.rst, config.rst and, from the `landing` template,
    landing.rst (its @RESULTS@ made the results directory, where the included files are)."""
    from deeprates import atomic_io, verification

    outdir = Path(outdir)
    written = []
    if landing is not None:
        text = Path(landing).read_text(encoding="utf-8").replace("@RESULTS@", str(outdir.parent))
        atomic_io.write_text(outdir / "landing.rst", text)
        written.append(outdir / "landing.rst")
    figs = verification.load_claims(jsons)
    for doc, claims in figs:
        p = outdir / f"{doc['id']}.rst"
        atomic_io.write_text(p, figure_text(claims))
        written.append(p)
    for name, text in (("claims.rst", landing_claims(figs)), ("config.rst", config_text(config))):
        atomic_io.write_text(outdir / name, text)
        written.append(outdir / name)
    return written
