#!/usr/bin/env bash
# Fuzzes each parser of outside input for a while with Jazzer (coverage-guided, libFuzzer underneath),
# one target after another, and prints each target's executions, coverage and findings.
#
#   tools/fuzz.sh [DURATION] [TARGET...]     DURATION as Jazzer takes it (default 120s); TARGET is
#                                            Class#method (default: every @FuzzTest of the project)
#
# A finding stops its target: Jazzer writes the input that failed as crash-<sha1> beside the target's
# seeds (src/test/resources/<package>/<Class>Inputs/<method>/), where the regression run of `mvn verify`
# replays it from then on; fix the bug and keep the file. The corpus grown while fuzzing stays in
# .cifuzz-corpus/ (git-ignored) and makes the next run start where this one ended.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

duration="${1:-120s}"
shift || true
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  targets=(
    engine:SafetensorsHeaderFuzzTest#aSafetensorsFile
    engine:SafetensorsHeaderFuzzTest#aCheckpointIndex
    engine:ModelConfigFuzzTest#aConfigJson
    engine:ModelConfigFuzzTest#aGenerationConfigJson
    engine:ChatTemplateFuzzTest#aTokenizerConfigAndItsChatTemplate
    tools:PromptsFileFuzzTest#aPromptsFile
    tools:ResultFilesFuzzTest#aResultFile
  )
fi

mvn -B -q -o install -DskipTests >/dev/null
logs="$(mktemp -d)"
status=0
printf '%-60s %12s %8s %s\n' target executions coverage result
for entry in "${targets[@]}"; do
  module="${entry%%:*}"
  target="${entry#*:}"
  [[ "$module" == "$entry" ]] && module=engine
  log="$logs/${target//#/-}.log"
  # Jazzer fuzzes only with JAZZER_FUZZ set, and one target per JVM.
  if JAZZER_FUZZ=1 mvn -B -o surefire:test -pl "$module" -Dtest="$target" -Djazzer.max_duration="$duration" \
      -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (log: $log)"
    status=1
  fi
  executions="$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')"
  done_line="$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)"
  coverage="$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)"
  printf '%-60s %12s %8s %s\n' "$module:$target" "${done_line:-${executions:-?}}" "${coverage:-?}" "$result"
done
exit "$status"
