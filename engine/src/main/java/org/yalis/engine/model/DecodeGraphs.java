package org.yalis.engine.model;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.StepGraph;

/**
 * Decode steps as graphs ({@code --cuda-graphs}): the first step of each shape runs as issued and is
 * captured, every later step of that shape replays the capture. A step's shape is what its launches depend on: its
 * tokens, the rows sampled, and the attention's {@link Attention#graphKey} (layout offsets, decode
 * split, buffer addresses). Everything else a step reads (token ids, positions, the block tables)
 * was uploaded into the same device buffers before the replay.
 *
 * <p>Batch sizes are captured as they come, not padded to buckets: a run at a steady batch size
 * captures a handful of graphs (one per decode split and block-table stride). The least recently used
 * graph is freed past {@code capacity}.
 */
public final class DecodeGraphs {
    static final int DEFAULT_CAPACITY = 32;

    /**
     * Captures and replays so far, graphs held now, and captures that failed (their shapes then run as
     * issued). Every decode step with a graph key is a capture, a replay, or a step of a failed shape.
     */
    public record Counts(int captures, int replays, int held, int failedCaptures) {
    }

    private record Shape(int tokens, int sampled, Record attention) {
    }

    private final ComputeBackend backend;
    private final int capacity;
    private final LinkedHashMap<Shape, StepGraph> graphs = new LinkedHashMap<>(16, 0.75f, true);
    /** Shapes whose capture failed: they run as issued from then on. */
    private final Set<Shape> uncapturable = new HashSet<>();
    private int captures;
    private int replays;

    DecodeGraphs(ComputeBackend backend, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("graph capacity must be at least 1, got " + capacity);
        }
        this.backend = backend;
        this.capacity = capacity;
    }

    /**
     * Queues {@code work}, the step's device work after its inputs were uploaded and the attention's
     * step begun: as a replay of the graph of this shape, captured now if there is none. Attention
     * without a graph key runs {@code work} as it is.
     */
    void run(int tokens, int sampled, Attention attention, Runnable work) {
        Optional<Record> attentionKey = attention.graphKey();
        if (attentionKey.isEmpty()) {
            work.run();
            return;
        }
        Shape shape = new Shape(tokens, sampled, attentionKey.get());
        StepGraph graph = graphs.get(shape);
        if (graph != null) {
            graph.replay();
            replays++;
            return;
        }
        // The first step of a shape runs as issued, then is captured (a capture records without running)
        // for the steps after it: kernels that load on their first launch, as cuBLAS's may, load outside
        // the capture. PyTorch warms up before capturing for the same reason.
        work.run();
        if (uncapturable.contains(shape)) {
            return;
        }
        try {
            graphs.put(shape, backend.capture(work));
        } catch (RuntimeException e) {
            // This step's results stand (it ran as issued); steps of its shape go on without a graph.
            uncapturable.add(shape);
            if (uncapturable.size() == 1) {
                System.err.println("warning: --cuda-graphs: a decode step could not be captured, so steps of its "
                        + "shape run as issued: " + e.getMessage());
            }
            return;
        }
        captures++;
        evictBeyondCapacity();
    }

    private void evictBeyondCapacity() {
        Iterator<Map.Entry<Shape, StepGraph>> eldest = graphs.entrySet().iterator();
        while (graphs.size() > capacity) {
            StepGraph graph = eldest.next().getValue();
            eldest.remove();
            graph.close();
        }
    }

    Counts counts() {
        return new Counts(captures, replays, graphs.size(), uncapturable.size());
    }
}
