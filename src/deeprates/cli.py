"""`deeprates <command>` (or `python -m deeprates <command>`): the workflow's rules call the
pipeline commands; `fit` and `voxel features` (with mesh files) are for your own data
(docs/commands/).

For your own data
  fit CSV            power-law exponent of curves (x, one column per seed), both uncertainties
  voxel features     with mesh files or folders: the voxel features of arXiv:1701.04249 (npz/CSV)
  voxel check-mesh   read and validate mesh files (OFF/PLY/STL/OBJ), report problems

Pipeline commands
  compute FIG CASE   run one independent job of a figure, write results/<track>/<FIG>/<CASE>.json
  figure FIG         draw figures/<FIG>.png/.pdf and write figures/<FIG>.json with its claims
  table              collect the claims of figure JSONs into figures/README.md
  verify             exit 1 when any claim in the given figure JSONs is FAIL or XPASS
                     (--report-only: list them, exit 0)
  report-text        the claims and the config as reST for `snakemake --report`
  figdiff            compare figures/ with a git revision (numbers, then pixels)
  check-config       validate config files as the workflow does, without running anything
  list               the figure ids, their tracks and titles
  cost               predicted CPU time, memory and GPU of every compute job of a config
  voxel meshes       track D: make (or check) one class's meshes of a data set, write its manifest
  voxel features     track D: with --dataset/--manifest, the features of one chunk of a class (npz)
  connectivity train track E: train one endpoint network (a spec as JSON), write its npz
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path


def _params(text: str) -> dict:
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"deeprates: --params is not valid JSON ({exc})") from None
    if not isinstance(params, dict):
        raise SystemExit("deeprates: --params must be a JSON object")
    return params


def cmd_compute(args: argparse.Namespace) -> int:
    from deeprates import atomic_io, figures, runtime

    module = figures.load(args.figure)
    params = _params(args.params)
    cases = module.cases(params)
    if args.case not in cases:
        raise SystemExit(
            f"deeprates: figure {args.figure!r} has no case {args.case!r}; its cases for these "
            f"params are: {', '.join(cases)}"
        )
    seed = runtime.derive_seed(args.seed, args.figure, args.case)
    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        raise SystemExit(f"deeprates: input files missing: {', '.join(missing)}")
    # Snapshots of long training runs live beside the output, so a killed job (or a Snakemake
    # rerun of an incomplete one) resumes, but only with the same code (job_dir drops snapshots
    # of other code); they are removed once the result is written.
    ckpt_root = args.out.parent / f"{args.out.name}.ckpt"
    ckpt_dir = _checkpoint_dir(ckpt_root, args.figure)
    ctx = runtime.RunContext(seed=seed, threads=args.threads, device_request=args.device,
                             label=f"{args.figure}/{args.case}", inputs=list(args.inputs),
                             checkpoint_dir=ckpt_dir)
    rel = runtime.perturbation(args.perturb)
    ctx.log(f"start (seed {seed}, {args.threads} thread(s)"
            + (f", float parameters perturbed by {rel:g} relative)" if rel else ")"))
    t0 = time.perf_counter()
    result = module.compute(args.case, runtime.perturb_params(
        params, rel, keep=runtime.case_values(args.case),
        exact=runtime.EXACT_PARAMS.get(args.figure, ())), ctx)
    ctx.log(f"done in {time.perf_counter() - t0:.2f}s")
    doc = {
        "figure": args.figure,
        "case": args.case,
        "params": params,
        "seed": seed,
        "provenance": {**ctx.provenance(), **({"perturb": rel} if rel else {})},
        "result": result,
    }
    atomic_io.write_json(args.out, doc)
    shutil.rmtree(ckpt_root, ignore_errors=True)
    return 0


def _checkpoint_dir(root: Path, fig: str) -> Path:
    """<root>/<hash of the code the job runs>, snapshots of other code removed. Outside
    cmd_compute because workflow_support only names the folder: the code hash follows
    cmd_compute's imports, and wiring edits must not rerun every computation."""
    from deeprates import workflow_support
    from deeprates.training.checkpoint import job_dir

    return job_dir(root, workflow_support.compute_fingerprint(fig))


