package org.yalis.engine;

import java.util.Locale;

/** Byte counts as people write them: "512MiB", "2G", "1.5GiB", "4096". */
public final class Sizes {
    private Sizes() {
    }

    /** {@link #parse(String)} for the value of {@code flag}, which its errors name. */
    public static long parse(String text, String flag) {
        try {
            return parse(text);
        } catch (YalisException e) {
            throw new YalisException(flag + ": " + e.getMessage());
        }
    }

    public static long parse(String text) {
        String trimmed = text.trim();
        String number = trimmed.replaceAll("[A-Za-z]+$", "");
        String unit = trimmed.substring(number.length()).toLowerCase(Locale.ROOT);
        double value;
        try {
            value = Double.parseDouble(number.trim());
        } catch (NumberFormatException e) {
            throw new YalisException("cannot read '" + text + "' as a size; write it like 512MiB, 2GiB or 1073741824");
        }
        long multiplier = switch (unit) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            case "t", "tb", "tib" -> 1L << 40;
            default -> throw new YalisException("unknown size unit '" + unit + "' in '" + text
                    + "'; use KiB, MiB, GiB or TiB");
        };
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new YalisException("size '" + text + "' must be a non-negative number");
        }
        return (long) (value * multiplier);
    }

    public static String format(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        } else if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        } else if (bytes >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / (double) (1L << 10));
        }
        return bytes + " B";
    }
}
