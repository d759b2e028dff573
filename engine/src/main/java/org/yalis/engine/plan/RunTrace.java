package org.yalis.engine.plan;

/**
 * One rank's dry run of a whole {@link RunShape}: its prefill and decode steps, and the device memory it
 * needs (weights and activations as the backend allocated them, plus the KV cache of the run's tokens).
 */
public record RunTrace(RunShape shape, StepTrace prefill, StepTrace decode, long weightBytesPerRank,
                       long allocatedBytesPerRank, long kvCacheBytesPerRank, long modelBytes) {

    /** Bytes one rank's device must hold for this run. */
    public long memoryBytesPerRank() {
        return allocatedBytesPerRank + kvCacheBytesPerRank;
    }
}
