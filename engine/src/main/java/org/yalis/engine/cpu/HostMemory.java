package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.bindings.posix.Libc;
import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;

/**
 * Large host allocations of the CPU backend (weights, the KV cache, big activations): huge-page
 * anonymous mappings, and a refused mapping reported as what the user can act on (the run needs more
 * memory than this machine has) rather than as an {@code OutOfMemoryError} and its stack trace.
 */
final class HostMemory {
    private HostMemory() {
    }

    /** {@code bytes} of huge-page-backed memory for {@code what}, owned by {@code arena}. */
    static MemorySegment map(long bytes, String what, Arena arena) {
        try {
            return Libc.mapAnonymous(bytes, true, arena);
        } catch (OutOfMemoryError e) {
            throw new YalisException("cannot allocate " + Sizes.format(bytes) + " of memory for " + what + " ("
                    + e.getMessage() + "); the run needs more memory than this machine has free: use a smaller model, "
                    + "--quantize q8, fewer or shorter sequences, or a smaller --kv-cache-memory");
        }
    }
}
