package org.yalis.engine.cuda;

import java.util.ArrayList;
import java.util.List;

import org.yalis.bindings.cuda.CudaEvent;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.engine.metrics.StepClock;

/**
 * Profiling time on the GPU's timeline: every mark records a CUDA event on the backend's stream
 * (no wait), and the step's times are read once at its end, after waiting for the last event. The
 * events are reused from step to step.
 */
final class EventStepClock implements StepClock, AutoCloseable {
    private final CudaRuntime cuda;
    private final CudaStream stream;
    private final Runnable makeCurrent;
    private final List<CudaEvent> events = new ArrayList<>();
    private int marks;

    EventStepClock(CudaRuntime cuda, CudaStream stream, Runnable makeCurrent) {
        this.cuda = cuda;
        this.stream = stream;
        this.makeCurrent = makeCurrent;
    }

    @Override
    public void begin() {
        marks = 0;
        mark();
    }

    @Override
    public void mark() {
        makeCurrent.run();
        if (marks == events.size()) {
            events.add(cuda.eventCreateWithFlags());
        }
        cuda.eventRecord(events.get(marks++), stream);
    }

    @Override
    public long[] resolve() {
        makeCurrent.run();
        long[] nanos = new long[marks];
        if (marks == 0) {
            return nanos;
        }
        cuda.eventSynchronize(events.get(marks - 1));
        for (int i = 1; i < marks; i++) {
            nanos[i] = Math.round(cuda.eventElapsedTime(events.getFirst(), events.get(i)) * 1e6);
        }
        return nanos;
    }

    @Override
    public void close() {
        for (CudaEvent event : events) {
            cuda.eventDestroy(event);
        }
        events.clear();
    }
}