def cmd_figure(args: argparse.Namespace) -> int:
    from deeprates import atomic_io, figure_record, figures

    module = figures.load(args.figure)
    params = _params(args.params)
    results = {}
    for path in args.results:
        doc = atomic_io.read_json(path)
        if doc.get("figure") != args.figure:
            raise SystemExit(f"deeprates: {path} holds results of {doc.get('figure')!r}, not {args.figure!r}")
        results[doc["case"]] = doc["result"]
    missing = [c for c in module.cases(params) if c not in results]
    if missing:
        raise SystemExit(f"deeprates: figure {args.figure!r} lacks results for cases {missing}")
    measurement, fig, caption = figure_record.make(module, results, params)
    for p in figure_record.write(args.outdir, module, measurement, fig, caption, params,
                                 pdf=args.pdf):
        print(p)
    bad = [f"{c.name} ({c.status})" for c in measurement.claims if c.fails_run]
    if bad:
        print(f"{args.figure}: claims failing the run: {', '.join(bad)} (see figures/README.md)",
              file=sys.stderr)
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from deeprates import atomic_io, verification

    figs = verification.load_claims(args.jsons)
    # the link to docs/ from where the table lives (figures/, figures/paper/, results/test/figures/)
    docs = Path(os.path.relpath("docs", Path(args.out).parent)).as_posix()
    atomic_io.write_text(args.out, verification.render_table(figs, docs) + "\n")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from deeprates import atomic_io, verification

    figs = verification.load_claims(args.jsons)
    bad = verification.failures(figs)
    for c in bad:
        print(f"{c.status} {c.figure} / {c.name}: measured {c.measured_text()}, theory "
              f"{c.theory_text()}, {c.tolerance}{'; ' + c.detail if c.detail else ''}"
              f"{'; control: ' + c.control_text() if c.control else ''}"
              f"{'; documented deviation: ' + c.deviation if c.deviation else ''}", file=sys.stderr)
    summary = verification.summary_line(figs)
    if args.report_only:
        summary += f"; {verification.NOT_ENFORCED}"
    print(summary)
    if bad and not args.report_only:
        return 1
    if args.stamp:
        atomic_io.write_text(args.stamp, summary + "\n")
    return 0


def cmd_report_text(args: argparse.Namespace) -> int:
    from deeprates import report_text

    for p in report_text.write_all(args.jsons, _params(args.config), args.outdir, args.landing):
        print(p)
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from deeprates import fit_cli
    from deeprates.fitting import FitError

    try:
        out = fit_cli.run(args.csv, window=args.window, tol=args.tol, plot=args.plot)
    except (FitError, OSError) as exc:
        print(f"deeprates fit: {exc}", file=sys.stderr)
        return 2
    print(fit_cli.dumps(out) if args.json else fit_cli.format_text(out))
    return 0


