#!/usr/bin/env bash
# Re-measure the cost records of the compute jobs and refit the cost models
# (src/deeprates/cost/, docs/commands/cost.md):
#   scripts/measure-costs.sh [tiny] [mid] [default]     (default: all three)
# Each size runs its compute jobs one at a time (--cores 1: the fits use CPU time, and a shared
# machine's wall time says little; the default size runs only the largest job of each case group,
# about half its CPU time), then `deeprates cost collect` reads the `cost:` lines of the
# jobs' logs and `deeprates cost fit` rewrites src/deeprates/cost/coefficients.json. Results already
# present are not rerun: their logs' records are collected as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(tiny mid default)
for size in "${sizes[@]}"; do
  per_group=""
  case "$size" in
    tiny) cfg=config/test.yaml ;;
    mid) cfg=src/deeprates/cost/mid-size.yaml ;;
    default) cfg=config/config.yaml; per_group=--per-group ;;
    *) echo "unknown size $size (tiny, mid, default)" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2046
  snakemake --cores 1 --keep-going $(python -m deeprates cost targets $per_group --configfile "$cfg") \
    --configfile "$cfg" || echo "some $size jobs failed: their records are missing" >&2
  python -m deeprates cost collect --configfile "$cfg" --size "$size"
done
python -m deeprates cost fit
