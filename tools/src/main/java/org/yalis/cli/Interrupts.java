package org.yalis.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Ctrl-C (SIGINT) caught for a while instead of ending the process. The JDK has no public API for a
 * signal handler; {@code sun.misc.Signal} (module jdk.unsupported, exported for exactly this use, as JLine
 * and others use it) is the one there is, and javac warns about it, here only.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Runs {@code work} with Ctrl-C setting the flag it is given; the previous handling comes back after. */
    static <T> T caught(Function<AtomicBoolean, T> work) {
        AtomicBoolean interrupted = new AtomicBoolean();
        sun.misc.Signal interrupt = new sun.misc.Signal("INT");
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(interrupt, signal -> interrupted.set(true));
        try {
            return work.apply(interrupted);
        } finally {
            sun.misc.Signal.handle(interrupt, previous);
        }
    }
}
