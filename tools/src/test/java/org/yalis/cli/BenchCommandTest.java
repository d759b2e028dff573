package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.testing.TestModels;

class BenchCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Yalis.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    private static String[] bench(Path model, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("bench", "--model", model.toString(), "--batch", "2",
                "--prompt-len", "12", "--decode-len", "9", "--warmup", "1", "--repeat", "3", "--membw-gbps", "20",
                "--json"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void breakdownAddsUpToTheStepsAndCollectivesHaveThePredictedSizes(@TempDir Path temp) throws Exception {
        Path model = TestModels.writeTinyModel(temp.resolve("tiny"), org.yalis.engine.tensor.DType.F32, 3);
        Run result = run(bench(model, "--tp", "2"));
        assertEquals(0, result.code(), result.err());
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals("batch_2_prompt_12_decode_9", json.get("key").asText());
        for (String phase : List.of("prefill", "decode")) {
            JsonNode row = json.get("breakdown").get(phase);
            double sum = row.get("gemm_ms").asDouble() + row.get("attention_ms").asDouble()
                    + row.get("collective_ms").asDouble() + row.get("other_ms").asDouble();
            assertEquals(row.get("step_ms").asDouble(), sum, 0.1 * row.get("step_ms").asDouble(), phase + ": " + row);
            assertTrue(row.get("collective_ms").asDouble() > 0, phase + " has all-reduces with --tp 2");
        }
        assertEquals(8, json.get("breakdown").get("decode").get("steps").asInt(), "9 new tokens: 1 from prefill");
        // Decode all-reduces carry batch x hidden f32 values (the tiny preset: hidden 128), and the
        // vocabulary-parallel LM head gathers each rank's batch x vocab/2 logits (vocab 512).
        JsonNode decodeMessages = json.get("collectives").get("decode").get("message_bytes");
        assertEquals(List.of(String.valueOf(2 * 128 * 4), String.valueOf(2 * 256 * 4)), iterable(decodeMessages));
        assertEquals(2 * 8 * 2, decodeMessages.get(String.valueOf(2 * 128 * 4)).asInt(), "2 per layer, 8 steps");
        JsonNode roofline = json.get("roofline");
        assertTrue(roofline.get("weight_bytes_per_step").asLong() > 0);
        assertTrue(roofline.get("decode_efficiency").asDouble() > 0);
        assertTrue(json.get("median").get("decode_tokens_per_s").asDouble() > 0);
    }

    @Test
    void withoutProfilingOnlyTheTimingsAreReported(@TempDir Path temp) throws Exception {
        Path model = TestModels.writeTinyModel(temp.resolve("tiny"), org.yalis.engine.tensor.DType.F32, 5);
        Run result = run(bench(model, "--no-profile"));
        assertEquals(0, result.code(), result.err());
        JsonNode json = new ObjectMapper().readTree(result.out());
        assertEquals(false, json.get("profiled").asBoolean());
        assertEquals(0, json.get("breakdown").get("decode").get("steps").asInt(), "no breakdown without profiling");
        double tokensPerSecond = json.get("median").get("decode_tokens_per_s").asDouble();
        assertTrue(tokensPerSecond > 0);
        // The step time comes from the throughput: batch 2 decodes 2 tokens per step.
        assertEquals(2 * 1000.0 / tokensPerSecond, json.get("roofline").get("measured_decode_step_ms").asDouble(),
                0.01 * 2000.0 / tokensPerSecond + 0.001);
    }

    @Test
    void theBaselineGatePassesOnItselfAndFailsOnAnUnreachableBaseline(@TempDir Path temp) throws Exception {
        Path model = TestModels.writeTinyModel(temp.resolve("tiny"), org.yalis.engine.tensor.DType.F32, 4);
        Path baseline = temp.resolve("baseline.json");
        Run itself = run(bench(model, "--save-baseline", baseline.toString(), "--baseline", baseline.toString()));
        assertEquals(0, itself.code(), itself.err());
        assertTrue(itself.err().contains("no regression"), itself.err());

        ObjectMapper mapper = new ObjectMapper();
        ObjectNode saved = (ObjectNode) mapper.readTree(baseline.toFile());
        ObjectNode entry = (ObjectNode) saved.get("batch_2_prompt_12_decode_9");
        // A baseline no run of this tiny model reaches (a baseline merely 2x faster made the gate depend on
        // how warm the JIT was for the second run).
        for (String field : List.of("prefill_tokens_per_s", "decode_tokens_per_s")) {
            entry.put(field, 1e12);
        }
        Files.writeString(baseline, mapper.writeValueAsString(saved));
        Run slower = run(bench(model, "--baseline", baseline.toString()));
        assertEquals(BenchCommand.EXIT_REGRESSION, slower.code(), slower.err());
        assertTrue(slower.err().contains("regression: "), slower.err());
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
