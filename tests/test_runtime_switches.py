"""The second-machine switches of `compute`: BLAS thread count and rounding-level input perturbation."""

from __future__ import annotations

import json

import pytest

from deeprates import runtime

from conftest import run, tiny_params


def test_perturbation_moves_every_float_a_little_and_nothing_else():
    params = {"nu": 2.0, "zetas": [0.25, 0.5], "n": 100, "name": "x", "flag": True,
              "nested": {"a": 1.0}}
    out = runtime.perturb_params(params, 1e-15)
    assert out["n"] == 100 and out["name"] == "x" and out["flag"] is True
    floats = [(params["nu"], out["nu"]), (0.25, out["zetas"][0]), (0.5, out["zetas"][1]),
              (1.0, out["nested"]["a"])]
    assert all(a != b and abs(b / a - 1) <= 1e-15 for a, b in floats)
    assert len({b / a for a, b in floats}) > 1  # each parameter moves on its own (to within an ulp)
    assert runtime.perturb_params(params, 1e-15) == out    # deterministic
    assert runtime.perturb_params(params, 0.0) is params


def test_values_that_name_the_case_are_not_perturbed():
    params = {"alphas": [{"alpha": 1.0, "lr": 0.3}], "beta": 0.25}
    out = runtime.perturb_params(params, 1e-15, keep=runtime.case_values("beta0.25-alpha1"))
    assert out["alphas"][0]["alpha"] == 1.0 and out["beta"] == 0.25
    assert out["alphas"][0]["lr"] != 0.3
    others = {f"x{i}": 1.5 for i in range(5)}
    out = runtime.perturb_params({"M": 1.0, **others}, 1e-15, exact=("M",))
    assert out["M"] == 1.0 and any(out[k] != 1.5 for k in others)


def test_switches_from_the_environment(monkeypatch):
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.delenv(runtime.PERTURB_ENV, raising=False)
    assert runtime.job_threads(1) == 1 and runtime.perturbation() == 0.0
    monkeypatch.setenv(runtime.THREADS_ENV, "2")
    monkeypatch.setenv(runtime.PERTURB_ENV, "1e-15")
    assert runtime.job_threads(1) == 2 and runtime.perturbation() == 1e-15
    assert runtime.perturbation(0.0) == 0.0  # an explicit --perturb wins
    monkeypatch.setenv(runtime.THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=runtime.THREADS_ENV):
        runtime.job_threads(1)
    with pytest.raises(ValueError, match="rounding-level"):
        runtime.perturbation(0.1)


def test_compute_records_threads_and_perturbation(repo, tmp_path, monkeypatch):
    from deeprates import figures

    params = tiny_params("relu-product")
    out = tmp_path / "r.json"
    case = figures.load("relu-product").cases(params)[0]
    monkeypatch.setenv(runtime.THREADS_ENV, "2")
    res = run(["python", "-m", "deeprates", "compute", "relu-product", case, "--params",
               json.dumps(params), "--perturb", "1e-15", "--out", str(out)], cwd=repo)
    assert res.returncode == 0, res.stderr
    prov = json.loads(out.read_text())["provenance"]
    assert prov["threads"] == 2 and prov["perturb"] == 1e-15
