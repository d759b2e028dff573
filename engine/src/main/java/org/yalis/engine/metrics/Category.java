package org.yalis.engine.metrics;

import java.util.Locale;

/** Where a step's time goes, as the Yalis poster breaks it down. */
public enum Category {
    /** Matrix products (the linear layers, the LM head). */
    GEMM,
    /** Attention over the paged KV cache, KV writes included. */
    ATTENTION,
    /** All-reduces, all-gathers and broadcasts between ranks. */
    COLLECTIVE,
    /** Everything else: embedding, norms, RoPE, activations, residual adds, host work. */
    OTHER;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
