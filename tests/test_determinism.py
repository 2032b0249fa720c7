"""Same config and seed -> the same bytes (PNG without metadata, PDF without CreationDate)."""

from __future__ import annotations

import hashlib
import json

import pytest

from conftest import run, tiny_params

A1 = tiny_params("sawtooth-square")   # config/test.yaml
A2 = tiny_params("relu-product")


def _build(repo, out, fig, params):
    from deeprates import figures

    results = []
    for case in figures.load(fig).cases(params):
        path = out / "results" / f"{case}.json"
        res = run(["python", "-m", "deeprates", "compute", fig, case, "--params", json.dumps(params),
                   "--seed", "7", "--out", str(path)], cwd=repo)
        assert res.returncode == 0, res.stderr
        results.append(str(path))
    res = run(["python", "-m", "deeprates", "figure", fig, "--results", *results,
               "--params", json.dumps(params), "--outdir", str(out / "figures")], cwd=repo)
    assert res.returncode == 0, res.stderr
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "figures").iterdir())}


@pytest.mark.parametrize("fig, params", [("sawtooth-square", A1), ("relu-product", A2)])
def test_two_runs_give_identical_bytes(repo, tmp_path, fig, params):
    first = _build(repo, tmp_path / "one", fig, params)
    second = _build(repo, tmp_path / "two", fig, params)
    assert set(first) == {f"{fig}.png", f"{fig}.pdf", f"{fig}.json"}
    assert first == second


def test_saved_files_carry_no_timestamps(repo, tmp_path):
    _build(repo, tmp_path, "relu-product", A2)
    png = (tmp_path / "figures" / "relu-product.png").read_bytes()
    pdf = (tmp_path / "figures" / "relu-product.pdf").read_bytes()
    assert b"tIME" not in png and b"Software" not in png
    assert b"CreationDate" not in pdf
