#!/usr/bin/env bash
# The soak run (docs/errors.md): GENERATIONS generations (default 1000) against one engine, with random
# prompts, lengths, sampling parameters and batch sizes, and a KV pool small enough to force preemption;
# checks that every output equals its one-at-a-time run, that every KV block is free after each batch,
# and that resident and native memory (NMT) stay flat after warm-up. Bounded by MAX_SECONDS (default
# 1200): a run that cannot finish in time fails, it does not hang. Prints the figures as JSON on stdout.
#
#   tools/soak.sh [GENERATIONS] [MAX_SECONDS] [MODEL_DIR] [SEED]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
generations="${1:-1000}"
max_seconds="${2:-1200}"
model="${3:-$root/../shared/models/stories260K}"
seed="${4:-1}"

if [[ ! -f tools/target/yalis-tools.jar ]]; then
  JAVA_HOME="$java_home" mvn -B -q -o package -DskipTests >/dev/null
fi
[[ -f "$model/config.json" ]] || { echo "soak: no model at $model (give MODEL_DIR)" >&2; exit 2; }

# The JVM is bounded in time too, beyond the soak's own limit, so nothing can hang the caller.
# A fixed, pre-touched heap under the serial collector: the heap's pages are resident from the start and
# its size never changes, so what moves RSS is native memory, which is what a leak would grow.
exec timeout --signal=KILL "$((max_seconds + 120))" "$java_home/bin/java" -Xms256m -Xmx256m -XX:+AlwaysPreTouch \
  -XX:+UseSerialGC -XX:NativeMemoryTracking=summary \
  --enable-preview --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Dai.djl.offline=true \
  -cp "tools/target/yalis-tools.jar:tools/target/lib/*" org.yalis.soak.Soak "$model" "$generations" "$max_seconds" "$seed"
