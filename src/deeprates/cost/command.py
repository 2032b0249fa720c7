"""`deeprates cost [predict|collect|fit]`: see docs/commands/cost.md."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

DEFAULT_CONFIG = "config/config.yaml"
# Here, not imported from model/report: the parser is built for every command, also before a
# compute job limits its threads, and those modules load numpy.
HERE = Path(__file__).resolve().parent
CLUSTER_LIMIT_H = 24.0


def load_config(configfiles: list[str]) -> dict:
    """As the workflow reads them: config/config.yaml, then each --configfile key by key."""
    from deeprates import config, figures

    files = [DEFAULT_CONFIG] + [c for c in configfiles if Path(c) != Path(DEFAULT_CONFIG)]
    return figures.check_config(config.merged(*files), local=False)


def run(args: argparse.Namespace) -> int:
    from deeprates.cost import model, report

    cfg = load_config(args.configfile or [])
    if args.action == "targets":  # the compute outputs, for `snakemake <targets>` (measure-costs.sh)
        jobs = {"all": model.jobs, "compute": model.compute_jobs, "data": model.data_jobs}[args.jobs](cfg)
        if args.per_group:
            jobs = model.largest_per_group(jobs)
        print(" ".join(f"{cfg['results_dir']}/{j.output}" for j in jobs))
        return 0
    if args.action == "collect":
        if not args.size:
            raise SystemExit("deeprates cost collect: --size NAME (e.g. tiny, default) is required")
        data = model.collect(cfg, args.size, args.configfile or [DEFAULT_CONFIG],
                             model.load_measurements(args.measurements))
        n = sum(1 for r in data["records"] if r["size"] == args.size)
        model.save(args.measurements, data)
        print(f"{args.measurements}: {n} records of size {args.size!r}")
        return 0
    if args.action == "validate":
        rows = model.validation(model.load_measurements(args.measurements),
                                model.load_coefficients(args.coefficients))
        print("| job | predicted CPU | measured CPU | measured / predicted | wall | peak RSS (predicted) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            pred = "unmeasured path" if r["predicted_cpu_s"] is None else f"{r['predicted_cpu_s']:.0f} s"
            ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
            prss = "-" if r["predicted_rss_mb"] is None else f"{r['predicted_rss_mb']:.0f}"
            print(f"| {r['figure']}/{r['case']} ({r['size']}) | {pred} | {r['cpu_s']:.0f} s | {ratio} | "
                  f"{r['wall_s']:.0f} s | {r['peak_rss_mb']} MB ({prss}) |")
        return 0
    if args.action == "models":
        print(models_table(model.load_coefficients(args.coefficients)["figures"]))
        return 0
    if args.action == "fit":
        data = model.load_measurements(args.measurements)
        figs = model.fit(data)
        coef = {"figures": figs, "fitted": datetime.date.today().isoformat(), "machine": model.machine(),
                "sizes": {k: {kk: v[kk] for kk in ("configs", "date", "machine")}
                          for k, v in data["sizes"].items()},
                "model": "cpu_s = c0 + a W^b; peak_rss_mb = m0 + k M/2^20 (deeprates.cost.model)"}
        model.save(args.coefficients, coef)
        print(models_table(figs))
        return 0
    preds = model.predict(cfg, model.load_coefficients(args.coefficients))
    print(report.table(preds, per_job=not args.totals, limit_h=args.limit_hours))
    if args.write_resources:
        changed = report.write_resources(Path(args.write_resources), preds)
        print(f"{args.write_resources}: resources rewritten from the model for {len(changed)} figures",
              file=sys.stderr)
    return 0


def models_table(figs: dict) -> str:
    """Per figure and case group: the work W, the fitted exponent, start-up, sizes, worst ratio."""
    lines = ["| figure | group | work W | b | c0 (s) | jobs | sizes | worst fit ratio |",
             "|---|---|---|---|---|---|---|---|"]
    for fig, groups in figs.items():
        for g, c in groups.items():
            b = f"{c['b']:.2f}" + ("" if c["b_fitted"] else " (fixed)")
            lines.append(f"| {fig} | {g} | {c['formula']} | {b} | {c['c0']:.2f} | {c['n']} | "
                         f"{', '.join(c['sizes'])} | {c['max_ratio']:.2f} |")
    return "\n".join(lines)


def add_parser(sub) -> None:
    c = sub.add_parser("cost", help="predicted CPU time, wall, memory and GPU of every compute job "
                                    "of a config; collect and fit the cost records")
    c.add_argument("action", nargs="?", default="predict", choices=["predict", "collect", "fit", "models", "validate", "targets"])
    c.add_argument("--configfile", nargs="+", help="laid over config/config.yaml, as the workflow does")
    c.add_argument("--totals", action="store_true", help="totals only, no line per job")
    c.add_argument("--limit-hours", type=float, default=CLUSTER_LIMIT_H,
                   help=f"flag jobs over this wall time (default {CLUSTER_LIMIT_H:g})")
    c.add_argument("--write-resources", metavar="CONFIG",
                   help="rewrite this config file's resources: from the model (1.5x time, 1.3x memory)")
    c.add_argument("--per-group", action="store_true",
                   help="(targets) only the largest job of each figure's case group")
    c.add_argument("--jobs", choices=["all", "compute", "data"], default="all",
                   help="(targets) compute jobs, shared-data jobs (trained nets, voxel meshes and "
                        "features) or both")
    c.add_argument("--size", help="(collect) the label of the measured size, e.g. tiny")
    c.add_argument("--measurements", type=Path, default=HERE / "measurements.json")
    c.add_argument("--coefficients", type=Path, default=HERE / "coefficients.json")
    c.set_defaults(func=lambda a: run(a))
