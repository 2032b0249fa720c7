"""The figures' style is seaborn's paper/whitegrid/colorblind theme written out in plotting.py
(importing seaborn cost every figure job a second): it must equal what seaborn sets."""

import matplotlib
import pytest

from deeprates import plotting

sns = pytest.importorskip("seaborn")


def _state():
    rc = {k: v for k, v in matplotlib.rcParams.items()}
    return rc, dict(matplotlib.colors.colorConverter.colors)


def test_the_written_out_theme_is_seaborns():
    with matplotlib.rc_context():
        saved = dict(matplotlib.colors.colorConverter.colors)
        try:
            matplotlib.rcdefaults()  # both from the same start
            plotting.apply_style()
            ours = _state()
            matplotlib.rcdefaults()
            sns.set_theme(context="paper", style="whitegrid", palette="colorblind", rc=plotting._RC)
            theirs = _state()
        finally:
            matplotlib.colors.colorConverter.colors.clear()
            matplotlib.colors.colorConverter.colors.update(saved)
    # the one key left out: seaborn's "rocket" colormap needs seaborn; every figure names its own
    differ = {k for k in ours[0] if ours[0][k] != theirs[0][k]} - {"image.cmap"}
    assert differ == set(), {k: (ours[0][k], theirs[0][k]) for k in differ}
    assert ours[1] == theirs[1]
    assert plotting.colors(12) == [tuple(c) for c in sns.color_palette("colorblind", 12)]
