"""Wiring helpers: which compute jobs share SLURM jobs, what the output cache and rerun triggers
key on (the code a job imports), what the default target asks for, corrupt-file sweeps."""

from __future__ import annotations

import shutil
from importlib import metadata

import numpy as np
import pytest

import deeprates.workflow_support as ws


def _config(runtime=5, gpu=None, limit=10):
    res = {"runtime": runtime} if gpu is None else {"runtime": runtime, "gpu": gpu}
    return {"short_job_minutes": limit, "figures": {"relu-product": {"M": 1.0, "resources": res}}}


def test_short_cpu_jobs_join_the_short_group():
    assert ws.compute_group(_config(runtime=10), "relu-product") == ws.SHORT_GROUP
    assert ws.compute_group(_config(runtime=5, gpu=0), "relu-product") == ws.SHORT_GROUP


def test_long_gpu_or_ungrouped_jobs_get_their_own_slurm_job():
    assert ws.compute_group(_config(runtime=11), "relu-product") is None
    # a group would run its GPU jobs one after the other on one GPU
    assert ws.compute_group(_config(runtime=5, gpu=1), "relu-product") is None
    assert ws.compute_group(_config(runtime=5, limit=0), "relu-product") is None


def test_software_versions_list_compute_libraries_as_installed(repo):
    versions = dict(item.split("==") for item in ws.software_versions(repo / "environment.yml").split(","))
    assert versions["numpy"] == metadata.version("numpy")
    assert versions["torch"] == metadata.version("torch").split("+")[0]
    # drawing and wiring libraries cannot change a result: a bump must not void the cache
    assert not set(versions) & {"matplotlib", "seaborn", "snakemake", "tqdm"}


def test_report_caption_escapes_rst_markup():
    from deeprates import workflow_support as ws

    escaped = ws._rst_escape("density |f''|^(2/5), x_1 *and* `w`")
    assert escaped == "density \\|f''\\|^(2/5), x\\_1 \\*and\\* \\`w\\`"
    from docutils.core import publish_parts

    html = publish_parts(escaped, writer="html")["body"]
    assert "|f''|" in html and "problematic" not in html


# ------------------------------------------------------------------ what reruns when code changes


@pytest.fixture
def pkg_copy(tmp_path, monkeypatch):
    """A copy of the package that code_fingerprint reads instead of the real one, to edit."""
    dst = tmp_path / "deeprates"
    shutil.copytree(ws.PKG, dst, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(ws, "PKG", dst)
    ws.clear_cache()
    yield dst
    ws.clear_cache()


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
    ws.clear_cache()


def test_fitting_is_part_of_the_computations_that_import_it(pkg_copy):
    """Issue 12 item 2: training/spectral.py calls fitting.py, so an edit there must rerun
    beam-spectrum's compute jobs (it counted as drawing code, and they never reran)."""
    assert "deeprates.fitting" in ws.code_modules(ws.compute_roots("beam-spectrum"))
    before = ws.compute_fingerprint("beam-spectrum")
    relu = ws.compute_fingerprint("relu-product")
    _edit(pkg_copy / "fitting.py", "\ndef ", "\nSOME_CONSTANT = 2\n\n\ndef ")
    assert ws.compute_fingerprint("beam-spectrum") != before
    assert ws.compute_fingerprint("relu-product") == relu  # it imports no fitting


def test_caption_edit_reruns_only_the_figure_job(pkg_copy):
    """Issue 12 item 2, the reverse: a caption's text is not part of any computation."""
    mod = pkg_copy / "figures" / "relu_product.py"
    compute, figure = ws.compute_fingerprint("relu-product"), ws.figure_fingerprint("relu-product")
    text = mod.read_text()
    start = text.index("return", text.index("\ndef caption("))
    quote = text.index('"', start)
    mod.write_text(text[:quote] + '"An edited caption. "' + text[quote:])
    ws.clear_cache()
    assert ws.compute_fingerprint("relu-product") == compute
    assert ws.figure_fingerprint("relu-product") != figure


def test_style_edit_reruns_no_computation_but_a_science_edit_does(pkg_copy):
    compute = {f: ws.compute_fingerprint(f) for f in ("relu-product", "beam-spectrum")}
    _edit(pkg_copy / "plotting.py", "\ndef ", "\nSTYLE = 1\n\n\ndef ")
    assert {f: ws.compute_fingerprint(f) for f in compute} == compute
    _edit(pkg_copy / "approximation" / "product.py", "\ndef ", "\nSCALE = 1\n\n\ndef ")
    assert ws.compute_fingerprint("relu-product") != compute["relu-product"]
    assert ws.compute_fingerprint("beam-spectrum") == compute["beam-spectrum"]


def test_comment_edits_change_no_fingerprint(pkg_copy):
    before = ws.compute_fingerprint("relu-product")
    path = pkg_copy / "approximation" / "product.py"
    path.write_text(path.read_text() + "\n# a remark\n")
    ws.clear_cache()
    assert ws.compute_fingerprint("relu-product") == before


def test_modules_without_figure_function_are_fingerprinted():
    """Converted modules (measure/draw/caption, no figure()) and unconverted ones both work."""
    for fig in ("relu-product", "sawtooth-square"):
        assert "deeprates.plotting" not in ws.code_modules(ws.compute_roots(fig))
        assert "deeprates.plotting" in ws.code_modules(ws.figure_roots(fig))


# ------------------------------------------------------------------ what the default target asks


def test_default_target_names_every_final_output():
    """Issue 12 item 1: figures and table were intermediates of verify.ok, never rebuilt."""
    cfg = {"figures": {"relu-product": {"M": 1.0, "m_max": 4, "offset_grid": 5, "random_points": 10,
                                        "aligned_grid": 5}}}
    out = ws.final_outputs(cfg, ["relu-product"], "res", "figs")
    for ext in ("png", "pdf", "json"):
        assert f"figs/relu-product.{ext}" in out
    assert {"figs/README.md", "res/verify.ok", "res/approximation/relu-product/exact.json"} <= set(out)


def test_sweep_moves_cut_short_files_aside(tmp_path):
    """Issue 12 item 7: a truncated result is named and moved aside, so the run rebuilds it."""
    from deeprates import atomic_io

    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    atomic_io.write_json(good, {"a": [1, 2]})
    atomic_io.write_json(bad, {"a": [1, 2]})
    bad.write_bytes(bad.read_bytes()[:-6])
    npz = tmp_path / "c00-p0.npz"
    atomic_io.write_npz(npz, x=np.arange(1000.0))
    npz.write_bytes(npz.read_bytes()[:-100])
    msgs = ws.sweep_corrupt([str(good), str(bad), str(npz), str(tmp_path / "absent.json")])
    assert len(msgs) == 2 and str(bad) in msgs[0] and str(npz) in msgs[1]
    assert good.exists() and not bad.exists() and (tmp_path / "bad.json.corrupt").exists()
    assert (tmp_path / "c00-p0.npz.corrupt").exists()


def test_fingerprints_are_the_same_in_every_process(repo):
    """Snakemake compares the hash a job ran with to the one a later process computes: it must
    not depend on the interpreter's string-hash seed (set order)."""
    import os
    import subprocess
    import sys

    code = "import deeprates.workflow_support as ws; print(ws.compute_fingerprint('beam-spectrum'))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(repo / "src"), "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1
