package org.yalis.bindings;

import java.lang.foreign.MemorySegment;

/** C strings returned by native libraries (static storage they own: read, never freed). */
public final class NativeStrings {
    /** Longest string we read: every library message we bind is far shorter; a bound stops a runaway read. */
    private static final long MAX_BYTES = 64 * 1024;

    private NativeStrings() {
    }

    /** The NUL-terminated UTF-8 string at {@code pointer}, or {@code null} for a NULL pointer. */
    public static String read(MemorySegment pointer) {
        if (pointer.address() == 0) {
            return null;
        }
        return pointer.reinterpret(MAX_BYTES).getString(0);
    }
}
