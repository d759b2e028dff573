package org.yalis.benchmarks;

import java.util.function.Function;

import org.yalis.engine.tensor.DType;

/** The {@link Work} of one benchmark at its parameters, for the roofline table. */
final class Workloads {
    private Workloads() {
    }

    /**
     * @param benchmark the JMH benchmark name ({@code org.yalis.benchmarks.MatmulBenchmark.matmul})
     * @param param     a parameter's value by name
     */
    static Work of(String benchmark, Function<String, String> param) {
        String className = benchmark.substring(0, benchmark.lastIndexOf('.'));
        String simpleName = className.substring(className.lastIndexOf('.') + 1);
        return switch (simpleName) {
            case "MatmulBenchmark" -> MatmulBenchmark.work(MatmulBenchmark.Projection.valueOf(param.apply("projection")),
                    DType.valueOf(param.apply("weights")), Integer.parseInt(param.apply("tokens")));
            case "RmsnormBenchmark" -> RmsnormBenchmark.work(Integer.parseInt(param.apply("tokens")));
            case "RopeBenchmark" -> RopeBenchmark.work(Integer.parseInt(param.apply("tokens")));
            case "AttentionBenchmark" -> AttentionBenchmark.work(AttentionBenchmark.Phase.valueOf(param.apply("phase")));
            default -> throw new IllegalArgumentException("no work model for benchmark " + benchmark);
        };
    }
}
