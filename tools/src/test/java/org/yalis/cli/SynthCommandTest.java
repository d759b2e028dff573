package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.synth.ModelPreset;

class SynthCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Yalis.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void writesTheExactShapesDeterministicallyAndNeverZeros(@TempDir Path temp) throws Exception {
        Path first = temp.resolve("a");
        Path second = temp.resolve("b");
        Path other = temp.resolve("c");
        assertEquals(0, run("synth", "--preset", "tiny", "--dtype", "bf16", "--out", first.toString()).code());
        assertEquals(0, run("synth", "--preset", "tiny", "--dtype", "bf16", "--out", second.toString()).code());
        assertEquals(0, run("synth", "--preset", "tiny", "--dtype", "bf16", "--out", other.toString(), "--seed", "7")
                .code());
        assertArrayEquals(Files.readAllBytes(first.resolve("model.safetensors")),
                Files.readAllBytes(second.resolve("model.safetensors")), "same seed, same bytes");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(first.resolve("model.safetensors")),
                Files.readAllBytes(other.resolve("model.safetensors"))), "another seed, other weights");

        ModelPreset tiny = ModelPreset.named("tiny").orElseThrow();
        JsonNode config = new ObjectMapper().readTree(first.resolve("config.json").toFile());
        assertEquals(tiny.hiddenSize(), config.get("hidden_size").asInt());
        assertEquals(tiny.heads(), config.get("num_attention_heads").asInt());
        assertEquals(tiny.kvHeads(), config.get("num_key_value_heads").asInt());
        assertEquals("bfloat16", config.get("torch_dtype").asText());
        try (Arena arena = Arena.ofConfined()) {
            Checkpoint checkpoint = Checkpoint.open(first, arena);
            long parameters = 0;
            for (CheckpointTensor tensor : checkpoint.tensors().values()) {
                parameters += tensor.elementCount();
                double sumOfSquares = 0;
                for (long i = 0; i < tensor.elementCount(); i++) {
                    float value = Numerics.load(tensor.asMatrix(), i);
                    assertNotEquals(0f, value, tensor.name() + "[" + i + "]");
                    sumOfSquares += value * value;
                }
                assertTrue(sumOfSquares / tensor.elementCount() > 1e-4, tensor.name() + " is not near zero");
            }
            assertEquals(tiny.parameters(), parameters);
        }
        // The byte tokenizer round-trips text through the model's vocabulary.
        Run generated = run("generate", "--model", first.toString(), "--prompt", "héllo", "--max-new-tokens", "2",
                "--json", "--ignore-eos");
        assertEquals(0, generated.code(), generated.err());
        JsonNode line = new ObjectMapper().readTree(generated.out());
        assertEquals(1 + "héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, line.get("prompt_ids").size());
    }

    @Test
    void neverReplacesAFolderOrFileThatExists(@TempDir Path temp) throws Exception {
        Path model = temp.resolve("model");
        Files.createDirectories(model);
        Path precious = model.resolve("notes.txt");
        Files.writeString(precious, "mine");
        Run refused = run("synth", "--preset", "tiny", "--out", model.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("already exists and is not empty"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertEquals("mine", Files.readString(precious), "the folder's file is untouched");
        try (var entries = Files.list(temp)) {
            assertEquals(1, entries.count(), "no temporary folder left beside it");
        }

        Path file = temp.resolve("a-file");
        Files.writeString(file, "data");
        Run notAFolder = run("synth", "--preset", "tiny", "--out", file.toString());
        assertEquals(1, notAFolder.code());
        assertTrue(notAFolder.err().contains("is not a folder"), notAFolder.err());
        assertEquals("data", Files.readString(file));

        Path empty = temp.resolve("empty");
        Files.createDirectories(empty);
        assertEquals(0, run("synth", "--preset", "tiny", "--out", empty.toString()).code(), "an empty folder is fine");
        assertTrue(Files.isRegularFile(empty.resolve("model.safetensors")));
        Run again = run("synth", "--preset", "tiny", "--out", empty.toString());
        assertEquals(1, again.code(), "a second run does not replace the first model");
    }

    @Test
    void theLargestPresetNeedsForce(@TempDir Path temp) {
        Run refused = run("synth", "--preset", "llama-3.1-70b", "--out", temp.resolve("big").toString());
        assertEquals(Yalis.EXIT_ERROR, refused.code());
        assertTrue(refused.err().contains("--force"), refused.err());
        assertFalse(Files.exists(temp.resolve("big")));
        Run unknown = run("synth", "--preset", "llama-9", "--out", temp.resolve("x").toString());
        assertTrue(unknown.err().contains("available: tiny, llama-100m, llama-3.2-1b"), unknown.err());
    }

    @Test
    void synthModelNamesBuildOnceInTheCache(@TempDir Path cache) throws Exception {
        System.setProperty("yalis.cache", cache.toString());
        try {
            Run first = run("generate", "--model", "synth:tiny", "--prompt", "hi", "--max-new-tokens", "2", "--json");
            assertEquals(0, first.code(), first.err());
            Path folder = cache.resolve("synth/tiny-bf16");
            assertTrue(Files.isRegularFile(folder.resolve("model.safetensors")));
            long written = Files.getLastModifiedTime(folder.resolve("model.safetensors")).toMillis();
            Run second = run("generate", "--model", "synth:tiny", "--prompt", "hi", "--max-new-tokens", "2", "--json");
            assertEquals(0, second.code(), second.err());
            assertEquals(written, Files.getLastModifiedTime(folder.resolve("model.safetensors")).toMillis(),
                    "the cached model is reused");
            JsonNode firstLine = new ObjectMapper().readTree(first.out());
            JsonNode secondLine = new ObjectMapper().readTree(second.out());
            assertEquals(firstLine.get("generated_ids"), secondLine.get("generated_ids"), "same model, same tokens");
        } finally {
            System.clearProperty("yalis.cache");
        }
    }
}
