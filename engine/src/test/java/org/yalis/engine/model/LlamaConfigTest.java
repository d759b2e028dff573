package org.yalis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.YalisException;
import org.yalis.engine.testing.TestModels;

/** Parsing and validating a Hugging Face Llama {@code config.json}. */
class LlamaConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WHERE = "/models/x/config.json";

    /** A valid Llama config with every field explicit (the synthetic tiny model's shapes). */
    static ObjectNode base() {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("LlamaForCausalLM");
        json.put("model_type", "llama");
        json.put("hidden_size", 128);
        json.put("intermediate_size", 344);
        json.put("num_hidden_layers", 2);
        json.put("num_attention_heads", 4);
        json.put("num_key_value_heads", 2);
        json.put("head_dim", 32);
        json.put("hidden_act", "silu");
        json.put("max_position_embeddings", 1024);
        json.put("rms_norm_eps", 1e-5);
        json.put("rope_theta", 10000.0);
        json.putNull("rope_scaling");
        json.put("attention_bias", false);
        json.put("mlp_bias", false);
        json.put("vocab_size", 512);
        json.put("tie_word_embeddings", true);
        json.put("bos_token_id", 1);
        json.put("eos_token_id", 2);
        return json;
    }

    private static LlamaConfig parse(ObjectNode json) {
        return LlamaConfig.parse(json, WHERE);
    }

    private static String parseFails(ObjectNode json, String... fragments) {
        YalisException e = assertThrows(YalisException.class, () -> parse(json));
        String message = e.getMessage();
        assertTrue(message.startsWith(WHERE + ": "), "message should name the file: " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "message should contain '" + fragment + "': " + message);
        }
        assertFalse(message.contains("\n"), message);
        return message;
    }

    @Test
    void baseConfigParses() {
        LlamaConfig config = parse(base());

        assertEquals("llama", config.modelType());
        assertEquals(128, config.hiddenSize());
        assertEquals(344, config.intermediateSize());
        assertEquals(2, config.layers());
        assertEquals(4, config.heads());
        assertEquals(2, config.kvHeads());
        assertEquals(32, config.headDim());
        assertEquals(128, config.qDim());
        assertEquals(64, config.kvDim());
        assertEquals(512, config.vocabSize());
        assertEquals(1024, config.maxPositions());
        assertEquals(new RopeScaling.None(), config.ropeScaling());
        assertEquals(1, config.bosTokenId());
        assertEquals(List.of(2), config.eosTokenIds());
    }

    @Test
    void stories260KConfig() {
        Path folder = TestModels.requireStories260K();

        LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));

        assertEquals("llama", config.modelType());
        assertEquals(64, config.hiddenSize());
        assertEquals(172, config.intermediateSize());
        assertEquals(5, config.layers());
        assertEquals(8, config.heads());
        assertEquals(4, config.kvHeads(), "grouped-query attention: 8 query heads share 4 KV heads");
        assertEquals(8, config.headDim());
        assertEquals(512, config.vocabSize());
        assertEquals(512, config.maxPositions());
        assertEquals(1e-5f, config.rmsNormEps());
        assertEquals(10000.0, config.ropeTheta());
        assertEquals(new RopeScaling.None(), config.ropeScaling());
        assertTrue(config.tieWordEmbeddings());
        assertEquals(1, config.bosTokenId());
        assertEquals(List.of(2), config.eosTokenIds());
    }

    @Test
    void headDimDefaultsToHiddenOverHeads() {
        ObjectNode json = base();
        json.remove("head_dim");
        json.put("hidden_size", 96);
        json.put("num_attention_heads", 6);
        json.put("num_key_value_heads", 3);

        LlamaConfig config = parse(json);

        assertEquals(16, config.headDim());
        assertEquals(96, config.qDim());
        assertEquals(48, config.kvDim());
    }

    @Test
    void nullHeadDimDefaultsToo() {
        ObjectNode json = base();
        json.putNull("head_dim");

        assertEquals(32, parse(json).headDim());
    }

    @Test
    void explicitHeadDimNeedNotDivideHidden() {
        ObjectNode json = base();
        json.put("head_dim", 64);   // as Gemma-style configs and some Llama fine-tunes have it

        LlamaConfig config = parse(json);

        assertEquals(64, config.headDim());
        assertEquals(256, config.qDim());
    }

    @Test
    void hiddenNotAMultipleOfHeadsWithoutHeadDimIsAnError() {
        ObjectNode json = base();
        json.remove("head_dim");
        json.put("hidden_size", 100);
        json.put("num_attention_heads", 8);
        json.put("num_key_value_heads", 8);

        parseFails(json, "hidden_size 100", "not a multiple of num_attention_heads 8", "no head_dim");
    }

    @Test
    void kvHeadsDefaultToHeads() {
        ObjectNode json = base();
        json.remove("num_key_value_heads");

        LlamaConfig config = parse(json);

        assertEquals(4, config.kvHeads());
        assertEquals(config.qDim(), config.kvDim());
    }

    @Test
    void nullKvHeadsDefaultToHeads() {
        ObjectNode json = base();
        json.putNull("num_key_value_heads");

        assertEquals(4, parse(json).kvHeads());
    }

    @Test
    void defaultsForOptionalFields() {
        ObjectNode json = base();
        for (String field : List.of("rms_norm_eps", "rope_theta", "rope_scaling", "tie_word_embeddings",
                "bos_token_id", "eos_token_id", "hidden_act", "attention_bias", "mlp_bias")) {
            json.remove(field);
        }

        LlamaConfig config = parse(json);

        assertEquals(1e-6f, config.rmsNormEps());
        assertEquals(10000.0, config.ropeTheta());
        assertEquals(new RopeScaling.None(), config.ropeScaling());
        assertFalse(config.tieWordEmbeddings());
        assertNull(config.bosTokenId());
        assertEquals(List.of(), config.eosTokenIds());
    }

    @Test
    void mistralIsAccepted() {
        ObjectNode json = base();
        json.put("model_type", "mistral");
        json.putArray("architectures").add("MistralForCausalLM");
        json.putNull("sliding_window");

        assertEquals("mistral", parse(json).modelType());
    }

    @Test
    void llama3RopeScaling() {
        ObjectNode json = base();
        ObjectNode scaling = json.putObject("rope_scaling");
        scaling.put("rope_type", "llama3");
        scaling.put("factor", 32.0);
        scaling.put("low_freq_factor", 1.0);
        scaling.put("high_freq_factor", 4.0);
        scaling.put("original_max_position_embeddings", 8192);

        assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), parse(json).ropeScaling());
    }

    @Test
    void legacyTypeKeyForRopeScaling() {
        ObjectNode json = base();
        ObjectNode scaling = json.putObject("rope_scaling");
        scaling.put("type", "llama3");
        scaling.put("factor", 8.0);
        scaling.put("low_freq_factor", 1.0);
        scaling.put("high_freq_factor", 4.0);
        scaling.put("original_max_position_embeddings", 8192);

        assertEquals(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), parse(json).ropeScaling());
    }

    @Test
    void linearRopeScaling() {
        ObjectNode json = base();
        ObjectNode scaling = json.putObject("rope_scaling");
        scaling.put("type", "linear");
        scaling.put("factor", 2.0);

        assertEquals(new RopeScaling.Linear(2.0), parse(json).ropeScaling());
    }

    @Test
    void llama3RopeScalingMissingAFieldIsAnError() {
        ObjectNode json = base();
        ObjectNode scaling = json.putObject("rope_scaling");
        scaling.put("rope_type", "llama3");
        scaling.put("factor", 8.0);
        scaling.put("low_freq_factor", 1.0);
        scaling.put("high_freq_factor", 4.0);

        parseFails(json, "original_max_position_embeddings", "got nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yarn", "dynamic", "longrope"})
    void unsupportedRopeScalingType(String type) {
        ObjectNode json = base();
        ObjectNode scaling = json.putObject("rope_scaling");
        scaling.put("rope_type", type);
        scaling.put("factor", 4.0);

        parseFails(json, "rope_scaling type '" + type + "' is not supported", "llama3");
    }

    @Test
    void unsupportedModelTypeIsNamed() {
        ObjectNode json = base();
        json.put("model_type", "qwen2");
        json.putArray("architectures").add("Qwen2ForCausalLM");

        parseFails(json, "unsupported model_type 'qwen2'", "Qwen2ForCausalLM", "LlamaForCausalLM");
    }

    @Test
    void llamaModelTypeWithAForeignArchitectureIsAnError() {
        ObjectNode json = base();
        json.putArray("architectures").add("Qwen2ForCausalLM");

        parseFails(json, "Qwen2ForCausalLM");
    }

    @Test
    void missingModelTypeIsAnError() {
        ObjectNode json = base();
        json.remove("model_type");

        parseFails(json, "unsupported model_type ''");
    }

    @Test
    void attentionBiasIsAnError() {
        ObjectNode json = base();
        json.put("attention_bias", true);

        parseFails(json, "attention_bias = true is not supported");
    }

    @Test
    void mlpBiasIsAnError() {
        ObjectNode json = base();
        json.put("mlp_bias", true);

        parseFails(json, "mlp_bias = true is not supported");
    }

    @Test
    void otherActivationIsAnError() {
        ObjectNode json = base();
        json.put("hidden_act", "gelu");

        parseFails(json, "hidden_act 'gelu' is not supported");
    }

    @Test
    void slidingWindowShorterThanTheContextIsAnError() {
        ObjectNode json = base();
        json.put("sliding_window", 256);

        parseFails(json, "sliding_window 256 is not supported");
    }

    @Test
    void headsNotAMultipleOfKvHeadsIsAnError() {
        ObjectNode json = base();
        json.put("num_key_value_heads", 3);

        parseFails(json, "num_attention_heads 4 is not a multiple of num_key_value_heads 3");
    }

    @Test
    void moreKvHeadsThanHeadsIsAnError() {
        ObjectNode json = base();
        json.put("num_key_value_heads", 8);

        parseFails(json, "num_attention_heads 4 is not a multiple of num_key_value_heads 8");
    }

    @Test
    void oddHeadDimIsAnError() {
        ObjectNode json = base();
        json.put("head_dim", 31);

        parseFails(json, "head_dim 31 must be even");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "vocab_size", "max_position_embeddings"})
    void missingRequiredFieldIsNamed(String field) {
        ObjectNode json = base();
        json.remove(field);

        parseFails(json, "'" + field + "' must be a positive integer, got nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-4", "\"128\"", "12.5", "null"})
    void invalidRequiredFieldIsNamed(String value) throws IOException {
        ObjectNode json = base();
        json.set("hidden_size", JSON.readTree(value));

        parseFails(json, "'hidden_size' must be a positive integer, got " + value);
    }

    @Test
    void nonPositiveEpsIsAnError() {
        ObjectNode json = base();
        json.put("rms_norm_eps", 0.0);

        parseFails(json, "rms_norm_eps must be positive");
    }

    @Test
    void eosTokenIdAsInt() {
        ObjectNode json = base();
        json.put("eos_token_id", 7);

        assertEquals(List.of(7), parse(json).eosTokenIds());
    }

    @Test
    void eosTokenIdAsList() {
        ObjectNode json = base();
        json.putArray("eos_token_id").add(128001).add(128008).add(128009);

        assertEquals(List.of(128001, 128008, 128009), parse(json).eosTokenIds());
    }

    @Test
    void nullEosTokenIdIsEmpty() {
        ObjectNode json = base();
        json.putNull("eos_token_id");

        assertEquals(List.of(), parse(json).eosTokenIds());
    }

    @Test
    void readsAFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        JSON.writeValue(file.toFile(), base());

        assertEquals(128, LlamaConfig.read(file).hiddenSize());
    }

    @Test
    void fileThatIsNotJsonIsAnError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"llama\",");

        YalisException e = assertThrows(YalisException.class, () -> LlamaConfig.read(file));

        assertTrue(e.getMessage().startsWith(file + " is not valid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void fileThatIsNotAnObjectIsAnError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "[1, 2]");

        YalisException e = assertThrows(YalisException.class, () -> LlamaConfig.read(file));

        assertTrue(e.getMessage().contains("does not hold a JSON object"), e.getMessage());
    }

    @Test
    void errorsFromAFileNameTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode json = base();
        json.put("model_type", "gemma");
        JSON.writeValue(file.toFile(), json);

        YalisException e = assertThrows(YalisException.class, () -> LlamaConfig.read(file));

        assertTrue(e.getMessage().startsWith(file + ": unsupported model_type 'gemma'"), e.getMessage());
    }
}
