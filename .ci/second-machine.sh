#!/usr/bin/env bash
# CI as a second machine (docs/reproducibility.md): after the default run, recompute every compute
# job as another machine would -- 2 BLAS threads per job instead of 1 (another summation order in
# every BLAS reduction) and every float parameter moved by a relative 1e-15 (inputs at the
# rounding level) -- into results/second-machine/, draw the figures there, and compare them with
# the committed figures/ by their declared precision. The BLAS kernel stays the machine's own
# (OPENBLAS_CORETYPE is neither set nor changed here).
#   usage: bash .ci/second-machine.sh [OUTDIR]      (default results/second-machine)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/second-machine}
t0=$(date +%s)
# --set-threads: every job gets 2 threads and Snakemake runs as many jobs as --cores allows,
# so 2 threads never compete for 1 core (oversubscribed OpenBLAS threads spin: measured 70x
# slower). DEEPRATES_PERTURB reaches every `compute` job through the environment.
DEEPRATES_PERTURB=1e-15 snakemake --cores all \
    --set-threads compute=2 voxel_features=2 \
    --config results_dir="$OUT" figures_dir="$OUT/figures"
echo "CI: second-machine run took $(( $(date +%s) - t0 )) s"
python -m deeprates figdiff --against HEAD --figures "$OUT/figures" --committed figures \
    --out "$OUT/figdiff"
