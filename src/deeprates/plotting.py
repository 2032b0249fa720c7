"""One style for every figure and a deterministic save.

Determinism: PNGs are written without the Software/date metadata matplotlib adds, PDFs without
CreationDate, fonts are matplotlib's bundled DejaVu, and svg.hashsalt is fixed, so the same
numbers give the same bytes (tests/test_determinism.py).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from deeprates import atomic_io

# matplotlib is imported inside the functions: compute jobs import figure modules too, and
# loading the plotting stack costs them about a second each for nothing.

DPI = 110

_RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "svg.hashsalt": "deeprates",
    "font.family": "DejaVu Sans",
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "lines.linewidth": 1.4,
    "lines.markersize": 4,
    "legend.frameon": False,
    "figure.constrained_layout.use": True,
    "path.simplify": False,  # simplification depends on the path's pixel size; keep it exact
}

# The seaborn theme the figures were drawn with, `set_theme(context="paper", style="whitegrid",
# palette="colorblind")` of seaborn 0.13.2, written out: importing seaborn (it imports pandas and
# scipy.stats) took a second of every figure job's 2-3 s. tests/test_plotting_theme.py checks
# these values against seaborn, so a seaborn pin change that moves them is caught. One key is
# left out: seaborn's default colormap "rocket" exists only once seaborn is imported, and every
# figure names its colormap, so matplotlib's default stays.
_SEABORN_CONTEXT = {  # plotting_context("paper")
    "axes.linewidth": 1.0, "grid.linewidth": 0.8, "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001, "patch.linewidth": 0.8, "xtick.major.width": 1.0,
    "ytick.major.width": 1.0, "xtick.minor.width": 0.8, "ytick.minor.width": 0.8,
    "xtick.major.size": 4.800000000000001, "ytick.major.size": 4.800000000000001,
    "xtick.minor.size": 3.2, "ytick.minor.size": 3.2, "font.size": 9.600000000000001,
    "axes.labelsize": 9.600000000000001, "axes.titlesize": 9.600000000000001,
    "xtick.labelsize": 8.8, "ytick.labelsize": 8.8, "legend.fontsize": 8.8,
    "legend.title_fontsize": 9.600000000000001,
}
_SEABORN_STYLE = {  # axes_style("whitegrid", rc={"font.family": "sans-serif"})
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15", "axes.axisbelow": True,
    "grid.linestyle": "-", "text.color": ".15", "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "xtick.top": False, "ytick.right": False, "axes.grid": True,
    "axes.facecolor": "white", "axes.edgecolor": ".8", "grid.color": ".8",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
}
# seaborn's "colorblind" palette (the colour cycle and `colors`), and the matplotlib shorthand
# codes b g r m y c k it remaps ("k--" is its dark grey, not black)
_PALETTE = ["#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4", "#949494",
            "#ECE133", "#56B4E9"]
_COLOR_CODES = dict(zip("bgrmyck", ["#0173B2", "#029E73", "#D55E00", "#CC78BC", "#ECE133", "#56B4E9",
                                    (0.1, 0.1, 0.1)]))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display anywhere: CI, clusters, SSH sessions
    import matplotlib.pyplot as plt

    return plt


def apply_style() -> None:
    """Set the project's matplotlib style (idempotent): the seaborn theme above, then _RC, in
    the order seaborn's set_theme applies them."""
    _pyplot()  # the Agg backend before anything draws
    import matplotlib
    from cycler import cycler

    matplotlib.rcParams.update(_SEABORN_CONTEXT)
    matplotlib.rcParams.update(_SEABORN_STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler("color", colors(len(_PALETTE)))
    for code, color in _COLOR_CODES.items():
        matplotlib.colors.colorConverter.colors[code] = matplotlib.colors.to_rgb(color)
    matplotlib.rcParams.update(_RC)


def colors(n: int) -> list[tuple[float, float, float]]:
    """n colours of the palette as RGB tuples, cycling after 10 (as seaborn's color_palette)."""
    import matplotlib.colors

    return [matplotlib.colors.to_rgb(_PALETTE[i % len(_PALETTE)]) for i in range(n)]


def subplots(ncols: int = 1, nrows: int = 1, *, width: float = 3.4, height: float = 2.9, **kw):
    """Figure with panels of a fixed size (inches) so all figures share one scale."""
    apply_style()
    fig, axes = _pyplot().subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kw)
    return fig, axes


def label_panels(axes, start: str = "a") -> None:
    """Write (a), (b), ... in the top-left corner of each panel, as in the papers."""
    for i, ax in enumerate(list(getattr(axes, "flat", axes))):
        title = ax.get_title()
        ax.set_title("")
        ax.set_title(f"({chr(ord(start) + i)}) {title}", loc="left")


def render_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def render_pdf(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata={"CreationDate": None, "ModDate": None})
    return buf.getvalue()


def save(fig, stem: str | os.PathLike, pdf: bool = True) -> list[Path]:
    """Write `<stem>.png` and (unless pdf=False: it draws the figure a second time, about
    half a figure job's time at the tiny size) `<stem>.pdf` atomically; close the figure."""
    stem = Path(stem)
    paths = [stem.with_suffix(".png")]
    atomic_io.write_bytes(paths[0], render_png(fig))
    if pdf:
        paths.append(stem.with_suffix(".pdf"))
        atomic_io.write_bytes(paths[1], render_pdf(fig))
    _pyplot().close(fig)
    return paths
