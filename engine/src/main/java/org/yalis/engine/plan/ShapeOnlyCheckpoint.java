package org.yalis.engine.plan;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.checkpoint.TensorSource;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.tensor.DType;

/**
 * The tensors a Hugging Face Llama checkpoint of {@code config} holds, with their names, shapes and
 * dtype, and no values: what {@code LlamaModel.load} reads in a dry run, so that a plan needs only a
 * config.json (or a preset), never the weights.
 */
final class ShapeOnlyCheckpoint implements TensorSource {
    private static final Path NO_FILE = Path.of("(shapes only)");
    private final Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();

    ShapeOnlyCheckpoint(LlamaConfig config, DType weightType) {
        int hidden = config.hiddenSize();
        put("model.embed_tokens.weight", weightType, config.vocabSize(), hidden);
        for (int i = 0; i < config.layers(); i++) {
            String prefix = "model.layers." + i + ".";
            put(prefix + "input_layernorm.weight", weightType, hidden);
            put(prefix + "self_attn.q_proj.weight", weightType, config.qDim(), hidden);
            put(prefix + "self_attn.k_proj.weight", weightType, config.kvDim(), hidden);
            put(prefix + "self_attn.v_proj.weight", weightType, config.kvDim(), hidden);
            put(prefix + "self_attn.o_proj.weight", weightType, hidden, config.qDim());
            put(prefix + "post_attention_layernorm.weight", weightType, hidden);
            put(prefix + "mlp.gate_proj.weight", weightType, config.intermediateSize(), hidden);
            put(prefix + "mlp.up_proj.weight", weightType, config.intermediateSize(), hidden);
            put(prefix + "mlp.down_proj.weight", weightType, hidden, config.intermediateSize());
        }
        put("model.norm.weight", weightType, hidden);
        if (!config.tieWordEmbeddings()) {
            put("lm_head.weight", weightType, config.vocabSize(), hidden);
        }
    }

    private void put(String name, DType dtype, long... shape) {
        long rows = shape.length == 1 ? 1 : shape[0];
        long cols = shape[shape.length - 1];
        tensors.put(name, new CheckpointTensor(name, dtype, shape, ShapeOnlyTensors.bytes(dtype.bytesFor(rows, cols)),
                NO_FILE));
    }

    /** Bytes of every weight: what the model needs in device memory, summed over ranks. */
    long totalBytes() {
        return tensors.values().stream().mapToLong(t -> t.bytes().byteSize()).sum();
    }

    @Override
    public Optional<CheckpointTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public void releasePages(CheckpointTensor tensor) {
        // nothing is mapped
    }

    @Override
    public boolean holdsValues() {
        return false;
    }
}
