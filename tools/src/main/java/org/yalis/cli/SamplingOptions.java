package org.yalis.cli;

import java.io.PrintWriter;

import picocli.CommandLine.Option;

import org.yalis.engine.YalisException;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.sample.SamplingParams;

/** The sampling flags of {@code generate} and {@code chat}. */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T",
            description = "0 is greedy. Default: the model's generation_config.json, else greedy.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens (0: all). Default: the model's generation_config.json, else all.")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Keep the smallest set of tokens with mass >= P, in (0, 1]. Default: the model's generation_config.json, else 1.")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default: random, printed on stderr).")
    Long seed;

    /** The sampling these flags ask for, over the model's generation_config.json defaults. */
    SamplingParams resolve(GenerationDefaults defaults, PrintWriter err) {
        double t = temperature != null ? temperature : defaults.temperature();
        int k = topK != null ? topK : (temperature != null && !defaults.doSample() ? 0 : defaults.topK());
        double p = topP != null ? topP : (temperature != null && !defaults.doSample() ? 1 : defaults.topP());
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        SamplingParams params = new SamplingParams(t, k, p, s);
        if (params.isGreedy() && (topK != null || topP != null)) {
            // Greedy decoding takes the most likely token: a top-k or top-p filter would change nothing,
            // and silently ignoring the flag hides that the run is not sampling at all.
            throw new YalisException((topK != null ? "--top-k" : "--top-p") + " has no effect with greedy decoding"
                    + (temperature == null ? " (no --temperature given, and the model's generation_config.json does "
                    + "not sample)" : " (--temperature 0)") + "; add --temperature T (T > 0) to sample, or drop it");
        }
        if (!params.isGreedy() && seed == null) {
            err.println("sampling with seed " + s + " (pass --seed to repeat this run)");
        }
        return params;
    }

}
