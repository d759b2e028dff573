#!/usr/bin/env bash
# The GPU check of Yalis-J's CUDA backend: one prepared script for a lent GPU machine (H100/H200,
# CUDA 13 driver, PyTorch; no JDK, no network). Build and pack here first (tools/device-pack.sh), then
# run it through the device tool as docs/device-check.md says:
#
#   tar xzf .device/jre.tgz -C /tmp && export JAVA_HOME=/tmp/jre PATH=/tmp/jre/bin:$PATH && bash tools/device-check.sh
#
# Stages, each under its own `timeout` and all under one deadline (DEADLINE_S, default 420 s after the
# start), so the script ends well inside an 8-minute call; a stage that fails is reported and the next
# runs anyway:
#   info     yalis info (the CUDA section: runtime, driver, GPU) and nvidia-smi
#   tests    every @Tag("gpu") test of the test-jars (JUnit console launcher), but the stories check
#   stories  stories260K greedy ids on --device cuda --attention cuda against the CPU's
#   synth    a random-weight Llama-3.2-1B in bf16 (yalis synth) in /tmp, kept for a rerun on a warm machine
#   bench    yalis bench --device cuda: the GPU's copy bandwidth and GEMM rate (--membw), decode tokens/s at
#            batch 1 and 16, prefill tokens/s of a 512-token prompt
#   torch    tools/torch_baseline.py on the same safetensors: eager and torch.compile, the same figures
#   graphs   the two decode benches again with --cuda-graphs (decode steps replayed from CUDA graphs)
# STAGES="tests stories" (say) runs only those. Logs, JUnit reports and JSON go to $WORK; at the end
# $OUT (the folder the device tool returns, at most 8 files) gets the summary table, the JSON figures,
# the stage outcomes and one archive of everything; tools/device_report.py prints the table last.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
device=.device
OUT=${OUT:-/tmp/yalis-device-check-out}
WORK=${WORK:-/tmp/yalis-device-check}
rm -rf "$WORK"
mkdir -p "$OUT" "$WORK"
STAGES=${STAGES:-info tests stories synth bench torch graphs}
DEADLINE_S=${DEADLINE_S:-420}
model_dir=${MODEL_DIR:-/tmp/yalis-llama-3.2-1b-bf16}
started=$(date +%s)
status_file="$WORK/stages.tsv"
: > "$status_file"

