package org.yalis.bindings;

import java.util.function.Supplier;

/**
 * A value made the first time it is asked for, then kept: the way every binding loads its
 * library, so that a JVM that never uses CUDA never opens libcudart (no static initializer
 * dlopens anything).
 *
 * <p>A failure is kept too and thrown again on every later call: a missing library does not
 * appear between two calls, and retrying would rerun the (subprocess-based) library search.
 */
public final class OnFirstUse<T> {
    private final Supplier<T> maker;
    private T value;
    private RuntimeException failure;

    public OnFirstUse(Supplier<T> maker) {
        this.maker = maker;
    }

    public synchronized T get() {
        if (value != null) {
            return value;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            value = maker.get();
            return value;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        }
    }
}
