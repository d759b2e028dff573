#!/usr/bin/env python3
"""The summary table of tools/device-check.sh: stage outcomes, GPU test counts, the stories260K verdict,
and Yalis-J's tokens/s beside the HBM ceiling and PyTorch's, from the JSON and logs in OUT.

HBM ceiling of a figure: the tokens one step yields over the time the step needs to stream every weight
once at the measured device-to-device copy rate (bytes read plus written): batch * copy_bandwidth /
weight_bytes_per_step. For prefill the GEMM-rate ceiling is shown too; the lower of the two binds.

Usage: device_report.py OUT
"""
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ElementTree


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def junit_counts(folder):
    """(tests, failures + errors, skipped) over the JUnit XML reports in folder, or None."""
    files = glob.glob(os.path.join(folder, "*.xml"))
    if not files:
        return None
    tests = failed = skipped = 0
    for path in files:
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError:
            continue
        for suite in ([root] if root.tag == "testsuite" else root.iter("testsuite")):
            tests += int(suite.get("tests", 0))
            failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", 0))
    return tests, failed, skipped


def last_line(path, pattern):
    try:
        with open(path, errors="replace") as f:
            lines = [line.rstrip() for line in f if re.search(pattern, line)]
        return lines[-1] if lines else None
    except OSError:
        return None


def number(value):
    return f"{value:,.1f}" if isinstance(value, (int, float)) else "-"


def ratio(ours, theirs):
    return f"{ours / theirs:.2f}x" if isinstance(ours, (int, float)) and theirs else "-"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", ".")
    print("=" * 100)
    print("Yalis-J device check")
    stages = os.path.join(out, "stages.tsv")
    if os.path.exists(stages):
        print(f"{'stage':<17} {'outcome':<34} {'seconds':>7}")
        with open(stages) as f:
            for line in f:
                name, outcome, seconds = (line.rstrip("\n").split("\t") + ["", ""])[:3]
                print(f"{name:<17} {outcome:<34} {seconds:>7}")
    for label, folder in (("GPU tests", "junit"), ("stories260K", "junit-stories")):
        counts = junit_counts(os.path.join(out, folder))
        if counts:
            print(f"{label}: {counts[0]} run, {counts[1]} failed, {counts[2]} skipped")
    verdict = last_line(os.path.join(out, "stories.log"), r"stories260K greedy on cuda|stories260K prompt")
    if verdict:
        print(verdict.strip())

    membw = load(os.path.join(out, "membw.json")) or {}
    bench = {b: load(os.path.join(out, f"bench-b{b}.json")) for b in (1, 16)}
    graphs = {b: load(os.path.join(out, f"bench-b{b}-graphs.json")) for b in (1, 16)}
    torch = load(os.path.join(out, "torch.json")) or {}
    bandwidth = membw.get("membw_copy_gbps")
    weights = next((b["roofline"]["weight_bytes_per_step"] for b in bench.values() if b), None)
    if bandwidth:
        print(f"device copy {bandwidth:,.0f} GB/s (read + written, {membw.get('membw_copy_bytes', 0) >> 20} MiB), "
              f"bf16 GEMM {membw.get('gemm_bf16_tflops', 0):,.0f} TFLOP/s ({membw.get('gemm_size')}^3)")
    if weights:
        print(f"weights streamed per step: {weights / 1e9:.3f} GB (Llama-3.2-1B shapes, bf16)")

    def torch_figure(mode, batch, key):
        for run in torch.get("runs", []):
            if run["mode"] == mode and run["batch"] == batch:
                return run[key]
        return None

    rows = []
    for label, batch, key, results in (("decode, batch 1", 1, "decode_tokens_per_s", bench),
                                       ("  with CUDA graphs", 1, "decode_tokens_per_s", graphs),
                                       ("decode, batch 16", 16, "decode_tokens_per_s", bench),
                                       ("  with CUDA graphs", 16, "decode_tokens_per_s", graphs),
                                       ("prefill, 512 tokens", 1, "prefill_tokens_per_s", bench)):
        result = results.get(batch)
        ours = result["median"][key] if result else None
        tokens_per_step = batch if key.startswith("decode") else (result["prompt_len"] if result else 512)
        ceiling = tokens_per_step * bandwidth * 1e9 / weights if bandwidth and weights else None
        gemm_ceiling = result["roofline"]["prefill_ceiling_tokens_per_s"] if result and key.startswith("prefill") else None
        eager = torch_figure("eager", batch, key)
        compiled = torch_figure("compile", batch, key)
        rows.append((label, ours, ceiling, gemm_ceiling, eager, compiled))

    print()
    print(f"{'tokens/s':<22} {'yalis':>10} {'HBM ceil':>11} {'% ceil':>7} {'GEMM ceil':>11} {'torch eager':>12} "
          f"{'x eager':>8} {'torch.compile':>14} {'x compile':>10}")
    for label, ours, ceiling, gemm_ceiling, eager, compiled in rows:
        share = f"{100 * ours / ceiling:.0f}%" if isinstance(ours, (int, float)) and ceiling else "-"
        print(f"{label:<22} {number(ours):>10} {number(ceiling):>11} {share:>7} {number(gemm_ceiling):>11} "
              f"{number(eager):>12} {ratio(ours, eager):>8} {number(compiled):>14} {ratio(ours, compiled):>10}")
    for batch, result in graphs.items():
        if result and result.get("decode_graphs"):
            counts = result["decode_graphs"]
            print(f"CUDA graphs, batch {batch}: {counts['replays']} decode steps replayed from "
                  f"{counts['captures']} captures")
    print("=" * 100)


if __name__ == "__main__":
    main()
