package org.yalis.cli;

import picocli.CommandLine.Option;

import org.yalis.engine.EngineOptions;
import org.yalis.engine.Quantization;

/** {@code --batch-invariant} and {@code --quantize}: how the CPU backend computes, shared by generate and bench. */
final class CpuComputeOptions {

    @Option(names = "--batch-invariant",
            description = "Compute every token with the same operations whatever its batch (the Vector API kernels for "
                    + "every product, no library GEMM): batched output equals one-at-a-time output bit for bit, at the "
                    + "cost of slower prefill (docs/benchmarks.md).")
    boolean batchInvariant;

    @Option(names = "--quantize", paramLabel = "none|q8", defaultValue = "none",
            description = "Store the linear layers' weights as q8 (blocks of 32 int8 with an f16 scale, llama.cpp's Q8_0; "
                    + "quantized at load) or as the checkpoint has them (default: ${DEFAULT-VALUE}). CPU only.")
    String quantize;

    EngineOptions.Builder applyTo(EngineOptions.Builder builder) {
        return builder.batchInvariant(batchInvariant).quantization(Quantization.parse(quantize));
    }
}
