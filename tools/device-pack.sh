#!/usr/bin/env bash
# Builds Yalis-J here and fills .device/ with everything tools/device-check.sh needs on a lent GPU
# machine, which has no JDK, no Maven and no network (docs/device-check.md):
#
#   .device/jre.tgz        a Java 25 runtime (../shared/device/make-jre.sh; reused when present)
#   .device/lib/           yalis-tools.jar and its runtime jars (DJL's tokenizers jar cut down to
#                          linux-x86_64: the other platforms' native libraries are most of its size)
#   .device/test-lib/      the modules' test-jars (the @Tag("gpu") tests and their helpers) and the
#                          JUnit Platform console launcher
#   .device/shared/models/stories260K   the model of the greedy-ids check (../shared does not travel)
#
# Usage (from anywhere): tools/device-pack.sh [--fresh-jre]
# The nvcc-built fatbin must be in the native jar: without nvcc here the GPU check is pointless, and
# this script says so. Prints the size of .device/ and of everything that would travel.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
device=.device
junit_version=1.14.1   # the JUnit Platform of the parent pom's junit-bom 5.14.1
limit_bytes=$((64 * 1024 * 1024))

if [[ "${1:-}" == "--fresh-jre" ]]; then
    rm -f "$device/jre.tgz"
fi

echo "device-pack: building (mvn -o -q package -DskipTests; tests are compiled into their test-jars)"
mvn -o -q package -DskipTests

native_jar=$(ls native/target/yalis-native-*.jar | grep -v -- '-tests.jar' | head -1)
if ! unzip -l "$native_jar" | grep -q 'org/yalis/nativelib/yalis_kernels.fatbin'; then
    echo "device-pack: $native_jar has no fatbin (nvcc was not found): the GPU check needs our kernels" >&2
    exit 1
fi

mkdir -p "$device"
rm -rf "$device/lib" "$device/test-lib" "$device/shared"
mkdir -p "$device/lib" "$device/test-lib" "$device/shared/models"

if [[ ! -f "$device/jre.tgz" ]]; then
    bash ../shared/device/make-jre.sh "$device"
fi

cp tools/target/yalis-tools.jar "$device/lib/"
cp tools/target/lib/*.jar "$device/lib/"
for tokenizers in "$device"/lib/tokenizers-*.jar; do
    # Only the linux-x86_64 library is loaded there; the others are dead weight in the carry.
    zip -q -d "$tokenizers" 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' >/dev/null
    if ! unzip -l "$tokenizers" | grep -q 'native/lib/linux-x86_64/cpu/libtokenizers.so'; then
        echo "device-pack: trimming $tokenizers lost its linux-x86_64 library" >&2
        exit 1
    fi
done

for module in bindings native engine attention-backends; do
    cp "$module"/target/yalis-*-tests.jar "$device/test-lib/"
done
junit="org.junit.platform:junit-platform-console-standalone:$junit_version"
if ! mvn -o -q dependency:copy -Dartifact="$junit" -DoutputDirectory="$device/test-lib" 2>/dev/null; then
    echo "device-pack: $junit is not in the local Maven repository; fetching it from Maven Central"
    mvn -q dependency:copy -Dartifact="$junit" -DoutputDirectory="$device/test-lib"
fi

stories=../shared/models/stories260K
if [[ -f "$stories/model.safetensors" ]]; then
    mkdir -p "$device/shared/models/stories260K"
    cp "$stories"/{config.json,generation_config.json,model.safetensors,tokenizer.json,tokenizer_config.json,expected-greedy.json} \
        "$device/shared/models/stories260K/"
else
    echo "device-pack: WARNING: $stories is missing; the stories260K check will be skipped there" >&2
fi

device_bytes=$(du -sb "$device" | cut -f1)
# What travels: tracked files and untracked files git does not ignore, plus the carried .device.
tree_bytes=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } \
    | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
total=$((device_bytes + tree_bytes))
printf 'device-pack: %s holds %.1f MiB (jre %.1f, lib %.1f, test-lib %.1f, models %.1f)\n' "$device" \
    "$(echo "$device_bytes / 1048576" | bc -l)" \
    "$(echo "$(stat -c %s "$device/jre.tgz") / 1048576" | bc -l)" \
    "$(echo "$(du -sb "$device/lib" | cut -f1) / 1048576" | bc -l)" \
    "$(echo "$(du -sb "$device/test-lib" | cut -f1) / 1048576" | bc -l)" \
    "$(echo "$(du -sb "$device/shared" | cut -f1) / 1048576" | bc -l)"
printf 'device-pack: with the working tree (%.1f MiB), %.1f MiB of the 64 MiB carry limit\n' \
    "$(echo "$tree_bytes / 1048576" | bc -l)" "$(echo "$total / 1048576" | bc -l)"
if (( total > limit_bytes )); then
    echo "device-pack: over the 64 MiB limit: the device tool would refuse the call" >&2
    exit 1
fi
