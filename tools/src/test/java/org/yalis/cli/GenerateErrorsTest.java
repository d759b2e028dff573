package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.bindings.cuda.CudaAvailability;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.FolderSnapshot;
import org.yalis.engine.testing.TestModels;

/**
 * {@code yalis generate} on bad input, in-process: every case exits non-zero with exactly one
 * {@code error: ...} line on stderr that names the cause, and no stack trace. Synthetic tiny models
 * keep these independent of the shared model folder.
 */
class GenerateErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One intact tiny model, written once; cases that break a model break a copy of it. */
    @TempDir
    static Path shared;

    private static Path tiny;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeTinyModel() throws IOException {
        tiny = TestModels.writeTinyModel(shared.resolve("tiny"), DType.F32, 42);
    }

    // --- running the CLI -----------------------------------------------------------------------

    record Run(int exitCode, String out, String err) {
        /** Non-empty stderr lines, without the JVM's own "WARNING:" lines. */
        List<String> errLines() {
            return err.lines().filter(line -> !line.isBlank()).filter(line -> !line.startsWith("WARNING:")).toList();
        }
    }

    static Run yalis(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Yalis.execute(args, o, e);
        }
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * {@code generate --model model} plus {@code args}, with {@code --max-new-tokens 2} unless they set it;
     * asserts that the folder of the model (its parent, when {@code model} is a file) is as it was before.
     */
    static Run generate(Path model, String... args) {
        List<String> all = new ArrayList<>(List.of("generate", "--model", model.toString()));
        if (!Arrays.asList(args).contains("--max-new-tokens")) {
            all.addAll(List.of("--max-new-tokens", "2"));
        }
        all.addAll(Arrays.asList(args));
        Path folder = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        FolderSnapshot before = FolderSnapshot.of(folder);
        Run run = yalis(all.toArray(String[]::new));
        assertEquals(before, FolderSnapshot.of(folder), "no file of " + folder + " changed");
        return run;
    }

    /**
     * Exit code {@code exitCode}, one stderr line {@code error: ...} containing every fragment, no
     * stack trace, and no "internal error" (which is how the CLI reports a bug, not bad input).
     */
    static String assertCleanError(Run run, int exitCode, String... fragments) {
        String context = "exit " + run.exitCode() + ", stderr:\n" + run.err();
        assertEquals(exitCode, run.exitCode(), context);
        List<String> lines = run.errLines();
        assertEquals(1, lines.size(), "exactly one line on stderr; " + context);
        String line = lines.getFirst();
        assertTrue(line.startsWith("error: "), context);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), "the error should contain '" + fragment + "'; " + context);
        }
        assertFalse(run.err().contains("\tat "), "no stack trace; " + context);
        assertFalse(run.err().contains("Exception"), "no exception names; " + context);
        assertFalse(line.contains("internal error"), "bad input is not an internal error; " + context);
        return line;
    }

    static String assertCleanError(Run run, String... fragments) {
        return assertCleanError(run, Yalis.EXIT_ERROR, fragments);
    }

    // --- breaking model folders ----------------------------------------------------------------

    private Path copyOfTiny() throws IOException {
        return TestModels.copyModel(tiny, dir.resolve("model"));
    }

    private static void editConfig(Path model, Consumer<ObjectNode> edit) throws IOException {
        Path file = model.resolve(ModelFolder.CONFIG);
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(config);
        JSON.writeValue(file.toFile(), config);
    }

    /** Rewrites a safetensors header (the tensor bytes stay as they are; offsets are relative to them). */
    private static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectNode header = (ObjectNode) JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] json = JSON.writeValueAsBytes(header);
        ByteBuffer rewritten = ByteBuffer.allocate(8 + json.length + bytes.length - 8 - (int) headerLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        rewritten.putLong(json.length).put(json).put(bytes, 8 + (int) headerLength, bytes.length - 8 - (int) headerLength);
        Files.write(file, rewritten.array());
    }

    private static long dataBytes(Path file) throws IOException {
        byte[] head = new byte[8];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.read(ByteBuffer.wrap(head));
            return channel.size() - 8 - ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    // --- missing or unsupported model folders --------------------------------------------------

    @Test
    void missingModelFolder() {
        Path missing = dir.resolve("no-such-model");

        assertCleanError(generate(missing, "--prompt", "hi"), missing.toString(), "does not exist");
    }

    @Test
    void modelIsAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "x");

        assertCleanError(generate(file, "--prompt", "hi"), file.toString(), "is a file, not a folder");
    }

    @Test
    void noConfigJson() throws IOException {
        Path model = copyOfTiny();
        Files.delete(model.resolve("config.json"));

        assertCleanError(generate(model, "--prompt", "hi"), "has no config.json");
    }

    @Test
    void noTokenizerJson() throws IOException {
        Path model = copyOfTiny();
        Files.delete(model.resolve("tokenizer.json"));

        assertCleanError(generate(model, "--prompt", "hi"), "has no tokenizer.json");
    }

    @Test
    void tokenizerJsonThatIsNotATokenizer() throws IOException {
        Path model = copyOfTiny();
        Files.writeString(model.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");

        assertCleanError(generate(model, "--prompt", "hi"), "cannot load tokenizer", "tokenizer.json");
    }

    @Test
    void noWeights() throws IOException {
        Path model = copyOfTiny();
        Files.delete(model.resolve(Checkpoint.SINGLE_FILE));

        assertCleanError(generate(model, "--prompt", "hi"), "no model.safetensors or model.safetensors.index.json");
    }

    @Test
    void onlyPytorchWeights() throws IOException {
        Path model = copyOfTiny();
        Files.move(model.resolve(Checkpoint.SINGLE_FILE), model.resolve("pytorch_model.bin"));

        assertCleanError(generate(model, "--prompt", "hi"), "only PyTorch .bin weights", "convert them to safetensors");
    }

    @Test
    void unsupportedModelType() throws IOException {
        Path model = copyOfTiny();
        editConfig(model, config -> {
            config.put("model_type", "qwen2");
            config.putArray("architectures").add("Qwen2ForCausalLM");
        });

        assertCleanError(generate(model, "--prompt", "hi"), "unsupported model_type 'qwen2'", "Qwen2ForCausalLM");
    }

    @Test
    void configThatIsNotJson() throws IOException {
        Path model = copyOfTiny();
        Files.writeString(model.resolve("config.json"), "{\"model_type\": ");

        assertCleanError(generate(model, "--prompt", "hi"), "config.json is not valid JSON");
    }

    // --- corrupt weights -----------------------------------------------------------------------

    @Test
    void truncatedSafetensors() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }

        assertCleanError(generate(model, "--prompt", "hi"), weights.toString(), "is corrupt", "outside the",
                "truncated download");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        long size = Files.size(weights);
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, size), 0);
        }

        assertCleanError(generate(model, "--prompt", "hi"), weights.toString(), "is corrupt",
                "header claims " + size + " bytes");
    }

    @Test
    void weightsFileShorterThanTheLengthField() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        Files.write(weights, new byte[3]);

        assertCleanError(generate(model, "--prompt", "hi"), weights.toString(), "is corrupt", "3 bytes");
    }

    @Test
    void tensorOffsetsOutsideTheData() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        long data = dataBytes(weights);
        editHeader(weights, header -> {
            ObjectNode norm = (ObjectNode) header.get("model.norm.weight");
            long begin = norm.get("data_offsets").get(0).asLong();
            norm.putArray("data_offsets").add(begin + data).add(begin + data + 512);
        });

        assertCleanError(generate(model, "--prompt", "hi"), weights.toString(), "is corrupt",
                "tensor 'model.norm.weight'", "outside the " + data + " data bytes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"F8_E4M3", "I64"})
    void unknownDtype(String dtype) throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        editHeader(weights, header -> ((ObjectNode) header.get("model.layers.1.mlp.up_proj.weight")).put("dtype", dtype));

        String line = assertCleanError(generate(model, "--prompt", "hi"), weights.toString(),
                "tensor 'model.layers.1.mlp.up_proj.weight' has dtype '" + dtype + "'", "supported: F32, BF16, F16",
                "convert the checkpoint");
        assertFalse(line.contains("corrupt"), "an unsupported dtype is not a corrupt file: " + line);
    }

    @Test
    void tensorsThatShareBytes() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        // Layer 1's q_proj claims layer 0's bytes (same shape, so every other check passes).
        editHeader(weights, header -> ((ObjectNode) header.get("model.layers.1.self_attn.q_proj.weight"))
                .set("data_offsets", header.get("model.layers.0.self_attn.q_proj.weight").get("data_offsets").deepCopy()));

        assertCleanError(generate(model, "--prompt", "hi"), weights.toString(), "is corrupt", "share bytes",
                "model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.q_proj.weight");
    }

    /** Writes {@code value} over element {@code index} of tensor {@code name} (f32) in a safetensors file. */
    private static void setElement(Path file, String name, long index, float value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        long begin = header.get(name).get("data_offsets").get(0).asLong();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer element = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).flip();
            channel.write(element, 8 + headerLength + begin + 4 * index);
        }
    }

    @Test
    void aWeightThatIsNotFinite() throws IOException {
        Path model = copyOfTiny();
        setElement(model.resolve(Checkpoint.SINGLE_FILE), "model.layers.1.mlp.down_proj.weight", 77, Float.NaN);

        assertCleanError(generate(model, "--prompt", "hi"), "tensor 'model.layers.1.mlp.down_proj.weight'",
                "holds NaN at element 77", "must be finite", "re-download it");
    }

    @Test
    void logitsThatOverflowStopTheRunInsteadOfSamplingNonsense() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        int hidden = JSON.readTree(model.resolve(ModelFolder.CONFIG).toFile()).get("hidden_size").asInt();
        for (int i = 0; i < hidden; i++) {
            // Finite weights whose product overflows f32: the final norm scales every feature by ~3e38.
            setElement(weights, "model.norm.weight", i, Float.MAX_VALUE);
        }

        // The run gets as far as the first step, so the load line comes first; the error is the last line.
        Run run = generate(model, "--prompt", "hi");
        assertEquals(Yalis.EXIT_ERROR, run.exitCode(), run.err());
        String last = run.errLines().getLast();
        assertTrue(last.startsWith("error: step 1 (prefill) computed NaN or infinite logits for prompt(s) [1]"), last);
        assertTrue(last.contains("weights are finite"), last);
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), run.err());
        assertEquals("hi", run.out().strip(), "the prompt, and nothing sampled from NaN after it");
        assertEquals("hi\n", run.out(), "the streamed line is ended, so the error in a terminal starts on its own");
    }

    @Test
    void topKOrTopPWithGreedyDecoding() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--top-k", "5"), "--top-k has no effect with greedy decoding",
                "add --temperature");
        assertCleanError(generate(tiny, "--prompt", "hi", "--top-p", "0.9", "--temperature", "0"),
                "--top-p has no effect with greedy decoding", "(--temperature 0)");
    }

    @Test
    void aMisspeltFlagIsAnsweredWithTheNearestOnes() {
        Run run = generate(tiny, "--promt", "hi");
        String line = assertCleanError(run, Yalis.EXIT_USAGE, "Unknown option", "--promt", "did you mean --prompt");
        assertTrue(line.contains("--help"), line);
    }

    @Test
    void promptsFromStandardInput() {
        java.io.InputStream before = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("{\"prompt\": \"hi\"}\n\"there\"\n"
                    .getBytes(StandardCharsets.UTF_8)));
            Run run = generate(tiny, "--prompts-file", "-", "--json", "--ignore-eos");
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(2, run.out().lines().count(), run.out());
        } finally {
            System.setIn(before);
        }
    }

    @Test
    void aPromptsFileThatIsAFolder() {
        assertCleanError(generate(tiny, "--prompts-file", dir.toString()), "prompts file " + dir, "is a folder");
    }

    @Test
    void malformedJsonIsReportedByLineAndColumnWithoutTheParsersInternals() throws IOException {
        Path model = copyOfTiny();
        Files.writeString(model.resolve(ModelFolder.CONFIG), "{\n  \"hidden_size\": 64,\n  oops\n}");

        String line = assertCleanError(generate(model, "--prompt", "hi"), "config.json is not valid JSON",
                "line 3, column", "re-download");
        assertFalse(line.contains("Source") || line.contains("REDACTED") || line.contains("byte[]"), line);
    }

    @Test
    void aCommBenchMessageTooLargeForMemory() {
        assertCleanError(yalis("comm-bench", "--ranks", "2", "--ops", "all-reduce", "--max-bytes", "1TiB"),
                "--max-bytes 1024.00 GiB needs about", "of memory is available", "lower --max-bytes");
    }

    @Test
    void tensorShapeDisagreesWithTheConfig() throws IOException {
        Path model = copyOfTiny();
        Path weights = model.resolve(Checkpoint.SINGLE_FILE);
        // Same bytes, transposed shape: the file is consistent, the model is not.
        editHeader(weights, header -> ((ObjectNode) header.get("model.layers.0.mlp.up_proj.weight"))
                .putArray("shape").add(128).add(344));

        assertCleanError(generate(model, "--prompt", "hi"), "tensor 'model.layers.0.mlp.up_proj.weight'",
                "has shape [128, 344] but config.json implies [344, 128]", "do not match config.json");
    }

    @Test
    void configHiddenSizeDisagreesWithTheWeights() throws IOException {
        Path model = copyOfTiny();
        editConfig(model, config -> config.put("hidden_size", 64));

        assertCleanError(generate(model, "--prompt", "hi"), "tensor 'model.embed_tokens.weight'",
                "has shape [512, 128] but config.json implies [512, 64]");
    }

    @Test
    void tensorMissingFromTheCheckpoint() throws IOException {
        Path model = copyOfTiny();
        editConfig(model, config -> config.put("num_hidden_layers", 3));

        assertCleanError(generate(model, "--prompt", "hi"), "no tensor 'model.layers.2.input_layernorm.weight'");
    }

    // --- prompts and sampling ------------------------------------------------------------------

    @Test
    void promptLongerThanTheContext() throws IOException {
        Path model = copyOfTiny();
        editConfig(model, config -> config.put("max_position_embeddings", 16));
        String prompt = "a prompt much longer than sixteen byte tokens";

        // BOS plus one token per byte.
        assertCleanError(generate(model, "--prompt", prompt), "prompt 1 has " + (prompt.length() + 1) + " tokens",
                "context is 16", "at most 15 tokens");
    }

    @Test
    void secondPromptLongerThanTheContext() throws IOException {
        Path model = copyOfTiny();
        editConfig(model, config -> config.put("max_position_embeddings", 16));

        assertCleanError(generate(model, "--prompt", "short", "--prompt", "x".repeat(15)),
                "prompt 2 has 16 tokens", "context is 16");
    }

    @Test
    void negativeTemperature() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--temperature=-0.5"), "--temperature", "got -0.5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1.5", "-1"})
    void topPOutsideZeroToOne(String topP) {
        assertCleanError(generate(tiny, "--prompt", "hi", "--temperature", "0.8", "--seed", "1", "--top-p=" + topP),
                "--top-p must be in (0, 1]", "got " + Double.parseDouble(topP));
    }

    @Test
    void negativeTopK() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--temperature", "0.8", "--seed", "1", "--top-k=-1"),
                "--top-k must be >= 0");
    }

    @Test
    void zeroMaxNewTokens() {
        assertCleanError(yalis("generate", "--model", tiny.toString(), "--prompt", "hi", "--max-new-tokens", "0"),
                "--max-new-tokens must be at least 1");
    }

    @Test
    void noPromptAtAll() {
        assertCleanError(generate(tiny), "no prompt given", "--prompt", "--prompts-file");
    }

    @Test
    void promptsFileLineThatIsNotJson() throws IOException {
        Path file = Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"fine\"}\n\n{\"prompt\": oops}\n");

        assertCleanError(generate(tiny, "--prompts-file", file.toString()), "line 3 of " + file, "is not JSON");
    }

    @Test
    void promptsFileLineWithoutAPrompt() throws IOException {
        Path file = Files.writeString(dir.resolve("prompts.jsonl"), "{\"text\": \"no prompt key\"}\n");

        assertCleanError(generate(tiny, "--prompts-file", file.toString()), "line 1 of " + file,
                "no \"prompt\" string");
    }

    @Test
    void missingPromptsFile() {
        Path file = dir.resolve("absent.jsonl");

        assertCleanError(generate(tiny, "--prompts-file", file.toString()), "prompts file " + file, "does not exist");
    }

    // --- engine options ------------------------------------------------------------------------

    /** The tiny model's KV block: 2 (K, V) x 2 layers x 16 tokens x 2 KV heads x 32 dims x 4 bytes. */
    private static final int TINY_BLOCK_BYTES = 2 * 2 * 16 * 2 * 32 * 4;

    @Test
    void kvPoolTooSmallForOneSequence() {
        Run run = generate(tiny, "--prompt", "hello", "--kv-cache-memory", String.valueOf(TINY_BLOCK_BYTES),
                "--max-new-tokens", "100", "--ignore-eos");

        // 6 prompt tokens + 100 new, the last never cached: 105 tokens, 7 blocks of 16.
        assertCleanError(run, "holds 1 blocks of 16 tokens", "needs 7 blocks", "raise --kv-cache-memory",
                "lower --max-new-tokens");
    }

    @Test
    void kvCacheMemoryTooSmallForOneBlock() {
        Run run = generate(tiny, "--prompt", "hello", "--kv-cache-memory", "1KiB");

        assertCleanError(run, "--kv-cache-memory 1.0 KiB holds no KV block", "16.0 KiB");
    }

    @Test
    void kvCacheMemoryBeyondTheMachinesMemory() {
        Run run = generate(tiny, "--prompt", "hello", "--kv-cache-memory", "1TiB");

        assertCleanError(run, "--kv-cache-memory 1024.00 GiB is more than", "of memory available", "give at most");
    }

    @Test
    void kvCacheMemoryThatIsNotASize() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--kv-cache-memory", "lots"), "cannot read 'lots' as a size");
    }

    @Test
    void unknownAttentionBackend() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--attention", "flash-attn-9"),
                "unknown attention backend 'flash-attn-9'", "available: cpu");
    }

    @Test
    void unknownDevice() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--device", "tpu"), "unknown --device 'tpu'",
                "available: cpu, cuda");
    }

    /** On a machine without a usable GPU (the build machines: a CUDA runtime, no driver) --device cuda says why. */
    @Test
    void cudaDeviceWithoutAGpuNamesTheCause() {
        CudaAvailability probe = GpuProbe.probe();
        if (probe.usable()) {
            System.err.println("SKIPPED (a GPU is present): this test checks the no-GPU error");
            Assumptions.abort("a GPU is present");
        }
        String line = assertCleanError(generate(tiny, "--prompt", "hi", "--device", "cuda"), "--device cuda: ",
                probe.reason());
        if (probe.runtimeLibrary().isPresent() && probe.driverVersion() == 0) {
            assertEquals("error: --device cuda: no CUDA driver (cudaGetDeviceCount: cudaErrorInsufficientDriver)", line);
        }
        assertCleanError(yalis("bench", "--model", tiny.toString(), "--device", "cuda"), "--device cuda: ",
                probe.reason());
        assertCleanError(yalis("bench", "--membw", "--device", "cuda"), "--device cuda: ", probe.reason());
    }

    @Test
    void cudaAttentionOnTheCpuDeviceListsWhatExists() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--attention", "cuda"),
                "attention backend 'cuda' cannot serve this run: it runs on [cuda], not on device 'cpu'",
                "available: cpu (devices cpu), cuda (devices cuda)");
    }

    @Test
    void cudaGraphsOnTheCpuDevice() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--cuda-graphs"),
                "--cuda-graphs needs --device cuda: graphs replay GPU launches, and the cpu backend has none to save");
    }

    @Test
    void cudaGraphsWithTheProfilerAskedFor() {
        // Refused before any GPU is looked for: the flags alone contradict each other.
        assertCleanError(yalis("bench", "--model", tiny.toString(), "--device", "cuda", "--cuda-graphs", "--profile"),
                "--cuda-graphs cannot be profiled", "measure with --no-profile");
    }

    @Test
    void cudaGraphsWithAHostCollectiveInDecode() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--device", "cuda", "--cuda-graphs", "--tp", "2",
                "--collective", "mpi"), "--cuda-graphs with tensor parallelism needs --collective-decode nccl");
    }

    @Test
    void unknownWeightsPlacement() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--weights", "disk"), "unknown --weights 'disk'");
    }

    @Test
    void kvBlockSizeZero() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--kv-block-size", "0"), "--kv-block-size must be at least 1");
    }

    @Test
    void threadsZero() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--threads", "0"), "--threads must be at least 1");
    }

    @Test
    void maxBatchZero() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--max-batch", "0"), "--max-batch must be at least 1");
    }

    // --- the command line itself ---------------------------------------------------------------

    @Test
    void unknownOption() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--no-such-flag"), Yalis.EXIT_USAGE,
                "Unknown option: '--no-such-flag'", "yalis generate --help");
    }

    @Test
    void optionValueOfTheWrongType() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--threads", "many"), Yalis.EXIT_USAGE, "--threads",
                "'many'");
    }

    @Test
    void missingModelOption() {
        assertCleanError(yalis("generate", "--prompt", "hi"), Yalis.EXIT_USAGE, "Missing required option",
                "--model");
    }

    @Test
    void unknownCommand() {
        assertCleanError(yalis("sreve"), Yalis.EXIT_USAGE, "'sreve'");
    }

    @Test
    void noCommand() {
        assertCleanError(yalis(), Yalis.EXIT_USAGE, "missing command: use one of generate, chat, serve, bench-serving, bench, comm-bench");
    }

    // --- special files, oversized values, every numeric flag out of range -------------------------

    /** A named pipe at {@code path} (nothing ever writes to it: reading it would wait forever). */
    private static Path fifo(Path path) throws IOException, InterruptedException {
        Files.deleteIfExists(path);
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        return path;
    }

    @ParameterizedTest(name = "{0} is a named pipe")
    @ValueSource(strings = {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
    void aModelFileThatIsAPipeIsRefusedNotWaitedOn(String name) throws Exception {
        Path model = copyOfTiny();
        fifo(model.resolve(name));

        assertCleanError(generate(model, "--prompt", "hi"), name, "is a pipe or a device, not a regular file");
    }

    @Test
    void weightsThatAreAPipe() throws Exception {
        Path model = copyOfTiny();
        fifo(model.resolve(Checkpoint.SINGLE_FILE));

        assertCleanError(generate(model, "--prompt", "hi"), Checkpoint.SINGLE_FILE);
    }

    @Test
    void aConfigThatIsADevice() throws IOException {
        Path model = copyOfTiny();
        Files.delete(model.resolve(ModelFolder.CONFIG));
        Files.createSymbolicLink(model.resolve(ModelFolder.CONFIG), Path.of("/dev/zero"));

        assertCleanError(generate(model, "--prompt", "hi"), "config.json in model folder", "is a pipe or a device");
    }

    @Test
    void aTokenizerThatIsAFolder() throws IOException {
        Path model = copyOfTiny();
        Files.delete(model.resolve(ModelFolder.TOKENIZER));
        Files.createDirectory(model.resolve(ModelFolder.TOKENIZER));

        assertCleanError(generate(model, "--prompt", "hi"), "tokenizer.json in model folder", "is a folder, not a file");
    }

    @Test
    void theModelIsADevice() {
        assertCleanError(generate(Path.of("/dev/null"), "--prompt", "hi"), "/dev/null");
    }

    @Test
    void anEmptyPromptsFileFromADevice() {
        assertCleanError(generate(tiny, "--prompts-file", "/dev/null"), "holds no prompts");
    }

    @Test
    void anEndlessPromptsFileIsCutAtItsCap() {
        assertCleanError(generate(tiny, "--prompts-file", "/dev/zero"), "holds more than 256 MiB");
    }

    @Test
    void aConfigJsonOfAbsurdSize() throws IOException {
        Path model = copyOfTiny();
        try (java.io.RandomAccessFile config = new java.io.RandomAccessFile(model.resolve(ModelFolder.CONFIG).toFile(),
                "rw")) {
            config.setLength(300L << 20);   // sparse: no disk used
        }

        assertCleanError(generate(model, "--prompt", "hi"), "config.json", "holds 300.0 MiB, more than the 256.0 MiB such a file can be");
    }

    @Test
    void aValueTooLargeForItsTypeIsAUsageError() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--max-new-tokens", "99999999999"), Yalis.EXIT_USAGE,
                "--max-new-tokens", "is not an int");
    }

    @Test
    void aHugeThreadCountIsRefusedBeforeAnyThreadStarts() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--threads", "100000"), "--threads must be at most",
                "per logical CPU");
    }

    @Test
    void aKvBlockLongerThanTheContext() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--kv-block-size", "1000000000"),
                "--kv-block-size 1000000000 is longer than a sequence can be");
    }

    @Test
    void aHugeStepTokenCapOnlySizesWhatAStepCanHold() {
        Run run = generate(tiny, "--prompt", "hi", "--max-step-tokens", "2147483647");
        assertEquals(0, run.exitCode(), run.err());
    }

    @ParameterizedTest(name = "generate {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--max-new-tokens | -5         | --max-new-tokens must be at least 1",
        "--temperature    | NaN        | --temperature must be a finite number >= 0",
        "--temperature    | Infinity   | --temperature must be a finite number >= 0",
        "--top-p          | NaN        | --top-p must be in (0, 1]",
        "--top-k          | -3         | --top-k",
        "--kv-block-size  | -1         | --kv-block-size must be at least 1",
        "--kv-cache-memory| -1         | --kv-cache-memory: size '-1' must be a non-negative number",
        "--threads        | -1         | --threads must be at least 1",
        "--max-batch      | -1         | --max-batch must be at least 1",
        "--max-step-tokens| 0          | --max-step-tokens must be at least 1",
        "--tp             | 0          | tensor-parallel dimensions must be at least 1",
        "--tp             | -2         | tensor-parallel dimensions must be at least 1",
        "--tp             | 1000       | splits heads over 1000 ranks",
        "--tp-dims        | 0,2        | tensor-parallel dimensions must be at least 1",
    })
    void everyNumericFlagOfGenerateOutOfRange(String flag, String value, String message) {
        List<String> args = new ArrayList<>(List.of("--prompt", "hi", flag, value));
        if (flag.startsWith("--top")) {
            args.addAll(List.of("--temperature", "1"));
        }
        assertCleanError(generate(tiny, args.toArray(String[]::new)), message);
    }

    @ParameterizedTest(name = "bench {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--batch      | 0    | --batch, --prompt-len, --decode-len and --repeat must be at least 1",
        "--prompt-len | 0    | --batch, --prompt-len, --decode-len and --repeat must be at least 1",
        "--decode-len | -1   | --batch, --prompt-len, --decode-len and --repeat must be at least 1",
        "--repeat     | 0    | --batch, --prompt-len, --decode-len and --repeat must be at least 1",
        "--warmup     | -1   | --warmup at least 0",
        "--membw-gbps | -5   | --membw-gbps must be a positive number",
        "--membw-gbps | NaN  | --membw-gbps must be a positive number",
        "--tolerance  | 2    | --tolerance must be in [0, 1)",
        "--threads    | 0    | --threads must be at least 1",
        "--prompt-len | 100000 | shorten it to at most",
    })
    void everyNumericFlagOfBenchOutOfRange(String flag, String value, String message) {
        Path folder = tiny;
        FolderSnapshot before = FolderSnapshot.of(folder);
        assertCleanError(yalis(withDefaults(List.of("bench", "--model", tiny.toString(), "--no-profile"),
                Map.of("--membw-gbps", "10", "--repeat", "1", "--warmup", "0"), flag, value)), message);
        assertEquals(before, FolderSnapshot.of(folder));
    }

    @ParameterizedTest(name = "comm-bench {0} {1}")
    @CsvSource(delimiter = '|', value = {
        "--ranks     | 0       | --ranks must be at least 1",
        "--ranks     | 100000  | in-process ranks are threads: at most",
        "--repeat    | 0       | --repeat must be at least 1",
        "--warmup    | -1      | --warmup at least 0",
        "--min-bytes | 2       | --min-bytes must be at least 4",
        "--max-bytes | 1TiB    | lower --max-bytes",
        "--max-bytes | lots    | --max-bytes: cannot read 'lots' as a size",
        "--grid      | 3,5     | --grid R,C must have R x C = the number of ranks",
    })
    void everyNumericFlagOfCommBenchOutOfRange(String flag, String value, String message) {
        assertCleanError(yalis(withDefaults(List.of("comm-bench", "--ops", "all-reduce"),
                Map.of("--max-bytes", "4KiB", "--repeat", "1", "--warmup", "0"), flag, value)), message);
    }

    /** {@code command}, then {@code flag value}, then each of {@code quick} that is not {@code flag}. */
    private static String[] withDefaults(List<String> command, Map<String, String> quick, String flag, String value) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(flag, value));
        quick.forEach((name, quickValue) -> {
            if (!name.equals(flag)) {
                args.addAll(List.of(name, quickValue));
            }
        });
        return args.toArray(String[]::new);
    }

    // --- the happy path ------------------------------------------------------------------------

    @Test
    void jsonOutputForTwoPrompts() throws IOException {
        Run run = generate(tiny, "--prompt", "Once upon", "--prompt", "", "--json", "--ignore-eos",
                "--max-new-tokens", "3");

        assertEquals(0, run.exitCode(), run.err());
        assertFalse(run.err().contains("error:"), run.err());
        List<String> lines = run.out().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(2, lines.size(), run.out());
        JsonNode first = JSON.readTree(lines.get(0));
        JsonNode second = JSON.readTree(lines.get(1));
        for (JsonNode line : List.of(first, second)) {
            assertEquals(List.of("prompt", "prompt_ids", "generated_ids", "text", "finish_reason", "metrics"),
                    fieldNames(line), line.toString());
            for (String metric : List.of("prefill_ms", "decode_ms", "prefill_tokens_per_s", "decode_tokens_per_s")) {
                assertTrue(line.get("metrics").get(metric).isNumber(), metric + " in " + line);
            }
            assertEquals(1, line.get("prompt_ids").get(0).asInt(), "BOS first: " + line);
            assertEquals(3, line.get("generated_ids").size(), "--ignore-eos runs to --max-new-tokens: " + line);
            assertEquals("length", line.get("finish_reason").asText(), line.toString());
            assertTrue(line.get("text").isTextual(), line.toString());
        }
        assertEquals("Once upon", first.get("prompt").asText());
        assertEquals(1 + "Once upon".length(), first.get("prompt_ids").size(), "BOS and one token per byte");
        assertEquals("", second.get("prompt").asText());
        assertEquals("[1]", second.get("prompt_ids").toString(), "an empty prompt is BOS only");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
