#!/usr/bin/env bash
# Re-measure the cost records of the workflow's jobs and refit the cost models
# (src/deeprates/cost/, docs/commands/cost.md):
#   scripts/measure-costs.sh [tiny] [mid] [default] [check]     (default: all four)
# Each size runs its jobs one at a time (--cores 1: the fits use CPU time, and a shared
# machine's wall time says little): the compute jobs and the shared-data jobs (trained networks,
# voxel meshes and features). The default size runs only the largest compute job of each case
# group and one shared-data job per distinct work, about half its CPU time; `check` runs the
# extra sizes of src/deeprates/cost/check-size.yaml (the corrected work laws, below the paper
# size). Then `deeprates cost collect` reads the `cost:` lines of the jobs' logs and
# `deeprates cost fit` rewrites src/deeprates/cost/coefficients.json. Results already present
# are not rerun: their logs' records are collected as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(tiny mid default check)
for size in "${sizes[@]}"; do
  per_group=""
  case "$size" in
    tiny) cfg=config/test.yaml ;;
    mid) cfg=src/deeprates/cost/mid-size.yaml ;;
    default) cfg=config/config.yaml; per_group=--per-group ;;
    check) cfg=src/deeprates/cost/check-size.yaml ;;
    *) echo "unknown size $size (tiny, mid, default, check)" >&2; exit 2 ;;
  esac
  if [ "$size" = check ]; then
    targets="results/cost-check/approximation/sawtooth-square/budget-H1.json
      results/cost-check/approximation/sawtooth-square/budget-H2.json
      results/cost-check/approximation/sobolev-taylor/d1-n3.json
      results/cost-check/optimization/sgd-stability/negative-momentum.json
      results/cost-check/optimization/corner-gd/time-domain.json
      results/cost-check/interpolation/rbf-interpolation/nodes-0.json
      results/cost-check/approximation/precision-budget/mpmath-N44.json
      results/cost-check/approximation/precision-budget/float64.json
      results/cost-check/approximation/phase-diagram/beta1-shallow.json
      results/cost-check/approximation/relu-product/exact.json
      results/cost-check/optimization/sgd-stability/heatmap-b10.json
      results/cost-check/optimization/sgd-phases/rec-zeta0.25.json
      results/cost-check/optimization/spectral-algorithms/kappa1.5-part0.json
      results/cost-check/connectivity/lowloss-paths-deep/W256-p0.json
      results/cost-check/connectivity/lowloss-paths-deep/W1024-p0.json
      results/cost-check/voxel/voxel-importances/seed0.json
      results/cost-check/voxel/voxel-predictions/model.json
      results/cost-check/voxel/voxel-error-history/all-seed0.json
      results/cost-check/voxel/voxel-error-history/global-seed0.json
      results/cost-check/voxel/voxel-error-history/QF-seed0.json
      results/cost-check/voxel/voxel-raw-vs-haar/S4-seed0.json
      results/cost-check/voxel/voxel-raw-vs-haar/S8-seed0.json
      results/cost-check/voxel/voxel-resolution/S4-seed0.json
      results/cost-check/voxel/voxel-resolution/S8-seed0.json"
  else
    targets=$(python -m deeprates cost targets $per_group --configfile "$cfg")
  fi
  # Fresh processes (warm_start off, though config/test.yaml sets it): a job's start-up is part
  # of its cost, and a warm-start child's cost line leaves its imports out.
  # shellcheck disable=SC2086
  snakemake --cores 1 --keep-going $targets --configfile "$cfg" --config warm_start=False \
    || echo "some $size jobs failed: their records are missing" >&2
  python -m deeprates cost collect --configfile "$cfg" --size "$size"
done
python -m deeprates cost fit
