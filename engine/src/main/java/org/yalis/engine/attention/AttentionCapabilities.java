package org.yalis.engine.attention;

import java.util.Optional;
import java.util.Set;

import org.yalis.engine.tensor.DType;

/**
 * What an attention backend supports, so that an unsupported combination is refused at start-up
 * with a reason instead of failing mid-run.
 *
 * @param devices       compute backends it runs on ("cpu", "cuda")
 * @param kvDTypes      dtypes it can keep the KV cache in
 * @param headDims      head dimensions it handles; empty means any even width
 * @param maxBlockSize  largest KV block size in tokens; 0 means no limit
 */
public record AttentionCapabilities(Set<String> devices, Set<DType> kvDTypes, Set<Integer> headDims,
                                    int maxBlockSize) {

    /** Why {@code spec} on {@code device} cannot run, or empty when it can. */
    public Optional<String> whyUnsupported(String device, AttentionSpec spec) {
        if (!devices.contains(device)) {
            return Optional.of("it runs on " + devices + ", not on device '" + device + "'");
        }
        if (!kvDTypes.contains(spec.kvDType())) {
            return Optional.of("it keeps the KV cache in " + kvDTypes + ", not " + spec.kvDType());
        }
        if (!headDims.isEmpty() && !headDims.contains(spec.headDim())) {
            return Optional.of("it handles head_dim " + headDims + ", not " + spec.headDim());
        }
        if (maxBlockSize > 0 && spec.blockSize() > maxBlockSize) {
            return Optional.of("its largest KV block is " + maxBlockSize + " tokens, not " + spec.blockSize());
        }
        return Optional.empty();
    }
}
