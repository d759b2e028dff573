package org.yalis.engine.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * The parts of a Hugging Face {@code config.json} a Llama-family forward pass needs, validated.
 *
 * @param headDim           per-head width ({@code head_dim}, else {@code hidden_size / heads})
 * @param eosTokenIds       from config.json; generation_config.json may add more (see {@link ModelFolder})
 */
public record LlamaConfig(String modelType, int hiddenSize, int intermediateSize, int layers, int heads,
                          int kvHeads, int headDim, int vocabSize, int maxPositions, float rmsNormEps,
                          double ropeTheta, RopeScaling ropeScaling, boolean tieWordEmbeddings,
                          Integer bosTokenId, List<Integer> eosTokenIds) {

    private static final Set<String> MODEL_TYPES = Set.of("llama", "mistral");
    private static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM");

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public static LlamaConfig read(Path configFile) {
        JsonNode json = UserFiles.readJson(configFile, "config file", "re-download the model folder");
        if (json == null || !json.isObject()) {
            throw new YalisException(configFile + " does not hold a JSON object; re-download the model folder");
        }
        return parse(json, configFile.toString());
    }

    public static LlamaConfig parse(JsonNode json, String where) {
        String modelType = json.path("model_type").asText("");
        List<String> architectures = new ArrayList<>();
        json.path("architectures").forEach(a -> architectures.add(a.asText()));
        if (!MODEL_TYPES.contains(modelType)
                || (!architectures.isEmpty() && architectures.stream().noneMatch(ARCHITECTURES::contains))) {
            throw new YalisException(where + ": unsupported model_type '" + modelType + "' (architectures "
                    + architectures + "); Yalis-J runs Llama-family models (model_type llama or mistral, "
                    + "LlamaForCausalLM or MistralForCausalLM)");
        }
        String activation = json.path("hidden_act").asText("silu");
        if (!activation.equals("silu")) {
            throw new YalisException(where + ": hidden_act '" + activation + "' is not supported; Llama uses silu");
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (json.path(bias).asBoolean(false)) {
                throw new YalisException(where + ": " + bias + " = true is not supported (Llama has no biases)");
            }
        }
        JsonNode window = json.path("sliding_window");
        int hidden = positive(json, "hidden_size", where);
        int heads = positive(json, "num_attention_heads", where);
        int kvHeads = json.has("num_key_value_heads") && !json.get("num_key_value_heads").isNull()
                ? positive(json, "num_key_value_heads", where) : heads;
        int headDim = json.has("head_dim") && !json.get("head_dim").isNull()
                ? positive(json, "head_dim", where) : hidden / heads;
        int maxPositions = positive(json, "max_position_embeddings", where);
        if (!window.isMissingNode() && !window.isNull() && window.asInt() < maxPositions) {
            throw new YalisException(where + ": sliding_window " + window.asInt()
                    + " is not supported (full attention only)");
        }
        if (heads % kvHeads != 0) {
            throw new YalisException(where + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new YalisException(where + ": head_dim " + headDim + " must be even for RoPE");
        }
        if (!json.has("head_dim") && hidden % heads != 0) {
            throw new YalisException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads "
                    + heads + " and no head_dim is given");
        }
        double eps = json.path("rms_norm_eps").asDouble(1e-6);
        if (!(eps > 0)) {
            throw new YalisException(where + ": rms_norm_eps must be positive, got " + eps);
        }
        JsonNode bos = json.path("bos_token_id");
        return new LlamaConfig(modelType, hidden, positive(json, "intermediate_size", where),
                positive(json, "num_hidden_layers", where), heads, kvHeads, headDim,
                positive(json, "vocab_size", where), maxPositions, (float) eps,
                json.path("rope_theta").asDouble(10000.0), ropeScaling(json.path("rope_scaling"), where),
                json.path("tie_word_embeddings").asBoolean(false),
                bos.isIntegralNumber() ? bos.asInt() : null, tokenIds(json.path("eos_token_id")));
    }

    /** An int or a list of ints (Llama 3 lists several end tokens). */
    static List<Integer> tokenIds(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node.isIntegralNumber()) {
            ids.add(node.asInt());
        } else if (node.isArray()) {
            node.forEach(id -> {
                if (id.isIntegralNumber()) {
                    ids.add(id.asInt());
                }
            });
        }
        return List.copyOf(ids);
    }

    private static RopeScaling ropeScaling(JsonNode node, String where) {
        if (node.isMissingNode() || node.isNull()) {
            return new RopeScaling.None();
        }
        String type = node.path("rope_type").asText(node.path("type").asText("default"));
        return switch (type) {
            case "default" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(positiveDouble(node, "factor", where));
            case "llama3" -> new RopeScaling.Llama3(positiveDouble(node, "factor", where),
                    positiveDouble(node, "low_freq_factor", where), positiveDouble(node, "high_freq_factor", where),
                    positive(node, "original_max_position_embeddings", where));
            default -> throw new YalisException(where + ": rope_scaling type '" + type
                    + "' is not supported (supported: default, linear, llama3)");
        };
    }

    private static int positive(JsonNode json, String field, String where) {
        JsonNode value = json.path(field);
        if (!value.isIntegralNumber() || value.asLong() <= 0 || value.asLong() > Integer.MAX_VALUE) {
            throw new YalisException(where + ": '" + field + "' must be a positive integer, got "
                    + (value.isMissingNode() ? "nothing" : value.toString()));
        }
        return value.asInt();
    }

    private static double positiveDouble(JsonNode json, String field, String where) {
        JsonNode value = json.path(field);
        if (!value.isNumber() || !(value.asDouble() > 0)) {
            throw new YalisException(where + ": rope_scaling '" + field + "' must be a positive number, got "
                    + (value.isMissingNode() ? "nothing" : value.toString()));
        }
        return value.asDouble();
    }
}
