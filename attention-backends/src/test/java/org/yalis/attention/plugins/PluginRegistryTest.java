package org.yalis.attention.plugins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tensor.ComputeBackends;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * Backends are plug-ins: a collective and a compute backend that only this module's test class path
 * registers (META-INF/services, no engine edit) are listed by the registries and chosen by name, and a
 * generation over them, on two ranks, gives the tokens of the built-in cpu backend and local collective.
 */
class PluginRegistryTest {
    @Test
    void aCollectiveAndAComputeBackendFromTheClassPathAreSelectedByName() {
        assertTrue(CollectiveBackends.names().contains("recording"), CollectiveBackends.names());
        assertTrue(ComputeBackends.names().contains("counting-cpu"), ComputeBackends.names());
        Path model = TestModels.requireStories260K();
        int[] prompt;
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            prompt = tokenizer.encode("Once upon a time");
        }
        List<Request> requests = List.of(new Request(prompt, 24, SamplingParams.greedy(), true));
        EngineOptions builtIn = EngineOptions.builder(model).batchInvariant(true).tensorParallel(2, 1).build();
        EngineOptions plugins = builtIn.toBuilder().device("counting-cpu").attention("cpu").collective("recording")
                .collectivePrefill("recording").collectiveDecode("recording").build();
        Completion expected;
        try (Engine engine = Engine.load(ModelFolder.open(model), builtIn, null)) {
            expected = engine.generate(requests, GenerationListener.NONE).getFirst();
        }
        long allReducesBefore = RecordingCollective.ALL_REDUCES.get();
        long matmulsBefore = CountingCpuProvider.MATMULS.get();
        try (Engine engine = Engine.load(ModelFolder.open(model), plugins, null)) {
            Completion completion = engine.generate(requests, GenerationListener.NONE).getFirst();
            assertArrayEquals(expected.generatedIds(), completion.generatedIds());
        }
        assertTrue(RecordingCollective.ALL_REDUCES.get() > allReducesBefore, "the recording collective all-reduced");
        assertTrue(CountingCpuProvider.MATMULS.get() > matmulsBefore, "the counting backend multiplied");
    }
}
