#!/usr/bin/env bash
# Replays recorded kernel launches on a GPU (for a device machine without a JDK).
#
#   gpu-check.sh FATBIN DIR          (from the repository root, e.g. on the device tool:
#       bash native/src/test/cpp/gpu-check.sh \
#            native/target/classes/org/yalis/nativelib/yalis_kernels.fatbin native/target/kernel-launches)
#
# 1. Here, record: mvn -o -pl native test -Dyalis.kernels.record=$PWD/native/target/kernel-launches
#    (every simulated run also writes its launch script, DIR/<sha256>.in).
# 2. On the GPU: this script builds gpu_runner (g++ and the CUDA headers) and runs every DIR/*.in in its
#    own process (a trap spoils its context), writing DIR/<sha>.out, or DIR/<sha>.status (exit status,
#    then the runner's message) when it fails. SANITIZE=memcheck|racecheck|synccheck|initcheck runs each
#    under compute-sanitizer with that tool and fails a script on any report.
# 3. Here again, compare: mvn -o -pl native test -Dyalis.kernels.replay=$PWD/native/target/kernel-launches
#    (the same tests read the GPU's buffers instead of simulating, and check them against the references).
set -euo pipefail
if [[ $# -ne 2 ]]; then
    echo "usage: $0 FATBIN DIR" >&2
    exit 2
fi
fatbin=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
runner="$dir/gpu_runner"
# nvcc knows where cuda.h is (it compiles this host-only file with the host compiler); else g++ and
# the first include directory that has cuda.h.
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if [[ -x "$nvcc" ]]; then
    "$nvcc" -std=c++20 -O2 -o "$runner" "$here/gpu_runner.cpp" -ldl
else
    for include in "${CUDA_INCLUDE:-}" "${CUDA_HOME:-/nonexistent}/include" /usr/local/cuda/include; do
        [[ -n "$include" && -f "$include/cuda.h" ]] && break
    done
    ${CXX:-g++} -std=c++20 -O2 -I "$include" -o "$runner" "$here/gpu_runner.cpp" -ldl
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
ok=0
failed=0
for script in "$dir"/*.in; do
    base=${script%.in}
    rm -f "$base.out" "$base.status"
    command=("$runner" "$fatbin" "$script" "$base.out")
    if [[ -n "${SANITIZE:-}" ]]; then
        command=(compute-sanitizer --tool "$SANITIZE" --error-exitcode 99 "${command[@]}")
    fi
    set +e
    message=$("${command[@]}" 2>&1)
    status=$?
    set -e
    if [[ $status -eq 0 ]]; then
        ok=$((ok + 1))
    else
        failed=$((failed + 1))
        rm -f "$base.out"
        printf '%s\n%s\n' "$status" "$message" > "$base.status"
        echo "$(basename "$script"): exit $status: $(echo "$message" | tail -1)"
    fi
done
echo "gpu-check: $ok scripts succeeded, $failed exited non-zero (expected: 3, the trap tests, with status 42)"
