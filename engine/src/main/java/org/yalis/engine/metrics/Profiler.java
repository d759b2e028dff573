package org.yalis.engine.metrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.yalis.engine.model.Phase;

/**
 * Nested timers for one rank's steps. Time is exclusive: entering a category pauses the one it is
 * nested in, so a linear layer's all-reduce counts as collective, not as gemm, and the categories of
 * a step add up to the step. Each step is one top-level {@link Category#OTHER} scope.
 *
 * <p>Only installed when profiling (the profiled decorators wrap the modules); the default path runs
 * no timer at all. Time comes from a {@link StepClock}: marks at every boundary, resolved when the
 * step ends (the host clock after waiting for the device, or a GPU's events on its own timeline).
 */
public final class Profiler {
    private final StepClock clock;
    private final Deque<Category> open = new ArrayDeque<>();
    /** For the step's i-th interval (from mark i to mark i + 1), the category it is charged to. */
    private final List<Category> intervals = new ArrayList<>();
    private final Map<Long, Long> stepMessages = new TreeMap<>();
    private final Map<Phase, PhaseBreakdown> phases = new EnumMap<>(Phase.class);
    private long stepBytes;
    private Phase phase;
    private boolean enabled = true;

    /** Times steps with {@code clock}: the host's, or a device's events. */
    public Profiler(StepClock clock) {
        this.clock = clock;
        reset();
    }

    /** Times steps on the host clock, calling {@code synchronize} at every boundary. */
    public Profiler(Runnable synchronize) {
        this(StepClock.host(synchronize));
    }

    /**
     * Pauses ({@code false}) or resumes timing. While paused, steps are not recorded and the decorators'
     * timers return at once (no step is open), so a run measures throughput undisturbed by the marks
     * (on the CPU each mark waits for the compute threads).
     */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    public void beginStep(Phase stepPhase) {
        if (!enabled) {
            open.clear();
            return;
        }
        phase = stepPhase;
        stepMessages.clear();
        stepBytes = 0;
        open.clear();
        intervals.clear();
        clock.begin();
        open.push(Category.OTHER);
    }

    public void endStep(long tokens) {
        if (open.isEmpty()) {
            return;   // paused
        }
        mark();
        long[] times = clock.resolve();
        if (times.length != intervals.size() + 1) {
            throw new IllegalStateException("the step clock returned " + times.length + " marks for "
                    + intervals.size() + " intervals");
        }
        Map<Category, Long> stepNanos = new EnumMap<>(Category.class);
        for (int i = 0; i < intervals.size(); i++) {
            stepNanos.merge(intervals.get(i), times[i + 1] - times[i], Long::sum);
        }
        open.clear();
        phases.merge(phase, PhaseBreakdown.empty().plus(stepNanos, times[times.length - 1] - times[0], tokens,
                        stepMessages, stepBytes),
                (total, step) -> total.plus(step.nanos(), step.stepNanos(), step.tokens(), step.collectiveMessages(),
                        step.collectiveBytes()));
    }

    public void enter(Category category) {
        if (open.isEmpty()) {
            return;   // outside a step (loading, warm-up calls): not profiled
        }
        mark();
        open.push(category);
    }

    public void exit() {
        if (open.size() <= 1) {
            return;
        }
        mark();
        open.pop();
    }

    /** Notes one collective of {@code bytes} in the current step. */
    public void collective(long bytes) {
        if (!open.isEmpty()) {
            stepMessages.merge(bytes, 1L, Long::sum);
            stepBytes += bytes;
        }
    }

    /** Ends the interval of the innermost open category here. */
    private void mark() {
        clock.mark();
        intervals.add(open.peek());
    }

    public PhaseBreakdown breakdown(Phase ofPhase) {
        return phases.getOrDefault(ofPhase, PhaseBreakdown.empty());
    }

    public void reset() {
        for (Phase each : Phase.values()) {
            phases.put(each, PhaseBreakdown.empty());
        }
    }
}
