package org.yalis.engine.metrics;

import java.util.Arrays;

/** {@link StepClock#host}: the host's clock, read after waiting for the device at every mark. */
final class HostStepClock implements StepClock {
    private final Runnable synchronize;
    private long[] marks = new long[64];
    private int count;

    HostStepClock(Runnable synchronize) {
        this.synchronize = synchronize;
    }

    @Override
    public void begin() {
        count = 0;
        mark();
    }

    @Override
    public void mark() {
        synchronize.run();
        if (count == marks.length) {
            marks = Arrays.copyOf(marks, count * 2);
        }
        marks[count++] = System.nanoTime();
    }

    @Override
    public long[] resolve() {
        return Arrays.copyOf(marks, count);
    }
}
