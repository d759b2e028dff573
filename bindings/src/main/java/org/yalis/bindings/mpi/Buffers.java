package org.yalis.bindings.mpi;

import java.lang.foreign.MemorySegment;

/** Checks on the memory handed to MPI, before any native call sees it. */
final class Buffers {
    private Buffers() {
    }

    /** The bytes of {@code count} elements, refusing negative counts and overflow. */
    static long bytes(String function, long count, MpiDatatype type) {
        if (count < 0) {
            throw new IllegalArgumentException(function + ": count must not be negative: " + count);
        }
        try {
            return Math.multiplyExact(count, type.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(function + ": " + count + " " + type + " elements overflow a long");
        }
    }

    /**
     * Refuses heap segments (the GC may move them while MPI reads or writes, and the FFM linker
     * will not pass them to a plain downcall), segments too small, and read-only ones where MPI writes.
     */
    static void check(String function, String role, MemorySegment segment, long bytes, boolean written) {
        if (segment == null) {
            throw new NullPointerException(function + ": " + role + " buffer is null");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(function + ": " + role + " buffer is a heap segment; MPI needs"
                    + " off-heap memory that cannot move (allocate it from an Arena, e.g. arena.allocate(bytes))");
        }
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException(function + ": " + role + " buffer holds " + segment.byteSize()
                    + " bytes, needs " + bytes);
        }
        if (written && segment.isReadOnly()) {
            throw new IllegalArgumentException(function + ": " + role + " buffer is read-only but MPI writes to it");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(function + ": " + role + " buffer's arena is already closed");
        }
    }

    /** MPI forbids aliased send and receive buffers: point at the in-place variant instead. */
    static void checkDisjoint(String function, MemorySegment send, long sendBytes, MemorySegment recv,
            long recvBytes, String inPlaceMethod) {
        long s = send.address();
        long r = recv.address();
        if (sendBytes > 0 && recvBytes > 0 && s < r + recvBytes && r < s + sendBytes) {
            throw new IllegalArgumentException(function + ": send and receive buffers overlap; use "
                    + inPlaceMethod + " (MPI_IN_PLACE) to reduce or gather within one buffer");
        }
    }
}
