"""Time of the tiny run (config/test.yaml, every figure), with and without warm start.

    python benchmarks/tiny_run.py [--cores 2] [--modes warm fresh]

Each mode runs `snakemake --cores N --configfile config/test.yaml` into its own fresh temporary
results folder: `warm` as the config says (`warm_start: true`: jobs fork from one process that
has the imports loaded, deeprates.warm_start), `fresh` with `--config warm_start=False` (one new
Python process per job). Prints wall time, CPU time (user + system of Snakemake and everything
it ran) and the load average before; with both modes, also whether every result, figure PNG
and figure JSON is the same bytes in both (the figures' claims included). The README's
performance table and config/test.yaml's header come from this script. The numba cache of the
voxel kernels is the checkout's (as in a user's second run), so the first run after a fresh
clone also compiles them (~20 s).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(mode: str, cores: int, out: Path) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--configfile",
           "config/test.yaml", "--config", f"results_dir={out}", f"figures_dir={out / 'figures'}"]
    if mode == "fresh":
        cmd.append("warm_start=False")  # Snakemake reads True/False as booleans
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        sys.exit(f"{mode} run failed:\n{res.stderr[-3000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def outputs(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")
            if p.is_file() and "logs" not in p.parts and p.suffix in (".json", ".png", ".npz", ".pt")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--modes", nargs="+", choices=["warm", "fresh"], default=["warm", "fresh"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tiny-run-") as tmp:
        dirs = {}
        for mode in args.modes:
            # the same path for both modes: results record their inputs' paths
            out = Path(tmp) / "run"
            print(f"load average before: {os.getloadavg()[0]:.2f}; {args.cores} cores", flush=True)
            wall, cpu = run(mode, args.cores, out)
            print(f"{mode:5s}: {wall:6.1f} s wall, {cpu:6.1f} s CPU", flush=True)
            dirs[mode] = out.rename(Path(tmp) / mode)
        if len(dirs) == 2:
            a, b = dirs["warm"], dirs["fresh"]
            files = outputs(a) | outputs(b)
            differ = sorted(str(f) for f in files
                            if not ((a / f).is_file() and (b / f).is_file()
                                    and filecmp.cmp(a / f, b / f, shallow=False)))
            print(f"outputs (results, figure PNGs and JSONs): {len(files)}; "
                  f"different between the modes: {len(differ)} {differ[:5]}")
            return 1 if differ else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