say() { printf '[%4ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
wanted() { [[ " $STAGES " == *" $1 "* ]]; }

# run_stage NAME LIMIT_S [--stdout FILE] COMMAND...: runs COMMAND under the smaller of its limit and
# what the deadline leaves, logs it to $WORK/NAME.log and the console (stdout to FILE instead, when
# given, then shown), and records the outcome in stages.tsv.
run_stage() {
    local name=$1 limit=$2
    shift 2
    local stdout_file=""
    if [[ "$1" == "--stdout" ]]; then
        stdout_file=$2
        shift 2
    fi
    local left=$(( DEADLINE_S - ($(date +%s) - started) ))
    if (( left < 15 )); then
        say "$name: skipped, the deadline is near ($left s left)"
        printf '%s\tskipped (deadline)\t0\n' "$name" >> "$status_file"
        return 1
    fi
    local budget=$(( limit < left ? limit : left ))
    say "$name: start (limit ${budget}s)"
    local stage_start rc
    stage_start=$(date +%s)
    if [[ -n "$stdout_file" ]]; then
        timeout --kill-after=10 "$budget" "$@" > "$stdout_file" 2> >(tee "$WORK/$name.log" >&2)
        rc=$?
        cat "$stdout_file"
        echo
    else
        timeout --kill-after=10 "$budget" "$@" 2>&1 | tee "$WORK/$name.log"
        rc=${PIPESTATUS[0]}
    fi
    local took=$(( $(date +%s) - stage_start ))
    local outcome=ok
    if (( rc == 124 || rc == 137 )); then
        outcome="timed out after ${budget}s"
    elif (( rc != 0 )); then
        outcome="failed (exit $rc)"
    fi
    say "$name: $outcome in ${took}s"
    printf '%s\t%s\t%s\n' "$name" "$outcome" "$took" >> "$status_file"
    return "$rc"
}

# ---- the environment: Java from the carried runtime, CUDA libraries from PyTorch's wheels ---------

java=${JAVA_HOME:+$JAVA_HOME/bin/}java
if ! "$java" -version >/dev/null 2>&1; then
    echo "device-check: no java (unpack .device/jre.tgz first: tar xzf .device/jre.tgz -C /tmp && export JAVA_HOME=/tmp/jre PATH=/tmp/jre/bin:\$PATH)" >&2
    exit 2
fi
if [[ ! -d "$device/lib" || ! -d "$device/test-lib" ]]; then
    echo "device-check: $device/lib or $device/test-lib is missing: run tools/device-pack.sh here and carry .device" >&2
    exit 2
fi
python=python3
[[ -x /opt/torch/.venv/bin/python3 ]] && python=/opt/torch/.venv/bin/python3
native_path=""
if nvidia=$("$python" -c "import nvidia; print(list(nvidia.__path__)[0])" 2>/dev/null); then
    for sub in cu13/lib nccl/lib cublas/lib cuda_runtime/lib; do
        [[ -d "$nvidia/$sub" ]] && native_path+="${native_path:+:}$nvidia/$sub"
    done
fi
# libcuda.so.1 comes with the driver; the loader cache normally knows it, some images keep it aside.
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1 '; then
    for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64; do
        [[ -e "$dir/libcuda.so.1" ]] && native_path+="${native_path:+:}$dir" && break
    done
fi
export YALIS_NATIVE_PATH="$native_path${YALIS_NATIVE_PATH:+:$YALIS_NATIVE_PATH}"
jvm_flags=(--enable-preview --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector
           -Dai.djl.offline=true -Xss4m -Xmx24g)
yalis=("$java" "${jvm_flags[@]}" -cp "$device/lib/*" org.yalis.cli.Yalis)
test_classpath=$(ls "$device"/lib/*.jar "$device"/test-lib/yalis-*-tests.jar | tr '\n' ':')
test_roots=$(ls "$device"/test-lib/yalis-*-tests.jar | tr '\n' ':')
junit_jar=$(ls "$device"/test-lib/junit-platform-console-standalone-*.jar | head -1)
junit=("$java" "${jvm_flags[@]}" -Dyalis.shared.dir="$root/$device/shared" -Dyalis.project.dir="$root"
       -jar "$junit_jar" execute --disable-banner --disable-ansi-colors --details=tree --include-tag gpu --class-path "${test_classpath%:}")
say "java $("$java" -version 2>&1 | head -1), python $python, YALIS_NATIVE_PATH=$YALIS_NATIVE_PATH"
say "stages: $STAGES; work in $WORK, results to $OUT"

# ---- stages ----------------------------------------------------------------------------------------

if wanted info; then
    run_stage info 60 "${yalis[@]}" info
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv 2>&1 \
        | tee -a "$WORK/info.log"
fi

if wanted tests; then
    run_stage tests 240 "${junit[@]}" --scan-class-path="${test_roots%:}" \
        --exclude-classname='.*StoriesGreedyGpuTest' --reports-dir="$WORK/junit"
fi

if wanted stories; then
    run_stage stories 120 "${junit[@]}" --select-class=org.yalis.attention.cuda.StoriesGreedyGpuTest \
        --reports-dir="$WORK/junit-stories"
fi

if wanted synth; then
    if [[ -f "$model_dir/model.safetensors" ]]; then
        say "synth: $model_dir is there already (a rerun on the same machine)"
        printf 'synth\tok (kept from an earlier run)\t0\n' >> "$status_file"
    else
        rm -rf "$model_dir.partial"
        run_stage synth 150 "${yalis[@]}" synth --preset llama-3.2-1b --dtype bf16 --out "$model_dir.partial" \
            && mv "$model_dir.partial" "$model_dir"
    fi
fi

if wanted bench && [[ -f "$model_dir/model.safetensors" ]]; then
    # The device's ceilings first, then the model: decode at batch 1 and 16, prefill of a 512-token prompt.
    run_stage membw 60 --stdout "$WORK/membw.json" "${yalis[@]}" bench --membw --device cuda --json
    run_stage bench-b1 120 --stdout "$WORK/bench-b1.json" "${yalis[@]}" bench --model "$model_dir" --device cuda \
        --attention cuda --batch 1 --prompt-len 512 --decode-len 64 --warmup 1 --repeat 3 --no-profile --json
    run_stage bench-b16 120 --stdout "$WORK/bench-b16.json" "${yalis[@]}" bench --model "$model_dir" --device cuda \
        --attention cuda --batch 16 --prompt-len 128 --decode-len 64 --warmup 1 --repeat 3 --no-profile --json
fi

if wanted torch && [[ -f "$model_dir/model.safetensors" ]]; then
    if "$python" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
        run_stage torch 200 env PYTHONUNBUFFERED=1 "$python" tools/torch_baseline.py --model "$model_dir" \
            --out "$WORK/torch.json" --budget-s 180
    else
        say "torch: skipped (no PyTorch with CUDA in $python)"
        printf 'torch\tskipped (no PyTorch with CUDA)\t0\n' >> "$status_file"
    fi
fi

if wanted graphs && [[ -f "$model_dir/model.safetensors" ]]; then
    # The bench stages' decode again, every step replayed from a CUDA graph (--cuda-graphs; no profiler).
    run_stage bench-b1-graphs 90 --stdout "$WORK/bench-b1-graphs.json" "${yalis[@]}" bench --model "$model_dir" \
        --device cuda --attention cuda --batch 1 --prompt-len 512 --decode-len 64 --warmup 1 --repeat 3 \
        --cuda-graphs --json
    run_stage bench-b16-graphs 90 --stdout "$WORK/bench-b16-graphs.json" "${yalis[@]}" bench --model "$model_dir" \
        --device cuda --attention cuda --batch 16 --prompt-len 128 --decode-len 64 --warmup 1 --repeat 3 \
        --cuda-graphs --json
fi

# ---- the results, and the table last ----------------------------------------------------------------
if "$python" -c "import sys" 2>/dev/null; then
    "$python" tools/device_report.py "$WORK" > "$WORK/summary.txt" 2>&1
else
    cp "$status_file" "$WORK/summary.txt"
fi
cp "$WORK/summary.txt" "$status_file" "$OUT/"
for figures in membw bench-b1 bench-b16 bench-b1-graphs torch; do
    [[ -s "$WORK/$figures.json" ]] && cp "$WORK/$figures.json" "$OUT/"
done
tar czf "$OUT/device-check-work.tgz" -C "$WORK" .
echo
cat "$WORK/summary.txt"
