package org.yalis.engine.synth;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.yalis.engine.checkpoint.SafetensorsWriter;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;

/**
 * Writes a random-weight Hugging Face Llama folder with a preset's exact shapes: config.json,
 * generation_config.json, a byte-level tokenizer.json, tokenizer_config.json and
 * model.safetensors. Weights are normal with standard deviation {@code 1/sqrt(fan_in)} (norm
 * weights around 1), never zero, and depend only on the seed and the tensor's name.
 */
public final class SyntheticModel {
    private SyntheticModel() {
    }

    public static void write(ModelPreset preset, DType dtype, long seed, Path folder) throws IOException {
        if (dtype == DType.I32) {
            throw new IllegalArgumentException("weights must be f32, bf16 or f16");
        }
        Files.createDirectories(folder);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(folder.resolve("config.json").toFile(), config(preset, dtype));
        json.writeValue(folder.resolve("generation_config.json").toFile(),
                Map.of("bos_token_id", ByteTokenizer.BOS, "eos_token_id", ByteTokenizer.EOS));
        Map<String, Object> tokenizerConfig = new LinkedHashMap<>();
        tokenizerConfig.put("add_bos_token", true);
        tokenizerConfig.put("add_eos_token", false);
        tokenizerConfig.put("bos_token", "<s>");
        tokenizerConfig.put("eos_token", "</s>");
        tokenizerConfig.put("unk_token", "<unk>");
        tokenizerConfig.put("model_max_length", preset.maxPositions());
        tokenizerConfig.put("tokenizer_class", "LlamaTokenizer");
        json.writeValue(folder.resolve("tokenizer_config.json").toFile(), tokenizerConfig);
        Files.writeString(folder.resolve("tokenizer.json"), ByteTokenizer.json(preset.vocabSize()),
                StandardCharsets.UTF_8);
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors(preset, dtype, seed),
                Map.of("format", "pt", "yalis_synth", preset.name()));
    }

    static Map<String, Object> config(ModelPreset preset, DType dtype) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("hidden_size", preset.hiddenSize());
        config.put("intermediate_size", preset.intermediateSize());
        config.put("num_hidden_layers", preset.layers());
        config.put("num_attention_heads", preset.heads());
        config.put("num_key_value_heads", preset.kvHeads());
        config.put("head_dim", preset.headDim());
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", preset.maxPositions());
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", preset.ropeTheta());
        if (preset.ropeScalingFactor() > 0) {
            config.put("rope_scaling", Map.of("rope_type", "llama3", "factor", preset.ropeScalingFactor(),
                    "low_freq_factor", 1.0, "high_freq_factor", 4.0, "original_max_position_embeddings", 8192));
        } else {
            config.put("rope_scaling", null);
        }
        config.put("attention_bias", false);
        config.put("mlp_bias", false);
        config.put("vocab_size", preset.vocabSize());
        config.put("tie_word_embeddings", preset.tieWordEmbeddings());
        config.put("bos_token_id", ByteTokenizer.BOS);
        config.put("eos_token_id", ByteTokenizer.EOS);
        config.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case I32, Q8_0 -> throw new IllegalArgumentException();
        });
        return config;
    }

    static List<SafetensorsWriter.Entry> tensors(ModelPreset p, DType dtype, long seed) {
        List<SafetensorsWriter.Entry> tensors = new ArrayList<>();
        int q = p.heads() * p.headDim();
        int kv = p.kvHeads() * p.headDim();
        tensors.add(normal("model.embed_tokens.weight", dtype, seed, 1.0, p.vocabSize(), p.hiddenSize()));
        for (int i = 0; i < p.layers(); i++) {
            String prefix = "model.layers." + i + ".";
            tensors.add(norm(prefix + "input_layernorm.weight", dtype, seed, p.hiddenSize()));
            tensors.add(linear(prefix + "self_attn.q_proj.weight", dtype, seed, q, p.hiddenSize()));
            tensors.add(linear(prefix + "self_attn.k_proj.weight", dtype, seed, kv, p.hiddenSize()));
            tensors.add(linear(prefix + "self_attn.v_proj.weight", dtype, seed, kv, p.hiddenSize()));
            tensors.add(linear(prefix + "self_attn.o_proj.weight", dtype, seed, p.hiddenSize(), q));
            tensors.add(norm(prefix + "post_attention_layernorm.weight", dtype, seed, p.hiddenSize()));
            tensors.add(linear(prefix + "mlp.gate_proj.weight", dtype, seed, p.intermediateSize(), p.hiddenSize()));
            tensors.add(linear(prefix + "mlp.up_proj.weight", dtype, seed, p.intermediateSize(), p.hiddenSize()));
            tensors.add(linear(prefix + "mlp.down_proj.weight", dtype, seed, p.hiddenSize(), p.intermediateSize()));
        }
        tensors.add(norm("model.norm.weight", dtype, seed, p.hiddenSize()));
        if (!p.tieWordEmbeddings()) {
            tensors.add(linear("lm_head.weight", dtype, seed, p.vocabSize(), p.hiddenSize()));
        }
        return tensors;
    }

    private static SafetensorsWriter.Entry linear(String name, DType dtype, long seed, int rows, int cols) {
        return normal(name, dtype, seed, 1.0 / Math.sqrt(cols), rows, cols);
    }

    private static SafetensorsWriter.Entry normal(String name, DType dtype, long seed, double std, int rows,
                                                  int cols) {
        return new SafetensorsWriter.Entry(name, dtype, new long[] {rows, cols},
                data -> fill(data, dtype, new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L), 0, std));
    }

    private static SafetensorsWriter.Entry norm(String name, DType dtype, long seed, int width) {
        return new SafetensorsWriter.Entry(name, dtype, new long[] {width},
                data -> fill(data, dtype, new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L), 1.0, 0.1));
    }

    private static void fill(MemorySegment data, DType dtype, SplittableRandom random, double mean, double std) {
        long count = data.byteSize() / dtype.byteSize();
        for (long i = 0; i < count; i++) {
            float value;
            do {
                value = (float) (mean + std * random.nextGaussian());
            } while (value == 0);
            switch (dtype) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Numerics.floatToBf16(value));
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                case I32, Q8_0 -> throw new IllegalArgumentException();
            }
        }
    }
}
