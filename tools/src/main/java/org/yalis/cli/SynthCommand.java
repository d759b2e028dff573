package org.yalis.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.Sizes;
import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.synth.ModelPreset;
import org.yalis.engine.synth.SyntheticModels;
import org.yalis.engine.tensor.DType;

/** {@code yalis synth}: writes a random-weight model with the shapes of a known one. */
@Command(name = "synth", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Write a random-weight Hugging Face Llama folder with a known model's exact shapes.")
final class SynthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "tiny, llama-3.2-1b, llama-3.2-3b, llama-3.1-8b or llama-3.1-70b.")
    String preset;

    @Option(names = "--dtype", paramLabel = "bf16|f32|f16", defaultValue = "bf16", description = "Weight dtype.")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Weights depend only on it.")
    long seed;

    @Option(names = "--force", description = "Allow presets over 40 GB (llama-3.1-70b).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        ModelPreset chosen = ModelPreset.named(preset).orElseThrow(() -> new YalisException(
                "unknown --preset '" + preset + "'; available: " + ModelPreset.names()));
        DType weights = DType.parse(dtype).orElseThrow(() -> new YalisException(
                "unknown --dtype '" + dtype + "'; use bf16, f32 or f16"));
        long bytes = chosen.parameters() * weights.byteSize();
        SyntheticModels.checkSize(chosen, weights, force);
        try {
            SyntheticModels.requireNothingToOverwrite(out);
        } catch (IOException e) {
            throw new YalisException(UserFiles.cannotRead(out, "--out", e));
        }
        err.printf(Locale.ROOT, "writing %s (%,d parameters, %s of %s weights) to %s%n", chosen.name(),
                chosen.parameters(), Sizes.format(bytes), dtype, out);
        err.flush();
        try {
            SyntheticModels.write(chosen, weights, seed, out);
        } catch (IOException e) {
            throw new YalisException(UserFiles.cannotWrite(out, "--out", e));
        }
        return 0;
    }
}
