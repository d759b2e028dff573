package org.yalis.engine.tensor;

/**
 * Work a backend recorded once ({@link ComputeBackend#capture}) and can queue again as a whole: on a
 * GPU a CUDA graph, one launch instead of hundreds. A replay runs the same operations on the same
 * tensors with the same parameters; only the tensors' contents may have changed since the capture.
 */
public interface StepGraph extends AutoCloseable {

    /** Queues the recorded work again, in order with the backend's other operations. */
    void replay();

    /** Frees the graph (a replay still in flight finishes first). */
    @Override
    void close();
}
