package org.yalis.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.engine.model.Phase;

/** The profiler charges each interval between marks to the innermost open category, whatever the clock. */
class ProfilerTest {

    /** A device-like clock: marks are only counted; their times come from a script, all at resolve(). */
    private static final class ScriptedClock implements StepClock {
        private final long[] script;
        private int marks;
        private int resolved;
        final List<Integer> marksAtResolve = new ArrayList<>();

        ScriptedClock(long... script) {
            this.script = script;
        }

        @Override
        public void begin() {
            marks = 1;
        }

        @Override
        public void mark() {
            marks++;
        }

        @Override
        public long[] resolve() {
            marksAtResolve.add(marks);
            long[] times = new long[marks];
            System.arraycopy(script, resolved, times, 0, marks);
            resolved += marks;
            return times;
        }
    }

    @Test
    void nestedCategoriesAreExclusiveAndAddUpToTheStep() {
        // begin 0 | gemm at 10 | collective at 25 | back to gemm at 45 | back to other at 50 | end at 70
        ScriptedClock clock = new ScriptedClock(0, 10, 25, 45, 50, 70);
        Profiler profiler = new Profiler(clock);
        profiler.enter(Category.GEMM);   // outside a step: ignored, no mark
        profiler.exit();
        profiler.beginStep(Phase.DECODE);
        profiler.enter(Category.GEMM);
        profiler.enter(Category.COLLECTIVE);
        profiler.collective(4096);
        profiler.exit();
        profiler.exit();
        profiler.endStep(3);

        assertEquals(List.of(6), clock.marksAtResolve, "one mark per boundary, resolved once per step");
        PhaseBreakdown decode = profiler.breakdown(Phase.DECODE);
        assertEquals(30, decode.nanos().get(Category.OTHER));
        assertEquals(20, decode.nanos().get(Category.GEMM));
        assertEquals(20, decode.nanos().get(Category.COLLECTIVE));
        assertEquals(0, decode.nanos().get(Category.ATTENTION));
        assertEquals(70, decode.stepNanos());
        assertEquals(1, decode.steps());
        assertEquals(3, decode.tokens());
        assertEquals(4096, decode.collectiveBytes());
        assertEquals(0, profiler.breakdown(Phase.PREFILL).steps());
    }

    @Test
    void stepsOfAPhaseAccumulate() {
        ScriptedClock clock = new ScriptedClock(100, 104, 110, 110, 1000, 1001, 1003, 1003);
        Profiler profiler = new Profiler(clock);
        for (int step = 0; step < 2; step++) {
            profiler.beginStep(Phase.PREFILL);
            profiler.enter(Category.ATTENTION);
            profiler.exit();
            profiler.endStep(8);
        }
        PhaseBreakdown prefill = profiler.breakdown(Phase.PREFILL);
        assertEquals(2, prefill.steps());
        assertEquals(16, prefill.tokens());
        assertEquals(4 + 1, prefill.nanos().get(Category.OTHER));
        assertEquals(6 + 2, prefill.nanos().get(Category.ATTENTION));
        assertEquals(10 + 3, prefill.stepNanos());
    }

    @Test
    void aPausedProfilerRecordsNothingAndTouchesNoClock() {
        StepClock untouchable = new StepClock() {
            @Override
            public void begin() {
                throw new AssertionError("begin while paused");
            }

            @Override
            public void mark() {
                throw new AssertionError("mark while paused");
            }

            @Override
            public long[] resolve() {
                throw new AssertionError("resolve while paused");
            }
        };
        Profiler profiler = new Profiler(untouchable);
        profiler.setEnabled(false);
        profiler.beginStep(Phase.DECODE);
        profiler.enter(Category.GEMM);
        profiler.collective(4096);
        profiler.exit();
        profiler.endStep(1);
        assertEquals(0, profiler.breakdown(Phase.DECODE).steps());
        assertEquals(0, profiler.breakdown(Phase.DECODE).collectiveBytes());
    }

    @Test
    void aClockThatLosesMarksIsAnError() {
        StepClock broken = new StepClock() {
            @Override
            public void begin() {
            }

            @Override
            public void mark() {
            }

            @Override
            public long[] resolve() {
                return new long[] {0};
            }
        };
        Profiler profiler = new Profiler(broken);
        profiler.beginStep(Phase.DECODE);
        profiler.enter(Category.GEMM);
        assertThrows(IllegalStateException.class, () -> profiler.endStep(1));
    }

    @Test
    void theHostClockWaitsForTheDeviceAtEveryMark() {
        int[] synchronizations = {0};
        Profiler profiler = new Profiler(() -> synchronizations[0]++);
        profiler.beginStep(Phase.DECODE);
        profiler.enter(Category.GEMM);
        profiler.exit();
        profiler.endStep(1);
        assertEquals(4, synchronizations[0], "begin, enter, exit, end");
        PhaseBreakdown decode = profiler.breakdown(Phase.DECODE);
        long sum = decode.nanos().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(decode.stepNanos(), sum, "categories add up to the step");
    }
}
