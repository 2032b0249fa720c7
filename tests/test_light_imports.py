"""Library use stays light: `deeprates fit`, `deeprates voxel features` and the explicit networks
load neither torch nor the workflow and plotting stack (torch alone is ~1.7 s of CPU per process;
a library user may not have it). `check-config` still loads torch: five training figure modules
import it at the top (issue 13 item 5, not done)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "snakemake", "sklearn", "lightgbm", "matplotlib", "seaborn", "pandas")

_PROBE = """
import json, sys
from deeprates.cli import main
rc = main(json.loads(sys.argv[1]))
import deeprates.approximation.sawtooth, deeprates.approximation.product, deeprates.fitting
print(json.dumps({"rc": rc, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def _loaded(repo, tmp_path, argv):
    res = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], cwd=repo, text=True,
                         capture_output=True, env={"PYTHONPATH": str(repo / "src"), "PATH": ""})
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0, res.stderr[-2000:]
    return out["loaded"]


def test_fit_loads_nothing_heavy(repo, tmp_path):
    assert _loaded(repo, tmp_path, ["fit", "docs/commands/examples/curves.csv", "--json"]) == []


def test_voxel_features_load_nothing_heavy(repo, tmp_path):
    argv = ["voxel", "features", "docs/commands/examples/meshes/box.obj", "--S", "4",
            "--out", str(tmp_path / "f.npz")]
    assert _loaded(repo, tmp_path, argv) == []
