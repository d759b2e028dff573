package org.yalis.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * The benchmarks jar's entry point: JMH with its usual command line (a benchmark regex, -p, -wi,
 * -i, -f, ...), then the roofline table of what ran. The ceilings are measured in this JVM before
 * and after the run, while no benchmark competes for the cores, and the better of the two is kept:
 * a ceiling is the best this machine does, and on a shared machine one measurement may be unlucky.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions options = new CommandLineOptions(args);
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        Ceilings before = Ceilings.measure(Llama1B.threads());
        Collection<RunResult> results = new Runner(options).run();
        if (results.isEmpty()) {
            return;
        }
        List<RooflineTable.Row> rows = new ArrayList<>();
        for (RunResult result : results) {
            rows.add(row(result));
        }
        RooflineTable.print(System.out, before.best(Ceilings.measure(Llama1B.threads())), rows);
    }

    private static RooflineTable.Row row(RunResult result) {
        BenchmarkParams params = result.getParams();
        String benchmark = params.getBenchmark();
        StringBuilder parameters = new StringBuilder();
        for (String key : params.getParamsKeys()) {
            if (key.equals("coldSetMiB") && params.getParam(key).equals(Llama1B.COLD_SET_MIB)) {
                continue;   // the default, the same in every row: only a changed one is worth a column
            }
            parameters.append(parameters.isEmpty() ? "" : " ").append(key).append('=').append(params.getParam(key));
        }
        double score = result.getPrimaryResult().getScore();
        return new RooflineTable.Row(benchmark.substring(benchmark.lastIndexOf('.') + 1), parameters.toString(),
                secondsPerCall(params.getMode(), params.getTimeUnit(), score),
                result.getPrimaryResult().getScoreError() / score, Workloads.of(benchmark, params::getParam));
    }

    /** JMH scores time per call in every mode but throughput, which is calls per time unit. */
    static double secondsPerCall(Mode mode, TimeUnit unit, double score) {
        double unitSeconds = unit.toNanos(1) / 1e9;
        return mode == Mode.Throughput ? unitSeconds / score : score * unitSeconds;
    }
}
