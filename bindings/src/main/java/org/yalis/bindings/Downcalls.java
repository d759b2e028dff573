package org.yalis.bindings;

/** Helpers shared by the bindings' calls through {@link java.lang.invoke.MethodHandle#invokeExact}. */
public final class Downcalls {
    private Downcalls() {
    }

    /**
     * {@code invokeExact} declares {@code Throwable}; a downcall only ever throws unchecked ones
     * (a closed arena, a heap segment where native memory is required). Use as
     * {@code catch (Throwable t) { throw Downcalls.unchecked(t); }}.
     */
    public static RuntimeException unchecked(Throwable thrown) {
        if (thrown instanceof RuntimeException runtime) {
            return runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("native call failed", thrown);
    }
}
