package org.yalis.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import org.yalis.engine.YalisException;
import org.yalis.engine.attention.Attention;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.checkpoint.FiniteValues;
import org.yalis.engine.checkpoint.TensorSource;
import org.yalis.engine.parallel.LinearRole;
import org.yalis.engine.parallel.ShardingPlan;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * A Llama-family decoder (Llama 2/3/3.1/3.2, Mistral without sliding window): pre-norm blocks of
 * grouped-query attention with RoPE and a SwiGLU MLP, as in Hugging Face's {@code LlamaForCausalLM}.
 *
 * <p>{@link #forward} is the whole model, top to bottom. It does not know about ranks: the sharding
 * plan built its {@link Linear} and {@link Norm} modules, and adds whatever collectives they need.
 */
public final class LlamaModel {

    /** One transformer block's modules. */
    public record Layer(Norm inputNorm, Linear q, Linear k, Linear v, Linear o, Norm postAttentionNorm,
                        Linear gate, Linear up, Linear down) {
    }

    private final LlamaConfig config;
    private final LocalShape shape;
    private final ComputeBackend backend;
    private final Tensor embedTokens;
    private final List<Layer> layers;
    private final Norm finalNorm;
    private final Linear lmHead;
    private final Tensor ropeCos;
    private final Tensor ropeSin;
    private final Workspace workspace;
    private final int maxStepTokens;
    /** Present once {@link #replayDecodeFromGraphs} was called. */
    private DecodeGraphs decodeGraphs;

    private LlamaModel(LlamaConfig config, LocalShape shape, ComputeBackend backend, Tensor embedTokens, List<Layer> layers, Norm finalNorm, Linear lmHead, int maxSequenceLength,
                       int maxStepTokens, int maxSequences) {
        this.config = config;
        this.shape = shape;
        this.backend = backend;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        float[][] tables = RotaryEmbedding.tables(
                RotaryEmbedding.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling()),
                maxSequenceLength);
        this.ropeCos = backend.allocate(DType.F32, maxSequenceLength, config.headDim() / 2);
        this.ropeSin = backend.allocate(DType.F32, maxSequenceLength, config.headDim() / 2);
        backend.copyFromHost(tables[0], ropeCos);
        backend.copyFromHost(tables[1], ropeSin);
        this.maxStepTokens = maxStepTokens;
        // A decode step carries one token per sequence, which can be more than a prefill chunk.
        this.workspace = new Workspace(backend, shape, Math.max(maxStepTokens, maxSequences), maxSequences);
    }

    /**
     * Loads the weights through {@code plan}, checking every tensor's shape against the config.
     *
     * @param maxSequenceLength positions the RoPE tables cover (at most the model's context)
     * @param maxStepTokens     most tokens one step computes (sizes the activations)
     * @param maxSequences      most sequences one step samples (sizes the logits)
     * @param progress          told (tensor name, bytes placed so far) as weights are placed
     */
    public static LlamaModel load(LlamaConfig config, TensorSource checkpoint, ComputeBackend backend,
                                  ShardingPlan plan, int maxSequenceLength, int maxStepTokens,
                                  int maxSequences, BiConsumer<String, Long> progress) {
        WeightReader weights = new WeightReader(checkpoint, config, plan, backend, progress);
        int hidden = config.hiddenSize();
        int q = config.qDim();
        int kv = config.kvDim();
        int ffn = config.intermediateSize();
        Tensor embed = weights.embedding("model.embed_tokens.weight", config.vocabSize(), hidden);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String prefix = "model.layers." + i + ".";
            layers.add(new Layer(
                    weights.norm(prefix + "input_layernorm.weight", hidden),
                    weights.linear(LinearRole.Q, prefix + "self_attn.q_proj.weight", q, hidden),
                    weights.linear(LinearRole.K, prefix + "self_attn.k_proj.weight", kv, hidden),
                    weights.linear(LinearRole.V, prefix + "self_attn.v_proj.weight", kv, hidden),
                    weights.linear(LinearRole.O, prefix + "self_attn.o_proj.weight", hidden, q),
                    weights.norm(prefix + "post_attention_layernorm.weight", hidden),
                    weights.linear(LinearRole.GATE, prefix + "mlp.gate_proj.weight", ffn, hidden),
                    weights.linear(LinearRole.UP, prefix + "mlp.up_proj.weight", ffn, hidden),
                    weights.linear(LinearRole.DOWN, prefix + "mlp.down_proj.weight", hidden, ffn)));
        }
        Norm finalNorm = weights.norm("model.norm.weight", hidden);
        // Tied models (Llama 3.2 1B, stories260K) use the embedding matrix as the output projection;
        // transformers ties them even when a checkpoint also carries an lm_head.weight tensor.
        String headName;
        if (config.tieWordEmbeddings()) {
            headName = "model.embed_tokens.weight";
        } else if (checkpoint.find("lm_head.weight").isPresent()) {
            headName = "lm_head.weight";
        } else {
            throw new YalisException("the checkpoint has no lm_head.weight and config.json says tie_word_embeddings"
                    + " is false; re-download the weights, or set tie_word_embeddings to true if the model is tied");
        }
        Linear lmHead = weights.linear(LinearRole.LM_HEAD, headName, config.vocabSize(), hidden);
        return new LlamaModel(config, plan.localShape(config), backend, embed, List.copyOf(layers),
                finalNorm, lmHead, Math.min(maxSequenceLength, config.maxPositions()), maxStepTokens, maxSequences);
    }

    public LlamaConfig config() {
        return config;
    }

    public LocalShape shape() {
        return shape;
    }

    /** Weight bytes one step streams on this rank: every linear layer and the LM head. */
    public long streamedWeightBytes() {
        long bytes = lmHead.weightBytes();
        for (Layer layer : layers) {
            for (Linear linear : List.of(layer.q(), layer.k(), layer.v(), layer.o(), layer.gate(), layer.up(),
                    layer.down())) {
                bytes += linear.weightBytes();
            }
        }
        return bytes;
    }

    /** How the first layer's q projection stores its weight: the type every product of the model reads. */
    public DType linearWeightType() {
        return layers.getFirst().q().weightType();
    }

    /** Multiply-adds per token on this rank in the linear layers and the LM head (half the FLOPs). */
    public long multiplyAddsPerToken() {
        long total = (long) lmHead.inFeatures() * lmHead.outFeatures();
        for (Layer layer : layers) {
            for (Linear linear : List.of(layer.q(), layer.k(), layer.v(), layer.o(), layer.gate(), layer.up(),
                    layer.down())) {
                total += (long) linear.inFeatures() * linear.outFeatures();
            }
        }
        return total;
    }

    /** Most tokens of a prefill step. */
    public int maxStepTokens() {
        return maxStepTokens;
    }

    /**
     * Replays decode steps from graphs captured on the backend ({@code --cuda-graphs}): a decode step is
     * hundreds of small launches, and one graph launch replaces them.
     *
     * @throws YalisException where the backend cannot capture graphs
     */
    public void replayDecodeFromGraphs() {
        if (!backend.capturesGraphs()) {
            throw new YalisException("--cuda-graphs needs --device cuda: the " + backend.name()
                    + " backend runs every step as it is issued");
        }
        decodeGraphs = new DecodeGraphs(backend, DecodeGraphs.DEFAULT_CAPACITY);
    }

    /** How often decode steps were captured and replayed (zeros without {@link #replayDecodeFromGraphs}). */
    public DecodeGraphs.Counts decodeGraphCounts() {
        return decodeGraphs == null ? new DecodeGraphs.Counts(0, 0, 0, 0) : decodeGraphs.counts();
    }

    /**
     * Runs one step: embeds the tokens, runs every block (reading and extending the KV cache behind
     * {@code attention}), and returns the logits of {@code step.logitRows()} ({@code rows x vocab},
     * valid until the next call).
     */
    public Tensor forward(StepInput step, Attention attention) {
        Workspace.Views a = workspace.views(step.tokens(), step.logitRows().length);
        // The step's inputs reach the device first and everything after reads them there, so the work
        // of a decode step can be a graph captured in an earlier step of the same shape.
        backend.copyFromHost(step.tokenIds(), a.tokenIds());
        backend.copyFromHost(step.positions(), a.positions());
        if (step.logitRows().length > 0) {
            backend.copyFromHost(step.logitRows(), a.logitRows());
        }
        attention.beginStep(step.attention());
        if (decodeGraphs != null && step.phase() == Phase.DECODE) {
            // A replay skips the backend's host-side checks of index values; these are the ones that matter.
            requireInRange(step.tokenIds(), config.vocabSize(), "token id");
            requireInRange(step.positions(), ropeCos.rows(), "position");
            decodeGraphs.run(step.tokens(), step.logitRows().length, attention,
                    () -> layersAndLogits(step.phase(), a, attention));
        } else {
            layersAndLogits(step.phase(), a, attention);
        }
        return a.logits();
    }

    /** The model proper, on inputs already on the device. */
    private void layersAndLogits(Phase phase, Workspace.Views a, Attention attention) {
        backend.embedding(embedTokens, a.tokenIds(), a.x());
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);

            // Self-attention: x += o(attention(rope(q(norm(x))), rope(k(norm(x))), v(norm(x))))
            layer.inputNorm().forward(a.x(), a.normed());
            layer.q().forward(a.normed(), a.q());
            layer.k().forward(a.normed(), a.k());
            layer.v().forward(a.normed(), a.v());
            backend.ropeQk(a.q(), a.k(), shape.headDim(), a.positions(), ropeCos, ropeSin);
            attention.writeKv(i, a.k(), a.v());
            if (phase == Phase.PREFILL) {
                attention.prefill(i, a.q(), a.attended());
            } else {
                attention.decode(i, a.q(), a.attended());
            }
            layer.o().forward(a.attended(), a.projected());
            // x += o(...), and the MLP's norm of the new x (one pass where the backend fuses them)
            layer.postAttentionNorm().addThenForward(a.x(), a.projected(), a.normed());

            // SwiGLU MLP: x += down(silu(gate(norm(x))) * up(norm(x)))
            layer.gate().forward(a.normed(), a.gate());
            layer.up().forward(a.normed(), a.up());
            backend.siluMul(a.gate(), a.up(), a.gate());
            layer.down().forward(a.gate(), a.projected());
            backend.add(a.x(), a.projected());
        }

        // Logits only where a token is sampled: the last position of each sequence that completes.
        if (a.last().rows() == 0) {
            return;
        }
        backend.gatherRows(a.x(), a.logitRows(), a.last());
        finalNorm.forward(a.last(), a.last());
        lmHead.forward(a.last(), a.logits());
    }

    private static void requireInRange(int[] values, int limit, String what) {
        for (int value : values) {
            if (value < 0 || value >= limit) {
                throw new IllegalArgumentException(what + " " + value + " outside [0, " + limit + ")");
            }
        }
    }

    /**
     * Reads checkpoint tensors by name, insists on the shapes the config implies, has the plan place
     * them, and then lets go of their pages in the mapped checkpoint when the backend holds its own
     * copy (so that loading never holds two copies of the weights).
     */
    private record WeightReader(TensorSource checkpoint, LlamaConfig config, ShardingPlan plan, ComputeBackend backend,
                                BiConsumer<String, Long> progress, java.util.Set<String> checked) {
        WeightReader {
            progress = progress == null ? (name, bytes) -> { } : progress;
        }

        WeightReader(TensorSource checkpoint, LlamaConfig config, ShardingPlan plan, ComputeBackend backend,
                     BiConsumer<String, Long> progress) {
            this(checkpoint, config, plan, backend, progress, new java.util.HashSet<>());
        }

        Linear linear(LinearRole role, String name, long... expectedShape) {
            CheckpointTensor tensor = get(name, expectedShape);
            return placed(tensor, plan.linear(role, tensor, backend));
        }

        Norm norm(String name, long... expectedShape) {
            CheckpointTensor tensor = get(name, expectedShape);
            return placed(tensor, plan.norm(tensor, config.rmsNormEps(), backend));
        }

        Tensor embedding(String name, long... expectedShape) {
            CheckpointTensor tensor = get(name, expectedShape);
            return placed(tensor, plan.embedding(tensor, backend));
        }

        private <T> T placed(CheckpointTensor tensor, T module) {
            if (!backend.readsCheckpointMemory()) {
                checkpoint.releasePages(tensor);
            }
            return module;
        }

        private CheckpointTensor get(String name, long... expectedShape) {
            CheckpointTensor tensor = checkpoint.find(name).orElseThrow(() -> new YalisException(
                    "the checkpoint has no tensor '" + name + "' that a " + config.layers() + "-layer "
                            + config.modelType() + " model needs; the weights do not match config.json"));
            if (!java.util.Arrays.equals(tensor.shape(), expectedShape)) {
                throw new YalisException("tensor '" + name + "' in " + tensor.file().getFileName() + " has shape "
                        + tensor.shapeText() + " but config.json implies " + java.util.Arrays.toString(expectedShape)
                        + " (hidden_size " + config.hiddenSize() + ", heads " + config.heads() + " x head_dim "
                        + config.headDim() + ", kv heads " + config.kvHeads() + ", intermediate_size "
                        + config.intermediateSize() + ", vocab_size " + config.vocabSize()
                        + "); the weights do not match config.json");
            }
            // Each tensor is checked once: a tied LM head is the embedding again, whose pages in the mapped file
            // were already let go, and reading them again would bring them back (half a GiB for Llama 3.2 1B).
            long bad = checked.add(name) && checkpoint.holdsValues()
                    ? FiniteValues.firstNonFinite(tensor.bytes(), tensor.dtype()) : -1;
            if (bad >= 0) {
                throw new YalisException("tensor '" + name + "' in " + tensor.file().getFileName() + " holds "
                        + FiniteValues.valueAt(tensor.bytes(), tensor.dtype(), bad) + " at element " + bad
                        + "; a model's weights must be finite numbers: the checkpoint is damaged, re-download it");
            }
            progress.accept(name, tensor.bytes().byteSize());
            return tensor;
        }
    }
}
