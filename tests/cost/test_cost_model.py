"""The cost models (deeprates.cost): the fit, the records, predictions for the shipped configs,
and the paper config's resources written from the model."""

import math
import re
import shlex
from pathlib import Path

import pytest

from deeprates import cli
from deeprates.cost import command, model, report

REPO = Path(__file__).resolve().parents[2]


def _records(fig, sizes, cpu_of, rss_of=lambda p: 300):
    """Synthetic measurements: one job per size, its figure params `sizes[i]`."""
    data = {"sizes": {}, "records": []}
    for i, p in enumerate(sizes):
        label = f"s{i}"
        data["sizes"][label] = {"configs": [], "date": "", "machine": "", "params": {fig: p}}
        case = "spectrum"
        d = model.driver(fig, case, p)
        data["records"].append({"size": label, "figure": fig, "case": case, "threads": 1,
                                "cpu_s": cpu_of(d.work), "wall_s": 2 * cpu_of(d.work),
                                "peak_rss_mb": rss_of(d.mem)})
    return data


def test_fit_recovers_known_coefficients():
    # beam-spectrum: W = n^3; a start-up of 0.8 s (under 90 % of the cheapest job, the cap the
    # fit puts on it) and 2e-8 s per unit of W^1.2
    c0, a, b = 0.8, 2e-8, 1.2
    sizes = [{"n": n} for n in (100, 200, 400, 800, 1600, 3200)]
    data = _records("beam-spectrum", sizes, lambda w: c0 + a * w**b, lambda m: 120 + 1.5 * m / 2**20)
    g = model.fit(data)["beam-spectrum"]["eigh"]
    assert g["b_fitted"] and abs(g["b"] - b) < 0.02
    assert abs(g["c0"] - c0) < 0.05 and g["max_ratio"] < 1.02
    assert abs(g["k"] - 1.5) < 0.01 and g["m0"] == pytest.approx(120 + 1.5 * 8 * 3 * 100**2 / 2**20)
    # within the measured range the prediction is the fit; past it, linear in W from the largest job
    fit = model.fitted("beam-spectrum", "eigh", {"figures": model.fit(data)})
    w = 1000.0**3
    assert fit.cpu(w) == pytest.approx(c0 + a * w**b, rel=0.02)
    w_max = 3200.0**3
    assert fit.cpu(2 * w_max) - fit.c0 == pytest.approx(2 * (fit.cpu(w_max) - fit.c0), rel=1e-9)


def test_two_sizes_fix_the_stated_complexity():
    # with two distinct W the exponent is not fitted: b = 1 (W carries the complexity)
    sizes = [{"n": 100}, {"n": 1000}]
    g = model.fit(_records("beam-spectrum", sizes, lambda w: 0.5 + 1e-8 * w))["beam-spectrum"]["eigh"]
    assert not g["b_fitted"] and g["b"] == 1.0
    assert g["a"] == pytest.approx(1e-8, rel=0.05)


def test_cost_line_is_what_collect_parses(tmp_path):
    line = cli.cost_line()
    assert model.COST_RE.match(line), line
    log = tmp_path / "job.log"
    log.write_text(f"[x/y +    0.0s] start\n[x/y +    1.0s] done in 1.00s\n{line}\n")
    rec = model.parse_log(log)
    assert rec["cpu_s"] > 0 and rec["peak_rss_mb"] > 0
    old = tmp_path / "old.log"
    old.write_text("[x/y +    3.2s] done in 3.21s\n")
    assert model.parse_log(old) == {"cpu_s": None, "wall_s": 3.21, "peak_rss_mb": None}


def test_a_warm_start_childs_cost_line_is_not_collected(tmp_path, monkeypatch):
    """Its CPU leaves out the imports (deeprates.warm_start): a model fitted to it would
    predict start-up as free."""
    monkeypatch.setattr(cli, "_WARM", True)
    log = tmp_path / "job.log"
    log.write_text(f"[x/y +    0.0s] start\n{cli.cost_line()}\n")
    assert "warm start" in log.read_text() and model.parse_log(log) is None


def test_timing_is_outside_the_compute_code_hash():
    # the cost line is printed by main(): editing it must not rerun every computation
    from deeprates import workflow_support as ws

    roots = ws.compute_roots("beam-spectrum")
    assert ("deeprates.cli", "cmd_compute") in roots
    assert "deeprates.cost.model" not in ws.code_modules(roots)
    assert "cost_line" not in Path(cli.__file__).read_text().split("def cmd_compute")[1].split("\ndef ")[0]


