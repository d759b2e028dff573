package org.yalis.engine.tensor;

import java.util.Set;

import org.yalis.engine.Quantization;
import org.yalis.engine.cpu.WeightPlacement;

/**
 * The compute-backend SPI: a named way to run the model's operations, registered in
 * {@code META-INF/services/org.yalis.engine.tensor.ComputeBackendProvider} and chosen with
 * {@code --device NAME}. A jar of one's own on the class path adds one; nothing in the engine names it.
 */
public interface ComputeBackendProvider {
    /** How one rank's backend is set up: its threads and how its weights are kept. */
    record Settings(int threads, WeightPlacement weights, boolean batchInvariant, Quantization quantization) {
    }

    /** The name {@code --device} takes. */
    String name();

    /** One line for {@code yalis info}. */
    String description();

    /**
     * Whether its tensors live in device memory (a GPU's): collectives must then move device buffers, and
     * ranks as threads of one process, which exchange host memory, cannot serve it.
     */
    boolean deviceMemory();

    /** The weight formats {@code --quantize} may ask of it besides {@link Quantization#NONE}. */
    default Set<Quantization> quantizations() {
        return Set.of();
    }

    /** Whether it can capture decode steps as graphs and replay them ({@code --cuda-graphs}). */
    default boolean capturesGraphs() {
        return false;
    }

    /** Opens this rank's backend (the launcher's local rank picks a device where there are several). */
    ComputeBackend open(Settings settings);
}
