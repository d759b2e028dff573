#!/usr/bin/env bash
# Side-by-side CPU runs of Yalis-J and llama.cpp on the same random weights, interleaved (one engine,
# then the other, PAIRS times), each started only once the 1-minute load average is below LOAD_MAX.
# Prints one line per run (load average, prefill and decode tokens/s, peak RSS) and the medians.
#
# Needs: the weights from ../shared/bench/make_random_llama.py (HF folder and GGUF file of the same
# model), and a llama-bench binary built from a llama.cpp checkout you fetched yourself (this script
# builds nothing). Example:
#   tools/bench-vs-llamacpp.sh --hf /tmp/m/rand-llama-3.2-1b/hf --gguf /tmp/m/rand-llama-3.2-1b/rand-llama-3.2-1b-BF16.gguf \
#       --llama-bench /tmp/llama.cpp/build/bin/llama-bench --threads 2
# Extra flags for yalis bench go after --yalis-args (for example --yalis-args "--quantize q8"); set
# LLAMA_COMMIT to the commit llama-bench was built from, so that the output records it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hf="" gguf="" llama_bench="" threads=2 pairs=3 prompt=128 decode=32 yalis_args="" load_max="${LOAD_MAX:-0.7}"
while (( $# )); do
  case "$1" in
    --hf) hf="$2"; shift 2 ;;
    --gguf) gguf="$2"; shift 2 ;;
    --llama-bench) llama_bench="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --prompt-len) prompt="$2"; shift 2 ;;
    --decode-len) decode="$2"; shift 2 ;;
    --yalis-args) yalis_args="$2"; shift 2 ;;
    *) echo "bench-vs-llamacpp: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -d "$hf" ]] || { echo "bench-vs-llamacpp: --hf DIR (the HF folder of the model) is required" >&2; exit 2; }
[[ -f "$gguf" ]] || { echo "bench-vs-llamacpp: --gguf FILE (the same model as GGUF) is required" >&2; exit 2; }
[[ -x "$llama_bench" ]] || { echo "bench-vs-llamacpp: --llama-bench PATH (an executable llama-bench) is required" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-vs-llamacpp: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 2; }

wait_for_quiet() {
  local waited=0
  while awk -v max="$load_max" '{ exit !($1 >= max) }' /proc/loadavg; do
    sleep 5
    waited=$((waited + 5))
    if (( waited >= 300 )); then
      echo "# load average stayed above $load_max for 5 minutes; running anyway" >&2
      break
    fi
  done
}

peak_rss_gib() {   # from /usr/bin/time -v's report in file $1
  awk -F: '/Maximum resident set size/ { printf "%.2f", $2 / 1048576 }' "$1"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# llama.cpp commit ${LLAMA_COMMIT:-unknown (set LLAMA_COMMIT)} ($llama_bench, -mmp 0)"
echo "# model: $hf and $gguf; threads $threads; prompt $prompt, decode $decode; yalis args: ${yalis_args:-none}"
printf "%-9s %4s %6s %12s %12s %9s\n" engine pair load prefill_t/s decode_t/s rss_GiB
yalis_prefill=() yalis_decode=() llama_prefill=() llama_decode=()
for pair in $(seq 1 "$pairs"); do
  wait_for_quiet
  load="$(cut -d' ' -f1 /proc/loadavg)"
  # shellcheck disable=SC2086 # yalis_args is a list of flags
  /usr/bin/time -v -o "$work/time" bin/yalis bench --model "$hf" --batch 1 --prompt-len "$prompt" \
    --decode-len "$decode" --threads "$threads" --repeat 3 --warmup 1 --no-profile --json $yalis_args \
    > "$work/yalis.json" 2> "$work/yalis.err" || { cat "$work/yalis.err" >&2; exit 1; }
  read -r p d < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["median"]; print(m["prefill_tokens_per_s"], m["decode_tokens_per_s"])' "$work/yalis.json")
  yalis_prefill+=("$p"); yalis_decode+=("$d")
  printf "%-9s %4d %6s %12.2f %12.2f %9s\n" yalis-j "$pair" "$load" "$p" "$d" "$(peak_rss_gib "$work/time")"
  cp "$work/yalis.json" "$work/yalis-$pair.json"

  wait_for_quiet
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v -o "$work/time" "$llama_bench" -m "$gguf" -p "$prompt" -n "$decode" -t "$threads" -mmp 0 -r 3 -o csv \
    > "$work/llama.csv" 2> "$work/llama.err" || { cat "$work/llama.err" >&2; exit 1; }
  read -r p d < <(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
prefill = [r["avg_ts"] for r in rows if r["n_prompt"] != "0" and r["n_gen"] == "0"]
decode = [r["avg_ts"] for r in rows if r["n_prompt"] == "0" and r["n_gen"] != "0"]
print(prefill[0], decode[0])' "$work/llama.csv")
  llama_prefill+=("$p"); llama_decode+=("$d")
  printf "%-9s %4d %6s %12.2f %12.2f %9s\n" llama.cpp "$pair" "$load" "$p" "$d" "$(peak_rss_gib "$work/time")"
done

median() { printf "%s\n" "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
yp="$(median "${yalis_prefill[@]}")" yd="$(median "${yalis_decode[@]}")"
lp="$(median "${llama_prefill[@]}")" ld="$(median "${llama_decode[@]}")"
printf "median    yalis-j prefill %.2f decode %.2f | llama.cpp prefill %.2f decode %.2f | ratio prefill %.2f decode %.2f\n" \
  "$yp" "$yd" "$lp" "$ld" "$(awk -v a="$yp" -v b="$lp" 'BEGIN { print a / b }')" "$(awk -v a="$yd" -v b="$ld" 'BEGIN { print a / b }')"
python3 - "$work" "$pairs" <<'EOF'
import json, sys
work, pairs = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{work}/yalis-{i}.json")) for i in range(1, pairs + 1)]
last = runs[-1]
r, m = last["roofline"], last.get("memory", {})
print(f"# yalis-j (last pair): decode {100 * r['decode_efficiency']:.0f}% of the {r['membw_read_gbps']} GB/s read ceiling"
      f" ({r.get('membw_read_pattern', '?')}), prefill {100 * r['prefill_efficiency']:.0f}% of {r.get('prefill_peak', 'fma_gflops')}"
      f" {r.get(r.get('prefill_peak', 'fma_gflops'))}; peak RSS {m.get('peak_rss_bytes', 0) / 2**30:.2f} GiB,"
      f" KV {m.get('kv_cache_bytes', 0) / 2**20:.0f} MiB")
EOF
