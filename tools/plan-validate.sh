#!/usr/bin/env bash
# Calibrates `yalis plan`'s local cluster on a few bench runs of this machine, then predicts twelve runs it
# did not see and prints prediction, measurement and error (docs/plan.md keeps the table).
#
#   tools/plan-validate.sh [OUT_DIR]      (default /tmp/plan-validate; needs mpirun for the MPI runs)
#
# The model is a random-weight llama-100m (yalis synth). Runs go one after another, never two at once.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/plan-validate}
mkdir -p "$out"
model=$out/llama-100m
[ -f "$model/config.json" ] || bin/yalis synth --preset llama-100m --out "$model" >/dev/null 2>&1
mpirun="mpirun --allow-run-as-root --oversubscribe --bind-to none -np"
common="--model $model --warmup 1 --repeat 3 --profile --json"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Collectives as comm-bench measures them: two in-process ranks and two MPI processes, host buffers.
sizes="--ops all-reduce,all-gather --min-bytes 1KiB --max-bytes 16MiB --json"
bin/yalis comm-bench --collective local --ranks 2 $sizes > "$out/comm.jsonl" 2>/dev/null
$mpirun 2 bin/yalis comm-bench --collective mpi $sizes >> "$out/comm.jsonl" 2>/dev/null

# name | launcher | flags
runs=(
  "cal-1x1-b1-p64-d64||--batch 1 --prompt-len 64 --decode-len 64"
  "cal-1x1-b8-p256-d16||--batch 8 --prompt-len 256 --decode-len 16"
  "cal-2x1-local-b2-p128-d32||--tp 2 --batch 2 --prompt-len 128 --decode-len 32"
  "cal-1x2-local-b4-p128-d32||--tp-dims 1,2 --batch 4 --prompt-len 128 --decode-len 32"
  "val-1x1-b1-p128-d32||--batch 1 --prompt-len 128 --decode-len 32"
  "val-1x1-b4-p512-d16||--batch 4 --prompt-len 512 --decode-len 16"
  "val-1x1-b16-p64-d32||--batch 16 --prompt-len 64 --decode-len 32"
  "val-1x1-b2-p1024-d8||--batch 2 --prompt-len 1024 --decode-len 8"
  "val-2x1-local-b1-p256-d32||--tp 2 --batch 1 --prompt-len 256 --decode-len 32"
  "val-2x1-local-b8-p128-d16||--tp 2 --batch 8 --prompt-len 128 --decode-len 16"
  "val-1x2-local-b1-p64-d64||--tp-dims 1,2 --batch 1 --prompt-len 64 --decode-len 64"
  "val-1x2-local-b16-p32-d16||--tp-dims 1,2 --batch 16 --prompt-len 32 --decode-len 16"
  "val-2x2-local-b2-p128-d16||--tp-dims 2,2 --batch 2 --prompt-len 128 --decode-len 16"
  "val-2x1-mpi-b1-p128-d32|mpi|--collective mpi --tp 2 --batch 1 --prompt-len 128 --decode-len 32"
  "val-2x1-mpi-b4-p256-d16|mpi|--collective mpi --tp 2 --batch 4 --prompt-len 256 --decode-len 16"
  "val-1x2-mpi-b2-p128-d32|mpi|--collective mpi --tp-dims 1,2 --batch 2 --prompt-len 128 --decode-len 32"
)
membw=""
for run in "${runs[@]}"; do
  IFS='|' read -r name launcher flags <<<"$run"
  if [ "$launcher" = mpi ]; then
    $mpirun 2 bin/yalis bench $common $membw $flags > "$out/$name.json" 2>"$out/$name.err"
  else
    bin/yalis bench $common $membw $flags > "$out/$name.json" 2>"$out/$name.err"
  fi
  echo "$name: load $(cut -d' ' -f1 /proc/loadavg), e2e $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['median']['e2e_ms'])" "$out/$name.json") ms"
  # The first run measures the machine (bench --membw); the others reuse its read rate.
  [ -n "$membw" ] || membw="--membw-gbps $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['roofline']['membw_read_gbps'])" "$out/$name.json")"
done

bin/yalis plan --calibrate "$out"/cal-*.json --comm-profile "$out/comm.jsonl" --out "$out/local.json" 2>/dev/null
echo "held out:"
bin/yalis plan --validate "$out"/val-*.json --cluster "$out/local.json" --comm-profile "$out/comm.jsonl" 2>/dev/null
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
