package org.yalis.benchmarks;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The table printed after JMH's report: for each benchmark, the bytes and FLOPs of one call (its
 * {@link Work}) over the measured time, beside this machine's memory-read and FMA ceilings. A kernel
 * near one of its ceilings is as fast as this machine allows; one far below both has room to grow.
 */
final class RooflineTable {

    /**
     * One measured benchmark: its short name, its parameters, its time per call.
     *
     * @param relativeError JMH's 99.9% confidence half-width over the score, NaN with too few iterations
     */
    record Row(String benchmark, String parameters, double secondsPerCall, double relativeError, Work work) {

        /** The weight type named in the parameters ({@code weights=BF16}), or empty. */
        String weights() {
            for (String part : parameters.split(" ")) {
                if (part.startsWith("weights=")) {
                    return part.substring("weights=".length());
                }
            }
            return "";
        }

        double gigabytesPerSecond() {
            return work.bytes() / secondsPerCall / 1e9;
        }

        double gigaflops() {
            return work.flops() / secondsPerCall / 1e9;
        }
    }

    private RooflineTable() {
    }

    static void print(PrintStream out, Ceilings ceilings, List<Row> rows) {
        out.println();
        out.printf(Locale.ROOT, "Roofline: %d threads; ceilings measured here: memory read %.1f GB/s, f32 FMA %.1f "
                        + "GFLOP/s, bf16 GEMM %.1f GFLOP/s, int8 GEMM %.1f GOP/s (0: no oneDNN)%n", ceilings.threads(),
                ceilings.readGigabytesPerSecond(), ceilings.gigaflops(), ceilings.bf16Gigaflops(), ceilings.int8Gigaops());
        out.printf(Locale.ROOT, "%-10s %-50s %12s %7s %9s %8s %9s %8s%n", "benchmark", "parameters", "us/call", "±",
                "GB/s", "% read", "GFLOP/s", "% peak");
        for (Row row : rows) {
            String error = Double.isFinite(row.relativeError())
                    ? String.format(Locale.ROOT, "%.0f%%", 100 * row.relativeError()) : "n/a";
            out.printf(Locale.ROOT, "%-10s %-50s %12.1f %7s %9.2f %7.0f%% %9.2f %7.0f%%%n", row.benchmark(),
                    row.parameters(), row.secondsPerCall() * 1e6, error, row.gigabytesPerSecond(),
                    100 * row.gigabytesPerSecond() / ceilings.readGigabytesPerSecond(), row.gigaflops(),
                    100 * row.gigaflops() / ceilings.arithmeticCeiling(row.weights()));
        }
        out.println("± is JMH's 99.9% confidence interval around the time. GB/s and GFLOP/s count the least work a "
                + "call must do (every weight, input and output byte once; a multiply-add as 2 FLOPs); see "
                + "org.yalis.benchmarks.Work. % peak is against the fastest arithmetic for the row's weights: the bf16 "
                + "GEMM rate for BF16, the int8 one for Q8_0, the f32 FMA rate otherwise.");
    }
}