def cmd_figdiff(args: argparse.Namespace) -> int:
    from deeprates.figdiff import FigdiffError, figdiff

    try:
        report = figdiff(args.figures, args.against, args.out, args.committed)
    except FigdiffError as exc:
        print(f"figdiff: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 1 if report.n_failed else 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from deeprates import config, figures

    try:
        cfg = figures.check_config(config.merged(*args.configs), local=not args.cluster)
    except config.ConfigError as exc:
        print(f"deeprates: {exc}", file=sys.stderr)
        return 1
    print(f"{' + '.join(args.configs)}: valid ({len(cfg.get('figures', {}))} figures)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from deeprates import figures

    for fig_id, (track, _) in figures.FIGURES.items():
        print(f"{fig_id:24s} {track:13s} {figures.load(fig_id).TITLE}")
    return 0


def _voxel_spec(args: argparse.Namespace):
    from deeprates.voxel.dataset import DatasetSpec

    try:
        return DatasetSpec.from_params(_params(args.dataset))
    except TypeError as exc:
        raise SystemExit(f"deeprates: --dataset: {exc}") from None


def cmd_connectivity_train(args: argparse.Namespace) -> int:
    from deeprates import atomic_io, runtime
    from deeprates.connectivity import nets

    try:
        spec = nets.NetSpec.from_params(_params(args.spec))
    except TypeError as exc:
        raise SystemExit(f"deeprates: --spec is not a network spec ({exc})") from None
    ctx = runtime.RunContext(seed=spec.seed, threads=args.threads, device_request=args.device,
                             label=f"connectivity/{spec.name}")
    # snapshots beside the output, removed once it is written (as for compute jobs)
    ckpt_dir = args.out.parent / f"{args.out.name}.ckpt"
    ctx.log(f"training {spec.name}: sizes {list(spec.sizes)}, {spec.epochs} epochs")
    net = nets.train(spec, device=ctx.device, threads=args.threads, checkpoint_dir=ckpt_dir,
                     log=ctx.log)
    ctx.log(f"done: train loss {net.info['train_loss']:.4g}, test error {net.info['test_error']:.4f}")
    atomic_io.write_bytes(args.out, nets.to_npz_bytes(net))
    shutil.rmtree(ckpt_dir, ignore_errors=True)
    return 0


def cmd_voxel_meshes(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from deeprates import atomic_io, runtime
    from deeprates.voxel.dataset import make_class_manifest
    from deeprates.voxel.mesh import MeshError

    spec = _voxel_spec(args)
    ctx = runtime.RunContext(seed=spec.seed, label=f"voxel/{spec.key()}/c{args.class_index:02d}")
    names = spec.class_names()
    if not 0 <= args.class_index < len(names):
        raise SystemExit(f"deeprates: --class-index {args.class_index}: the data set has classes 0..{len(names) - 1}")
    try:
        # generated meshes go beside the manifest: <dir>/c03.json and <dir>/c03/<class>/*.off
        entries = make_class_manifest(spec, args.class_index, args.out.with_suffix(""), log=ctx.log)
    except MeshError as exc:
        print(f"deeprates: bad mesh: {exc}", file=sys.stderr)
        return 2
    atomic_io.write_json(args.out, {"dataset": spec.key(), "class": names[args.class_index],
                                    "spec": spec.to_params(), "meshes": [asdict(e) for e in entries]})
    ctx.log(f"{len(entries)} meshes of {names[args.class_index]!r}")
    return 0


def cmd_voxel_user_features(args: argparse.Namespace) -> int:
    from deeprates.voxel import user_features as uf
    from deeprates.voxel.mesh import MeshError

    try:
        X, names, rows = uf.compute(args.meshes, sizes=args.S, headline=args.headline, rotation=args.rotation,
                                    copies=args.copies, seed=args.seed, log=uf.log_to_stderr)
        uf.write(args.out, X, names, rows)
    except (MeshError, ValueError) as exc:
        print(f"deeprates: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: {X.shape[0]} rows (mesh copies) x {X.shape[1]} features")
    return 0


def cmd_voxel_features(args: argparse.Namespace) -> int:
    if args.meshes:
        if args.dataset or args.manifest:
            raise SystemExit("deeprates: give mesh files/folders, or --dataset/--manifest/--part (the pipeline's "
                             "chunk mode), not both")
        return cmd_voxel_user_features(args)
    missing = [o for o, v in (("--dataset", args.dataset), ("--manifest", args.manifest), ("--part", args.part))
               if v is None]
    if missing:
        raise SystemExit(f"deeprates: voxel features needs mesh files or folders, or (pipeline) {', '.join(missing)}")
    from deeprates import runtime
    from deeprates.voxel.dataset import read_manifest
    from deeprates.voxel.extraction import extract_chunk
    from deeprates.voxel.mesh import MeshError

    spec = _voxel_spec(args)
    entries = read_manifest(args.manifest)[args.part * spec.chunk_size:(args.part + 1) * spec.chunk_size]
    if not entries:
        raise SystemExit(f"deeprates: {args.manifest} has no meshes in part {args.part}")
    ctx = runtime.RunContext(seed=spec.seed, threads=args.threads, label=f"voxel/{spec.key()}/{args.out.stem}")
    ctx.log(f"{len(entries)} meshes x {spec.copies} copies, S = {sorted(set(spec.sizes) | set(spec.raw_sizes))}")
    try:
        extract_chunk(entries, spec.copies, spec.seed, spec.rotation, spec.sizes, spec.raw_sizes,
                      args.out, progress=ctx.progress)
    except MeshError as exc:
        print(f"deeprates: bad mesh: {exc}", file=sys.stderr)
        return 2
    ctx.log(f"wrote {args.out}")
    return 0


def cmd_voxel_check_mesh(args: argparse.Namespace) -> int:
    import warnings

    from deeprates.voxel.mesh import MeshError, read_mesh, validate

    status = 0
    for path in args.paths:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rep = validate(read_mesh(path), warn=False)
        except MeshError as exc:
            print(f"ERROR {exc}", file=sys.stderr)
            status = 2
            continue
        problems = rep.problems() + [str(w.message) for w in caught]
        state = "ok" if rep.ok else "usable with warnings"
        print(f"{path}: {state}: {rep.n_vertices} vertices, {rep.n_faces} faces, chi = {rep.euler_characteristic}"
              + ("".join(f"\n  warning: {p}" for p in problems)))
    return status


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deeprates", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compute", help="run one job of a figure")
    c.add_argument("figure")
    c.add_argument("case")
    c.add_argument("--params", default="{}", help="the figure's config section, as JSON")
    c.add_argument("--seed", type=int, default=0, help="the config's base seed")
    c.add_argument("--threads", type=int, default=1,
                   help="native thread pools (BLAS, OpenMP, torch); DEEPRATES_BLAS_THREADS overrides")
    c.add_argument("--perturb", type=float, default=None, metavar="EPS",
                   help="multiply every float parameter by (1 + EPS u), u in [-1, 1] fixed per "
                        "parameter: a rounding-level input change (default: DEEPRATES_PERTURB or 0)")
    c.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    c.add_argument("--inputs", nargs="*", default=[], type=Path,
                   help="upstream files the job reads (the module's inputs(case, params))")
    c.add_argument("--out", required=True, type=Path)
    c.set_defaults(func=cmd_compute)

    f = sub.add_parser("figure", help="draw a figure and check its claims")
    f.add_argument("figure")
    f.add_argument("--results", nargs="+", default=[], type=Path)
    f.add_argument("--params", default="{}")
    f.add_argument("--outdir", default=Path("figures"), type=Path)
    f.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="draw the PNG only (config key figure_pdf: false)")
    f.set_defaults(func=cmd_figure)

    t = sub.add_parser("table", help="write the claims table (figures/README.md)")
    t.add_argument("jsons", nargs="+", type=Path)
    t.add_argument("--out", default=Path("figures/README.md"), type=Path)
    t.set_defaults(func=cmd_table)

    v = sub.add_parser("verify", help="exit 1 if any claim is FAIL or XPASS (DEVIATION does not fail the run)")
    v.add_argument("jsons", nargs="+", type=Path)
    v.add_argument("--report-only", action="store_true",
                   help="list failing claims but exit 0 (config `verify: report`, tiny sizes)")
    v.add_argument("--stamp", type=Path,
                   help="written when the run goes on: every claim passes, or --report-only")
    v.set_defaults(func=cmd_verify)

    r = sub.add_parser("report-text", help="the claims and config as reST for snakemake --report")
    r.add_argument("jsons", nargs="+", type=Path)
    r.add_argument("--config", default="{}", help="the run's config, JSON")
    r.add_argument("--outdir", required=True, type=Path)
    r.add_argument("--landing", type=Path, help="the landing page template (workflow/report/workflow.rst)")
    r.set_defaults(func=cmd_report_text)

    ft = sub.add_parser("fit", help="power-law exponent of curves in a CSV (x, then one column per curve/seed)",
                        description="Fit y ~ C x^-p on a window; report p with its statistical (bootstrap over "
                                    "curves) and systematic (window shifts) uncertainty and the plateau verdict. "
                                    "See docs/commands/fit.md.")
    ft.add_argument("csv", type=Path)
    ft.add_argument("--window", nargs=2, type=float, metavar=("LO", "HI"), help="fit window in x (default: all)")
    ft.add_argument("--tol", type=float, help="tolerance on the exponent: turns on the plateau test (spread <= tol/2)")
    ft.add_argument("--plot", type=Path, help="also draw the curves and the fit to this file (.png/.pdf)")
    ft.add_argument("--json", action="store_true", help="print JSON instead of text")
    ft.set_defaults(func=cmd_fit)

    d = sub.add_parser("figdiff", help="compare figures/ with a git revision")
    d.add_argument("--against", default="HEAD", help="git revision (default HEAD)")
    d.add_argument("--figures", default=Path("figures"), type=Path,
                   help="the folder to check (default figures/)")
    d.add_argument("--committed", default=None,
                   help="the revision's folder to compare it with (default: the same path); CI "
                        "compares its second-machine figures with --committed figures")
    d.add_argument("--out", default=Path("results/figdiff"), type=Path)
    d.set_defaults(func=cmd_figdiff)

    k = sub.add_parser("check-config", help="validate config files (later ones override)")
    k.add_argument("configs", nargs="+")
    k.add_argument("--cluster", action="store_true",
                   help="jobs run elsewhere: skip the checks of this machine (CUDA, writable folders)")
    k.set_defaults(func=cmd_check_config)

    ls = sub.add_parser("list", help="the figures: id, track, title")
    ls.set_defaults(func=cmd_list)

    from deeprates.cost import command as cost_command

    cost_command.add_parser(sub)
    con = sub.add_parser("connectivity", help="track E: train the endpoint networks")
    csub = con.add_subparsers(dest="connectivity_command", required=True)
    ct = csub.add_parser("train", help="train one endpoint network and write its weights (npz)")
    ct.add_argument("--spec", required=True, help="the network spec as JSON (see connectivity.nets)")
    ct.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ct.add_argument("--threads", type=int, default=1)
    ct.add_argument("--out", type=Path, required=True)
    ct.set_defaults(func=cmd_connectivity_train)

    vox = sub.add_parser("voxel", help="track D data set stages (meshes, features) and mesh checks")
    vsub = vox.add_subparsers(dest="voxel_command", required=True)
    vm = vsub.add_parser("meshes", help="make or check the meshes of one class; write its manifest")
    vm.add_argument("--dataset", required=True, help="the data set's spec (a figure's `dataset` section), JSON")
    vm.add_argument("--class-index", type=int, required=True)
    vm.add_argument("--out", required=True, type=Path)
    vm.set_defaults(func=cmd_voxel_meshes)
    vf = vsub.add_parser("features", help="voxel features of mesh files/folders (or of one data-set chunk)",
                         description="Voxel features (arXiv:1701.04249) of your meshes: percentiles of the 17 "
                                     "feature columns at each --S, or the paper's 2369-feature vector "
                                     "(--headline); to .npz or .csv. See docs/commands/voxel-features.md. "
                                     "The pipeline calls it with --dataset/--manifest/--part instead.")
    vf.add_argument("meshes", nargs="*", type=Path, help="OFF/PLY/STL/OBJ files or folders of them")
    vf.add_argument("--S", type=int, nargs="+", default=[8], help="grid sizes for the percentiles (default 8)")
    vf.add_argument("--headline", action="store_true", help="the paper's 2369 features instead")
    vf.add_argument("--rotation", default="none", choices=["none", "haar", "paper"],
                    help="none: the mesh as given; haar/paper: random rotations (--copies per mesh)")
    vf.add_argument("--copies", type=int, default=1)
    vf.add_argument("--seed", type=int, default=0)
    vf.add_argument("--dataset", help="(pipeline) the data set's spec, JSON")
    vf.add_argument("--manifest", type=Path, help="(pipeline) the class manifest")
    vf.add_argument("--part", type=int, help="(pipeline) the chunk index")
    vf.add_argument("--threads", type=int, default=1)
    vf.add_argument("--out", required=True, type=Path, help=".npz or .csv (user mode); the chunk npz (pipeline)")
    vf.set_defaults(func=cmd_voxel_features)
    vc = vsub.add_parser("check-mesh", help="read and validate OFF/PLY/STL/OBJ files")
    vc.add_argument("paths", nargs="+", type=Path)
    vc.set_defaults(func=cmd_voxel_check_mesh)
    return p


def _exit_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # SIGTERM (scancel, Snakemake stopping a job) as an exception, not an instant death: the
    # atomic writes' `except` then removes their temporary file, where a killed job used to leave
    # `.<name>.<random>.tmp` beside the result its retry writes (the SLURM scancel test found one)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = build_parser().parse_args(argv)
    if (args.command == "compute" or getattr(args, "connectivity_command", None) == "train"
            or getattr(args, "voxel_command", None) == "features"):
        # Before numpy/torch load: OpenBLAS and OpenMP read their thread counts once, at load
        # time, so limiting them after `import numpy` (atomic_io below) has no effect.
        from deeprates import runtime

        try:
            args.threads = runtime.job_threads(args.threads)
            if args.command == "compute":
                runtime.perturbation(args.perturb)  # a bad value fails before any work
        except ValueError as exc:
            raise SystemExit(f"deeprates: {exc}") from None
        runtime.limit_threads(args.threads)

    from deeprates.atomic_io import ResultError
    from deeprates.config import ConfigError
    from deeprates.figures import UnknownFigure
    from deeprates.voxel.mesh import MeshError

    try:
        rc = args.func(args)
    except (ConfigError, ResultError, UnknownFigure, MeshError) as exc:
        print(f"deeprates: {exc}", file=sys.stderr)
        return 2
    if args.command in COSTED:
        print(cost_line(), file=sys.stderr, flush=True)
    return rc


# Commands whose cost deeprates.cost models: they end with a `cost:` line in their log.
COSTED = frozenset({"compute", "connectivity", "voxel"})
_T0 = time.perf_counter()  # at import of the CLI, before numpy/torch load
_WARM = False  # a child of the warm-start server (deeprates.warm_start): imports not counted


def warm_child_started() -> None:
    """Called in a warm-start child: its wall clock starts now, and its cost line says that its
    CPU time leaves out the imports (so deeprates.cost does not collect it)."""
    global _T0, _WARM
    _T0, _WARM = time.perf_counter(), True


def cost_line() -> str:
    """`cost: wall_s=.. cpu_s=.. peak_rss_mb=.. [gpu_peak_mb=..]` of this process so far: the
    record deeprates.cost fits its models to (any run's logs yield it). CPU is user + system of
    the process and its children (every thread counts: CPU time, unlike wall, does not depend
    on what else the machine runs); peak RSS is the larger of the process's and its largest
    child's. Here in main(), not in cmd_compute: a compute job's code hash
    (workflow_support.compute_roots) covers cmd_compute, and timing must not rerun results."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    rss_mb = max(me.ru_maxrss, kids.ru_maxrss) / 1024  # Linux: kilobytes
    label = "cost (warm start: imports not counted):" if _WARM else "cost:"
    line = f"{label} wall_s={time.perf_counter() - _T0:.2f} cpu_s={cpu:.2f} peak_rss_mb={rss_mb:.0f}"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        line += f" gpu_peak_mb={torch.cuda.max_memory_allocated() / 2**20:.0f}"
    return line
