#!/usr/bin/env bash
# `yalis comm-bench` against the floor: a C loop around MPI_Allreduce (f32 sum, in place, as the engine
# calls it) built here with mpicc against the same libmpi, timed the way comm-bench times (one warm-up for
# the run; per size, samples of many back-to-back iterations after a barrier, the slowest rank's time per
# iteration, the median of the samples). ROUNDS rounds interleave C, comm-bench --collective mpi (2
# processes) and comm-bench --collective local (2 ranks as threads); prints each round and the medians.
#
#   tools/comm-bench-vs-c.sh [--rounds 3] [--ranks 2]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=3 ranks=2
while (( $# )); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    *) echo "comm-bench-vs-c: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v mpicc >/dev/null || { echo "comm-bench-vs-c: needs mpicc (apt-get install libopenmpi-dev)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/allreduce.c" <<'EOF'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int iterations_for(long bytes) {  /* as CollectiveBenchmark.iterationsFor */
  long n = (8L << 20) / bytes;
  return (int) (n < 2 ? 2 : n > 500 ? 500 : n);
}

static int compare(const void *a, const void *b) {
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  long max_bytes = 1L << 20;
  int samples = 20, warmup = 2;
  float *buffer = malloc(max_bytes);
  for (long i = 0; i < max_bytes / 4; i++) buffer[i] = rank + 1;
  /* The warm-up of CollectiveBenchmark: 20 rounds at the smallest size, one at the largest. */
  for (int i = 0; i < 20 * iterations_for(1024); i++)
    MPI_Allreduce(MPI_IN_PLACE, buffer, 256, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < iterations_for(max_bytes); i++)
    MPI_Allreduce(MPI_IN_PLACE, buffer, max_bytes / 4, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  double times[64];
  for (long bytes = 1024; bytes <= max_bytes; bytes *= 2) {
    int count = bytes / 4, iterations = iterations_for(bytes);
    for (int s = -warmup; s < samples; s++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = now_us();
      for (int i = 0; i < iterations; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      double elapsed = now_us() - start, slowest;
      MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (s >= 0) times[s] = slowest / iterations;
    }
    qsort(times, samples, sizeof(double), compare);
    if (rank == 0) printf("%ld %.3f\n", bytes, times[samples / 2]);
  }
  free(buffer);
  MPI_Finalize();
  return 0;
}
EOF
mpicc -O2 -o "$work/allreduce" "$work/allreduce.c"
mpi() { mpirun --allow-run-as-root --oversubscribe --bind-to none --mca opal_signal "" -np "$ranks" "$@"; }
sizes=(--min-bytes 1KiB --max-bytes 1MiB --ops all-reduce --json)
for round in $(seq 1 "$rounds"); do
  load="$(cut -d' ' -f1 /proc/loadavg)"
  mpi "$work/allreduce" >"$work/c-$round.txt"
  mpi bin/yalis comm-bench --collective mpi "${sizes[@]}" 2>/dev/null >"$work/mpi-$round.jsonl"
  bin/yalis comm-bench --collective local --ranks "$ranks" "${sizes[@]}" 2>/dev/null >"$work/local-$round.jsonl"
  echo "round $round done (1-min load before it: $load)" >&2
done
python3 - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def c(r):
    return {int(b): float(t) for b, t in (line.split() for line in open(f"{work}/c-{r}.txt"))}
def yalis(kind, r):
    return {j["bytes"]: j["time_us"] for j in map(json.loads, open(f"{work}/{kind}-{r}.jsonl"))}
runs = {name: [f(r) for r in range(1, rounds + 1)] for name, f in
        (("c", c), ("mpi", lambda r: yalis("mpi", r)), ("local", lambda r: yalis("local", r)))}
print("| bytes | C MPI_Allreduce (us) | comm-bench mpi (us) | mpi over C | within 10% or 1 us | comm-bench local (us) | local over mpi |")
print("|---|---|---|---|---|---|---|")
for size in sorted(runs["c"][0]):
    med = {name: statistics.median(run[size] for run in rs) for name, rs in runs.items()}
    ok = med["mpi"] <= max(med["c"] * 1.10, med["c"] + 1.0)
    print(f"| {size} | {med['c']:.2f} | {med['mpi']:.2f} | {med['mpi'] / med['c'] - 1:+.0%} | {'yes' if ok else 'no'} "
          f"| {med['local']:.2f} | {med['local'] / med['mpi'] - 1:+.0%} |")
EOF
