package org.yalis.engine.model;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.yalis.engine.UserFiles;
import org.yalis.engine.testing.FuzzChecks;

/** Fuzz targets of a model folder's config.json and generation_config.json. */
class ModelConfigFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void aConfigJson(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> {
            LlamaConfig config = LlamaConfig.parse(UserFiles.parseJson(bytes, "config.json",
                    "re-download the model folder"), "config.json");
            // What loading derives from it next.
            config.qDim();
            config.kvDim();
            RotaryEmbedding.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        });
    }

    @FuzzTest(maxDuration = "10s")
    void aGenerationConfigJson(byte[] bytes) {
        FuzzChecks.acceptedOrRefusedInOneLine(() -> GenerationDefaults.fromJson(
                UserFiles.parseJson(bytes, "generation_config.json", "fix or delete it")));
    }
}
