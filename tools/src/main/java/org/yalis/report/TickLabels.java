package org.yalis.report;

import org.yalis.engine.Sizes;

/** Texts of axis ticks and tooltips. */
final class TickLabels {
    private TickLabels() {
    }

    /** Bytes in binary units: {@code 512 B}, {@code 4 KiB}, {@code 256 MiB} (sizes double on these axes). */
    static String bytes(double value) {
        long bytes = Math.round(value);
        String[] units = {"GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (bytes >= unit && bytes % unit == 0) {
                return bytes / unit + " " + units[i];
            }
        }
        return bytes < 1024 && bytes == value ? bytes + " B" : Sizes.format(bytes);
    }

    /** A plain number, as short as it reads back exactly: {@code 0.01}, {@code 100}, {@code 10000}. */
    static String plain(double value) {
        return MarkupWriter.exact(value);
    }
}
