package org.yalis.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * A progress bar for weight loading on stderr, drawn only when stderr is a terminal (the launcher
 * tells us: {@code -Dyalis.stderr.tty=true}); logs and pipes get nothing.
 */
final class LoadProgress implements BiConsumer<String, Long> {
    private final PrintWriter err;
    private final boolean enabled;
    private long bytes;
    private long lastDrawnMiB = -1;

    private LoadProgress(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    static LoadProgress forStderr(PrintWriter err) {
        return new LoadProgress(err, Boolean.getBoolean("yalis.stderr.tty"));
    }

    @Override
    public void accept(String tensor, Long tensorBytes) {
        bytes += tensorBytes;
        long mib = bytes >> 20;
        if (enabled && mib >= lastDrawnMiB + 64) {
            lastDrawnMiB = mib;
            err.printf(Locale.ROOT, "\rloading weights: %,d MiB  ", mib);
            err.flush();
        }
    }

    void done() {
        if (enabled && lastDrawnMiB >= 0) {
            err.print("\r");
            err.flush();
        }
    }
}
