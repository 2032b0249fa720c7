"""The digits loader reads scikit-learn's bundled file itself: it must give what scikit-learn's
own loader gives, byte for byte."""

import sys

import numpy as np
from sklearn.datasets import load_digits as sklearn_load_digits

from deeprates.connectivity.data import N_DIGITS
from deeprates.digits import load_digits


def test_digits_equal_scikit_learns():
    x, y = load_digits()
    x_ref, y_ref = sklearn_load_digits(return_X_y=True)
    assert x.shape == (N_DIGITS, 64)
    assert x.dtype == x_ref.dtype and y.dtype == y_ref.dtype
    assert np.array_equal(x, x_ref) and np.array_equal(y, y_ref)


def test_compute_imports_stay_light():
    """What a Track E compute job imports (no scikit-learn, scipy.stats, matplotlib or torch):
    each costs about a second of CPU in every one of ~70 short jobs."""
    import os
    import subprocess
    from pathlib import Path

    import deeprates

    src = str(Path(deeprates.__file__).resolve().parents[1])  # this checkout's code
    code = ("import sys; import deeprates.figures.lowloss_paths_deep, "
            "deeprates.figures.lowloss_paths_onelayer, deeprates.figures.wa_ensembling; "
            "from deeprates.connectivity.data import digits_split; digits_split(500); "
            "print(sorted({m.split('.')[0] + ('.stats' if m == 'scipy.stats' else '') "
            "for m in sys.modules} & {'sklearn', 'scipy.stats', 'matplotlib', 'torch'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": src})
    assert out.stdout.strip() == "[]", out.stdout
