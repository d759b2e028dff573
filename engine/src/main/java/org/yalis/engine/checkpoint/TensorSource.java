package org.yalis.engine.checkpoint;

import java.util.Optional;

/**
 * Where a model's tensors come from when it loads: a {@link Checkpoint} of mapped files, or (for
 * {@code yalis plan}) tensors that have a name, a dtype and a shape but no values, so that the real
 * loading and sharding code runs without the weights.
 */
public interface TensorSource {

    Optional<CheckpointTensor> find(String name);

    /** Lets go of {@code tensor}'s resident pages once a backend copied its bytes (see {@link Checkpoint}). */
    void releasePages(CheckpointTensor tensor);

    /** Whether the tensors' bytes hold values that can be read (and checked); false for shapes only. */
    default boolean holdsValues() {
        return true;
    }
}
