#!/usr/bin/env bash
# The serving table of docs/serving.md in one sitting: a `yalis serve` on the model (warm), then for each
# concurrency, ROUNDS times interleaved, the offline `yalis bench` of the same workload (a batch of C
# sequences of PROMPT + OUTPUT tokens, in its own process) and `yalis bench-serving` at concurrency C
# against the server (2C requests, at least 8). Prints one line per run with the 1-minute load average
# and the medians per concurrency; writes every bench-serving result to OUT.jsonl for `yalis report`.
#
#   tools/serving-sitting.sh --model /tmp/llama-100m [--concurrency "1 8 32"] [--rounds 3] [--out FILE]
# (make the model with: bin/yalis synth --preset llama-100m --out /tmp/llama-100m)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

model="" concurrencies="1 8 32" rounds=3 prompt=128 output=128 out=/tmp/serving-sitting.jsonl port=8731
while (( $# )); do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --concurrency) concurrencies="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --prompt-tokens) prompt="$2"; shift 2 ;;
    --output-tokens) output="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "serving-sitting: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -d "$model" ]] || { echo "serving-sitting: --model DIR is required" >&2; exit 2; }
max_batch=0
for c in $concurrencies; do (( c > max_batch )) && max_batch=$c; done

work="$(mktemp -d)"
server_log="$work/serve.log"
bin/yalis serve --model "$model" --port "$port" --max-batch "$max_batch" 2>"$server_log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  grep -q "^serving " "$server_log" && break
  kill -0 "$server" 2>/dev/null || { cat "$server_log" >&2; exit 1; }
  sleep 1
done
url="http://127.0.0.1:$port"
: >"$out"
# Warm-up: the server's JIT and first steps, not measured.
bin/yalis bench-serving --url "$url" --num-requests 8 --concurrency "$max_batch" --prompt-tokens "$prompt" \
  --output-tokens "$output" >/dev/null

load() { cut -d' ' -f1 /proc/loadavg; }
echo "# concurrency round  load  offline: decode ms/token  output tok/s | server: TTFT p50  TPOT p50  TPOT p99  output tok/s"
for c in $concurrencies; do
  requests=$(( 2 * c > 8 ? 2 * c : 8 ))
  for round in $(seq 1 "$rounds"); do
    before=$(load)
    offline="$(bin/yalis bench --model "$model" --batch "$c" --prompt-len "$prompt" --decode-len "$output" \
      --repeat 1 --warmup 1 --no-profile --json 2>/dev/null)"
    bin/yalis bench-serving --url "$url" --num-requests "$requests" --concurrency "$c" --prompt-tokens "$prompt" \
      --output-tokens "$output" --json "$work/round.jsonl" >/dev/null
    serving="$(tail -n 1 "$work/round.jsonl")"
    echo "$serving" >>"$out"
    python3 - "$c" "$round" "$before" "$offline" "$serving" <<'EOF'
import json, sys
c, r, load, offline, serving = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), json.loads(sys.argv[5])
m = offline["median"]
out_tps = int(c) * offline["decode_len"] / (m["e2e_ms"] / 1000)
print(f"{c:>4} {r:>2}  {load:>5}  {m['tbt_ms']:8.2f}  {out_tps:8.1f} | {serving['ttft_ms']['p50']:8.1f}"
      f"  {serving['tpot_ms']['p50']:7.2f}  {serving['tpot_ms']['p99']:7.2f}  {serving['output_throughput']:8.1f}",
      flush=True)
EOF
  done
done | tee "$work/lines.txt"
python3 - "$work/lines.txt" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if not line.startswith("#")]
print("# medians: concurrency  offline ms/token  offline tok/s  server TTFT p50  TPOT p50  TPOT p99  server tok/s  TPOT over offline")
for c in dict.fromkeys(r[0] for r in rows):
    mine = [r for r in rows if r[0] == c]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    print(f"{c:>4}  {med(3):8.2f}  {med(4):8.1f}  {med(6):8.1f}  {med(7):7.2f}  {med(8):7.2f}  {med(9):8.1f}"
          f"  {med(7) / med(3) - 1:+.1%}  (loads {', '.join(r[2] for r in mine)})")
EOF
