package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;

/**
 * Where {@link CollectiveBenchmark} puts the buffers it measures collectives on: host memory
 * ({@link HostBenchmarkBuffers}) or GPU memory ({@link CudaBenchmarkBuffers}). Buffers live until
 * {@link #close()}.
 */
public interface BenchmarkBuffers extends AutoCloseable {

    /** "host" or "device", for the results. */
    String memory();

    /** A buffer of {@code bytes} where the collective under test reads and writes. */
    MemorySegment allocate(long bytes);

    /** Sets the first {@code count} elements of {@code buffer} to {@code value}. */
    void fill(MemorySegment buffer, DType dtype, long count, float value);

    /** Element {@code index} of {@code buffer}, as f32; waits for the collectives queued before. */
    float read(MemorySegment buffer, DType dtype, long index);

    /**
     * Waits until the collectives issued so far have finished. A timed run ends here: a
     * stream-ordered collective returns when it is queued, not when it is done.
     */
    void synchronize();

    @Override
    void close();

    /** Writes {@code count} elements of {@code value} into host memory in {@code dtype}'s encoding. */
    static void encode(MemorySegment host, DType dtype, long count, float value) {
        for (long i = 0; i < count; i++) {
            switch (dtype) {
                case F32 -> host.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                case BF16 -> host.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Numerics.floatToBf16(value));
                case F16 -> host.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                case I32 -> host.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) value);
                case Q8_0 -> throw new IllegalArgumentException("collectives move activations, not Q8_0 weights");
            }
        }
    }

    /** Element {@code index} of host memory in {@code dtype}'s encoding, as f32. */
    static float decode(MemorySegment host, DType dtype, long index) {
        return switch (dtype) {
            case F32 -> host.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case BF16 -> Numerics.bf16ToFloat(host.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            case F16 -> Float.float16ToFloat(host.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            case I32 -> host.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
            case Q8_0 -> throw new IllegalArgumentException("collectives move activations, not Q8_0 weights");
        };
    }
}
