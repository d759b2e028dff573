package org.yalis.engine.cpu;

import java.util.Locale;

import org.yalis.engine.YalisException;

/**
 * Where the CPU backend keeps the weights it streams: copied into huge-page anonymous memory (the
 * default, several times faster to stream on this project's machines) or left in the
 * memory-mapped checkpoint (no load-time copy, no extra memory).
 */
public enum WeightPlacement {
    COPY, MMAP;

    public static WeightPlacement parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "copy" -> COPY;
            case "mmap" -> MMAP;
            default -> throw new YalisException("unknown --weights '" + name + "': use copy or mmap");
        };
    }
}