@pytest.mark.parametrize("configs", [[], ["config/test.yaml"], ["config/paper.yaml"]])
def test_every_job_of_the_shipped_configs_gets_a_prediction(configs, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = command.load_config(configs)
    preds = model.predict(cfg)
    assert len(preds) == len(model.jobs(cfg)) > 0
    for p in preds:
        assert math.isfinite(p.cpu_s) and p.cpu_s > 0 and math.isfinite(p.rss_mb) and p.rss_mb > 0, p
    # every code path the tiny and default sizes run was measured
    if configs != ["config/paper.yaml"]:
        assert all(p.measured_group for p in preds), [p.case for p in preds if not p.measured_group]
    # the shared-data jobs are predicted too: every trained network, every class's meshes and
    # every features chunk the workflow would run
    from deeprates import workflow_support as ws
    from deeprates.voxel import dataset

    kinds = {}
    for p in preds:
        kinds[p.figure] = kinds.get(p.figure, 0) + 1
    assert kinds["connectivity-net"] == len(ws.connectivity_nets(cfg, ws.figure_ids(cfg)))
    specs = dataset.specs_by_key([ws.params_of(cfg, f)["dataset"] for f in ws.figure_ids(cfg)
                                  if f.startswith("voxel-")]).values()
    assert kinds["voxel-features"] == sum(len(s.chunks()) for s in specs)
    assert kinds["voxel-meshes"] == sum(len(s.class_members()) for s in specs)


@pytest.mark.parametrize("configs", [[], ["config/paper.yaml"]])
def test_voxel_meshes_fit_their_rules_fixed_resources(configs, monkeypatch):
    """voxel.smk gives the meshes jobs fixed resources (a class's meshes are cheap at every
    size): the model's request for them, margin included, must stay within those."""
    monkeypatch.chdir(REPO)
    smk = (REPO / "workflow/rules/voxel.smk").read_text().split("rule voxel_meshes:")[1].split("\nrule ")[0]
    for key, value in model.VOXEL_MESHES_RESOURCES.items():
        assert f"{key}={value}," in smk, key
    preds = [p for p in model.predict(command.load_config(configs)) if p.figure == "voxel-meshes"]
    assert preds
    for p in preds:
        assert report.TIME_MARGIN * p.wall_s / 60 <= model.VOXEL_MESHES_RESOURCES["runtime"], p
        assert report.MEM_MARGIN * p.rss_mb <= model.VOXEL_MESHES_RESOURCES["mem_mb"], p


def test_paper_resources_come_from_the_model(tmp_path, monkeypatch):
    """config/paper.yaml's resources are what `deeprates cost --write-resources` writes: rewriting
    a copy changes nothing (so they cannot drift from the model)."""
    monkeypatch.chdir(REPO)
    preds = model.predict(command.load_config(["config/paper.yaml"]))
    copy = tmp_path / "paper.yaml"
    copy.write_text((REPO / "config/paper.yaml").read_text())
    report.write_resources(copy, preds)
    assert copy.read_text() == (REPO / "config/paper.yaml").read_text()


def test_resources_keep_margin_and_floor():
    own = (("f", "resources"),)
    p = model.Prediction("t", "f", "c", "g", 1.0, 600.0, 600.0, 1000.0, 0, 1, True, 5, 1000, own)
    r = report.resources_for([p])[("f", "resources")]
    assert r["runtime"] == 15 and r["mem_mb"] == 1300
    tiny = model.Prediction("t", "f", "c", "g", 1.0, 1.0, 1.0, 50.0, 0, 1, True, 5, 1000, own)
    assert report.resources_for([tiny])[("f", "resources")] == {"runtime": report.MIN_RUNTIME_MIN,
                                                                "mem_mb": report.MIN_MEM_MB, "gpu": 0}


def test_write_resources_covers_networks_and_voxel_data(tmp_path):
    """A figure's networks (`net_resources`, the largest of the nets it trains) and a voxel data
    set's features (its own `resources:`, inside `dataset:`) are written like a figure's; a GPU
    job keeps its runtime, and its memory where the CPU model asks for less (the CUDA host
    memory is not in the CPU model)."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("figures:\n  vox:\n    dataset: &d\n      n_train: 3\n"
                   "      resources: {mem_mb: 1, runtime: 1}\n    resources: {mem_mb: 1, runtime: 1}\n"
                   "  paths:\n    resources: {mem_mb: 1, runtime: 1}  # kept\n"
                   "    net_resources: {mem_mb: 1, runtime: 77, gpu: 1}\n")

    def pred(fig, owners, wall, mb, gpu=0):
        return model.Prediction("t", fig, "c", "g", 1.0, wall, wall, mb, gpu, 1, True, 5, 1000, owners)

    preds = [pred("voxel-features", (("vox", "dataset"),), 1200.0, 2000.0),
             pred("vox", (("vox", "resources"),), 60.0, 100.0),
             pred("connectivity-net", (("paths", "net_resources"),), 6000.0, 3000.0, gpu=1),
             pred("connectivity-net", (("paths", "net_resources"),), 60.0, 5000.0, gpu=1)]
    changed = report.write_resources(cfg, preds)
    text = cfg.read_text()
    assert "      resources: {mem_mb: 2600, runtime: 30}\n" in text
    assert "    dataset: &d\n" in text and "    resources: {mem_mb: 1000, runtime: 5}\n" in text
    assert "    net_resources: {mem_mb: 6500, runtime: 77, gpu: 1}\n" in text
    lower = [pred("connectivity-net", (("paths", "net_resources"),), 60.0, 100.0, gpu=1)]
    report.write_resources(cfg, lower)
    assert "    net_resources: {mem_mb: 6500, runtime: 77, gpu: 1}\n" in cfg.read_text()
    # a line no job asks for (paths' own resources here) is left as it was
    assert "    resources: {mem_mb: 1, runtime: 1}  # kept\n" in text
    assert set(changed) == {("vox", "dataset"), ("vox", "resources"), ("paths", "net_resources")}


def test_docs_example_prints_what_the_page_shows(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    text = (REPO / "docs/commands/cost.md").read_text()
    examples = re.findall(r"```bash\n(deeprates [^\n]+)\n```\s*```text\n(.*?)\n```", text, re.S)
    assert examples
    for cmd, expected in examples:
        assert cli.main(shlex.split(cmd)[1:]) == 0, cmd
        assert capsys.readouterr().out.strip() == expected.strip(), cmd


def test_shipped_model_predicts_every_held_out_paper_job_within_1_5x():
    """The held-out paper-size records against the shipped coefficients (fitted without them):
    a driver change that breaks a validated group fails here, not at the next paper run."""
    rows = model.validation(model.load_measurements(), model.load_coefficients())
    assert len(rows) >= 100
    off = {(r["figure"], r["case"]): r["ratio"] for r in rows
           if r["ratio"] is None or not 1 / 1.5 <= r["ratio"] <= 1.5}
    # Known and written down (docs/commands/cost.md), not hidden: figures whose first paper-size
    # jobs, run blind at the end of a session, missed, with the range their misses span. A miss
    # elsewhere, one outside its range, or a known figure with no miss left (fixed: remove it
    # here) fails.
    unknown = {k: v for k, v in off.items() if k[0] not in KNOWN_MISSES or v is None
               or not KNOWN_MISSES[k[0]][0] - 0.005 <= v <= KNOWN_MISSES[k[0]][1] + 0.005}
    assert not unknown, unknown
    assert {fig for fig, _ in off} == set(KNOWN_MISSES), sorted(off)


# Figures whose held-out paper-size jobs missed and whose laws are not yet re-derived, with the
# range their misses span (docs/commands/cost.md). None at present: the voxel groups' 61 misses
# of 2026-12-07 were fixed the same day (new laws, checked below paper size).
KNOWN_MISSES: dict[str, tuple[float, float]] = {}


def test_shipped_coefficients_are_the_fit_of_the_shipped_records():
    """coefficients.json is `deeprates cost fit` of measurements.json: no hand edits, no stale fit."""
    fitted = model.fit(model.load_measurements())
    shipped = model.load_coefficients()["figures"]
    assert fitted.keys() == shipped.keys()
    for fig, groups in fitted.items():
        assert groups.keys() == shipped[fig].keys(), fig
        for g, c in groups.items():
            for key in ("c0", "a", "b", "k"):
                assert c[key] == pytest.approx(shipped[fig][g][key], rel=1e-6, abs=1e-9), (fig, g, key)


def test_a_held_out_shortfall_beyond_the_margins_carries_to_the_group():
    """A paper-size job that ran 2x its model (beyond the 1.5x time margin) and 500 MB over it
    (beyond 1.3x): the group's other jobs are predicted 2x and +500 MB; one within the margins
    changes nothing."""
    sizes = [{"n": n} for n in (100, 200, 400, 800)]
    data = _records("beam-spectrum", sizes, lambda w: 0.5 + 1e-8 * w, lambda m: 100 + m / 2**20)
    coefficients = {"figures": model.fit(data)}
    g = model.fitted("beam-spectrum", "eigh", coefficients)
    d = model.driver("beam-spectrum", "spectrum", {"n": 1600})
    cpu, rss = g.cpu(d.work), g.rss_mb(d.mem)
    held = _records("beam-spectrum", [{"n": 1600}], lambda w: 2 * cpu, lambda m: rss + 500)
    for r in held["records"]:
        r["size"] = "paper"
    data["records"] += held["records"]
    data["sizes"]["paper"] = held["sizes"][next(iter(held["sizes"]))]
    factor, extra = model.shortfalls(data, coefficients)[("beam-spectrum", "eigh")]
    assert factor == pytest.approx(2.0, rel=1e-6) and extra == pytest.approx(500, abs=1)
    for r in held["records"]:
        r["cpu_s"], r["peak_rss_mb"] = 1.4 * cpu, 1.2 * rss
    assert model.shortfalls(data, coefficients)[("beam-spectrum", "eigh")] == (1.0, 0.0)
