package org.yalis.engine.attention;

import org.yalis.engine.tensor.ComputeBackend;

/**
 * The attention SPI: a named implementation of paged attention, registered in
 * {@code META-INF/services/org.yalis.engine.attention.AttentionBackend} and chosen with
 * {@code --attention NAME}.
 */
public interface AttentionBackend {

    /** The name {@code --attention} takes. */
    String name();

    /** One line for {@code yalis info}. */
    String description();

    AttentionCapabilities capabilities();

    /** Allocates the KV cache on {@code device} and returns an instance that serves {@code spec}. */
    Attention create(AttentionSpec spec, ComputeBackend device);
}
