package org.yalis.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code kernelParams} of {@code cuLaunchKernel}: an array with one slot per kernel
 * parameter, each slot holding the <em>address of</em> that parameter's value (not the value).
 * Values are copied into {@code arena} as they are added, in the kernel's parameter order and
 * with its C types: {@code float*}/{@code const T*} take {@link #pointer}, {@code int} and
 * {@code unsigned} take {@link #int32}, {@code float} {@link #float32}, {@code long long} and
 * {@code size_t} {@link #int64}.
 *
 * <p>The arena must stay open until {@code cuLaunchKernel} returns (the driver copies the values
 * during the call, so it may close right after, even before the kernel runs).
 */
public final class KernelArguments {
    private final Arena arena;
    private final List<MemorySegment> values = new ArrayList<>();

    public KernelArguments(Arena arena) {
        this.arena = arena;
    }

    /** A pointer parameter: a device address (from {@code cudaMalloc}) or a mapped host address. */
    public KernelArguments pointer(MemorySegment address) {
        return add(JAVA_LONG, address.address());
    }

    /** An {@code int} or {@code unsigned int} parameter. */
    public KernelArguments int32(int value) {
        MemorySegment slot = arena.allocate(JAVA_INT);
        slot.set(JAVA_INT, 0, value);
        values.add(slot);
        return this;
    }

    /** A {@code long long}, {@code unsigned long long} or {@code size_t} parameter. */
    public KernelArguments int64(long value) {
        return add(JAVA_LONG, value);
    }

    /** A {@code float} parameter. */
    public KernelArguments float32(float value) {
        MemorySegment slot = arena.allocate(JAVA_FLOAT);
        slot.set(JAVA_FLOAT, 0, value);
        values.add(slot);
        return this;
    }

    /** A {@code double} parameter. */
    public KernelArguments float64(double value) {
        MemorySegment slot = arena.allocate(JAVA_DOUBLE);
        slot.set(JAVA_DOUBLE, 0, value);
        values.add(slot);
        return this;
    }

    /**
     * A struct passed by value: its bytes, laid out as the kernel's C struct (same field order,
     * padding and alignment; {@code layout} says the size and alignment).
     */
    public KernelArguments struct(MemorySegment bytes, MemoryLayout layout) {
        if (bytes.byteSize() != layout.byteSize()) {
            throw new IllegalArgumentException("struct argument of " + bytes.byteSize() + " bytes for a layout of "
                    + layout.byteSize());
        }
        MemorySegment slot = arena.allocate(layout);
        slot.copyFrom(bytes);
        values.add(slot);
        return this;
    }

    private KernelArguments add(ValueLayout.OfLong layout, long value) {
        MemorySegment slot = arena.allocate(layout);
        slot.set(layout, 0, value);
        values.add(slot);
        return this;
    }

    /** How many parameters were added. */
    public int count() {
        return values.size();
    }

    /** The {@code void*[]} to pass as {@code kernelParams} (NULL when the kernel takes no parameters). */
    MemorySegment parameterArray() {
        if (values.isEmpty()) {
            return MemorySegment.NULL;
        }
        MemorySegment array = arena.allocate(CTypes.POINTER, values.size());
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(CTypes.POINTER, i, values.get(i));
        }
        return array;
    }
}
