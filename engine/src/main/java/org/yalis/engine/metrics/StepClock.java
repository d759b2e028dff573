package org.yalis.engine.metrics;

/**
 * Where a {@link Profiler} reads time. The profiler marks every boundary of a step (a category
 * entered or left) and asks for the times of all the step's marks once, when the step ends.
 *
 * <p>A host clock waits for the device and reads {@link System#nanoTime} at each mark, so it measures
 * finished work. A GPU backend records an event at each mark instead and resolves them all with one
 * wait at the end of the step: profiling then does not stall the host at every boundary, which on a
 * GPU would cost more than the kernels it measures.
 */
public interface StepClock {

    /** Forgets earlier marks and makes the step's first mark. */
    void begin();

    /** Marks a boundary. */
    void mark();

    /**
     * The time of every mark since {@link #begin} in nanoseconds (the first is {@code begin}'s), on any
     * common origin; waits until the device has passed the last mark.
     */
    long[] resolve();

    /** A clock that calls {@code synchronize} and then reads the host clock at every mark. */
    static StepClock host(Runnable synchronize) {
        return new HostStepClock(synchronize);
    }
}
