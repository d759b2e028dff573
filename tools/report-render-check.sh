#!/usr/bin/env bash
# Renders a `yalis report` page in headless Chromium and checks what a reader would see: the page
# loads with no console message (the report has no script, so any message means something broke),
# every inline SVG chart and every data point survives into the rendered DOM, and nothing points
# outside the file. With a second argument, also saves a screenshot there.
#
#   tools/report-render-check.sh report.html [screenshot.png]
#
# Exit status: 0 when the checks pass, 1 when one fails, 2 when Chromium is missing (CHROMIUM=path
# overrides the search).
set -euo pipefail

if (( $# < 1 || $# > 2 )); then
  echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2
  exit 2
fi
report="$(readlink -f "$1")"
screenshot="${2:-}"
[[ -f "$report" ]] || { echo "report-render-check: no file $1" >&2; exit 1; }

chromium="${CHROMIUM:-}"
if [[ -z "$chromium" ]]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      chromium="$(command -v "$candidate")"
      break
    fi
  done
fi
[[ -n "$chromium" && -x "$chromium" ]] || { echo "report-render-check: Chromium not found (install it: apt-get install chromium)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
  echo "report-render-check: FAILED: $*" >&2
  exit 1
}

# A fresh profile and no background services: the render must not depend on (or reach) the network.
chromium_flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --enable-logging=stderr --v=0)

if grep -Eoq '(src|href)="[^"#]' "$report" || grep -q 'url(' "$report" || grep -qi '<script' "$report"; then
  fail "the page loads something (src=, href=, url() or a script); it must be self-contained"
fi

timeout 120 "$chromium" "${chromium_flags[@]}" --dump-dom "file://$report" >"$work/dom.html" 2>"$work/chromium.log" \
  || { tail -n 20 "$work/chromium.log" >&2; fail "chromium --dump-dom exited with $?"; }

# Console messages (errors, warnings, logs, uncaught exceptions) appear in the log as INFO:CONSOLE lines.
if grep -q ':CONSOLE' "$work/chromium.log"; then
  grep ':CONSOLE' "$work/chromium.log" >&2
  fail "console messages while rendering"
fi

count() {   # occurrences of a fixed string in a file
  grep -oF -- "$1" "$2" | wc -l
}
expected_charts=$(count '<svg ' "$report")
rendered_charts=$(count '<svg ' "$work/dom.html")
(( expected_charts > 0 )) || fail "the report has no SVG chart"
(( rendered_charts == expected_charts )) || fail "$expected_charts SVG charts in the file, $rendered_charts in the rendered DOM"
expected_points=$(count 'data-y=' "$report")
rendered_points=$(count 'data-y=' "$work/dom.html")
(( rendered_points == expected_points )) || fail "$expected_points data elements in the file, $rendered_points rendered"

if [[ -n "$screenshot" ]]; then
  timeout 120 "$chromium" "${chromium_flags[@]}" --hide-scrollbars --window-size="${WINDOW_SIZE:-1400,1900}" \
    --screenshot="$(readlink -f "$(dirname "$screenshot")")/$(basename "$screenshot")" "file://$report" \
    >/dev/null 2>"$work/screenshot.log" || { tail -n 20 "$work/screenshot.log" >&2; fail "chromium --screenshot failed"; }
  [[ "$(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] || fail "$screenshot is not a PNG"
fi

echo "report-render-check: OK: $rendered_charts SVG charts and $rendered_points data elements rendered, no console messages${screenshot:+, screenshot $screenshot}"
