package org.yalis.engine.plan;

/** Where the shape-only backend, attention and communicators write: the trace of the phase now running. */
final class TraceRecorder {
    private StepTrace current;

    void recordInto(StepTrace trace) {
        current = trace;
    }

    /** Null outside a step (while loading), when nothing is recorded. */
    StepTrace current() {
        return current;
    }
}
