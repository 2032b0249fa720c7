#!/usr/bin/env bash
# Paper-size GPU jobs, timed on a GPU machine within 10 minutes (not a test or CI dependency):
#   scripts/gpu-paper-check.sh [OUTDIR]          (OUTDIR defaults to $OUT, else gpu-check/)
# Runs, one at a time and cheapest first, the paper-size compute jobs config/paper.yaml gives a
# GPU (`resources: gpu: 1`), each in `python -m deeprates compute --device cuda`, and stops
# launching when the 10-minute budget would be passed (a job gets what is left, then is killed).
# Writes OUTDIR/<figure>/<case>.json (results), .log (the job's log, ending with its `cost:` line:
# wall, CPU, peak RSS, peak GPU memory) and OUTDIR/gpu-costs.tsv (one line per job, with the CPU
# model's prediction for one core beside it, from `deeprates cost`). Needs the project's pinned
# environment with a CUDA build of torch.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
out="${1:-${OUT:-gpu-check}}"
mkdir -p "$out"
budget=570                        # seconds, of the 10 minutes; the rest is start-up and copying
start=$(date +%s)
python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0))" \
  > "$out/device.txt" || { echo "no CUDA device: nothing run" >&2; exit 1; }
# figure case: cheapest first (one eigh at n = 20000; linear autoencoders; Monte Carlo SGD; the
# NTK spectra last, whose d = 1 case alone may pass the budget)
jobs=(
  "beam-spectrum spectrum"
  "linear-autoencoder r0.25"
  "sgd-phases mc-zeta0.5"
  "linear-autoencoder r2"
  "ntk-indicator d2-lazy"
  "ntk-indicator d3"
)
# The CPU model's predictions, once (not inside each job's share of the budget).
python -m deeprates cost --configfile config/paper.yaml > "$out/predicted.txt"
# record FIGURE CASE RC LOG: one line of gpu-costs.tsv from the job's `cost:` line
record() {
  local cost pred
  cost=$(grep '^cost:' "$4" | tail -1)
  val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<< "$cost"; }
  pred=$(awk -v j="/$1/$2 " 'index($0, j) {print $2, $3}' "$out/predicted.txt")
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$1" "$2" "$3" "$(val wall_s)" "$(val cpu_s)" \
    "$(val peak_rss_mb)" "$(val gpu_peak_mb)" "$pred" >> "$out/gpu-costs.tsv"
}
printf "figure\tcase\trc\twall_s\tcpu_s\tpeak_rss_mb\tgpu_peak_mb\tpredicted_cpu_1core_s\n" > "$out/gpu-costs.tsv"
for job in "${jobs[@]}"; do
  set -- $job
  fig=$1 case=$2
  left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -lt 30 ]; then echo "budget spent: $fig $case not run" >&2; continue; fi
  params=$(python - "$fig" <<'PY'
import sys
from deeprates import workflow_support as ws
from deeprates.cost.command import load_config
print(ws.params_json(load_config(["config/paper.yaml"]), sys.argv[1]))
PY
)
  mkdir -p "$out/$fig"
  timeout "$left" python -m deeprates compute "$fig" "$case" --params "$params" --seed 20261123 \
    --threads 4 --device cuda --out "$out/$fig/$case.json" 2> "$out/$fig/$case.log"
  record "$fig" "$case" $? "$out/$fig/$case.log"
done
# One track E endpoint network (the 360 paper-size trainings ask for a GPU): the one with most weights.
left=$(( budget - ($(date +%s) - start) ))
if [ "$left" -ge 30 ]; then
  read -r net spec < <(python - <<'PY'
import json
from deeprates import workflow_support as ws
from deeprates.cost.command import load_config
cfg = load_config(["config/paper.yaml"])
nets = ws.connectivity_nets(cfg, ws.figure_ids(cfg))
sizes = {n: nets[n]["spec"]["sizes"] for n in nets}
name = max(nets, key=lambda n: sum(a * b for a, b in zip(sizes[n], sizes[n][1:])))  # most weights
print(name, json.dumps(nets[name]["spec"], separators=(",", ":")))
PY
)
  mkdir -p "$out/connectivity-net"
  timeout "$left" python -m deeprates connectivity train --spec "$spec" --device cuda --threads 4 \
    --out "$out/connectivity-net/$net.npz" 2> "$out/connectivity-net/$net.log"
  record connectivity-net "$net" $? "$out/connectivity-net/$net.log"
else
  echo "budget spent: no endpoint network run" >&2
fi
cat "$out/gpu-costs.tsv"
