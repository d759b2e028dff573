package org.yalis.engine.metrics;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

import org.yalis.engine.model.Phase;

/**
 * Nested timers for one rank's steps. Time is exclusive: entering a category pauses the one it is
 * nested in, so a linear layer's all-reduce counts as collective, not as gemm, and the categories of
 * a step add up to the step. Each step is one top-level {@link Category#OTHER} scope.
 *
 * <p>Only installed when profiling (the profiled decorators wrap the modules); the default path runs
 * no timer at all. On a device that runs work asynchronously, {@code synchronize} is called at every
 * boundary so the host clock measures finished work.
 */
public final class Profiler {
    private final Runnable synchronize;
    private final Deque<Category> open = new ArrayDeque<>();
    private final Map<Category, Long> stepNanos = new EnumMap<>(Category.class);
    private final Map<Long, Long> stepMessages = new TreeMap<>();
    private final Map<Phase, PhaseBreakdown> phases = new EnumMap<>(Phase.class);
    private long stepBytes;
    private long lastMark;
    private long stepStart;
    private Phase phase;

    public Profiler(Runnable synchronize) {
        this.synchronize = synchronize;
        reset();
    }

    public void beginStep(Phase stepPhase) {
        synchronize.run();
        phase = stepPhase;
        stepNanos.clear();
        stepMessages.clear();
        stepBytes = 0;
        open.clear();
        stepStart = System.nanoTime();
        lastMark = stepStart;
        open.push(Category.OTHER);
    }

    public void endStep(long tokens) {
        synchronize.run();
        long now = System.nanoTime();
        charge(now);
        open.clear();
        phases.merge(phase, PhaseBreakdown.empty().plus(stepNanos, now - stepStart, tokens, stepMessages, stepBytes),
                (total, step) -> total.plus(step.nanos(), step.stepNanos(), step.tokens(), step.collectiveMessages(),
                        step.collectiveBytes()));
    }

    public void enter(Category category) {
        if (open.isEmpty()) {
            return;   // outside a step (loading, warm-up calls): not profiled
        }
        synchronize.run();
        charge(System.nanoTime());
        open.push(category);
    }

    public void exit() {
        if (open.size() <= 1) {
            return;
        }
        synchronize.run();
        charge(System.nanoTime());
        open.pop();
    }

    /** Notes one collective of {@code bytes} in the current step. */
    public void collective(long bytes) {
        if (!open.isEmpty()) {
            stepMessages.merge(bytes, 1L, Long::sum);
            stepBytes += bytes;
        }
    }

    private void charge(long now) {
        stepNanos.merge(open.peek(), now - lastMark, Long::sum);
        lastMark = now;
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
