package org.yalis.engine.metrics;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Totals of one phase (prefill or decode) over the steps a profiler saw: time per category (they
 * add up to the steps' time), steps, tokens, and the sizes of the collectives.
 *
 * @param collectiveMessages message size in bytes to how many collectives moved that size
 */
public record PhaseBreakdown(Map<Category, Long> nanos, long stepNanos, int steps, long tokens,
                             Map<Long, Long> collectiveMessages, long collectiveBytes) {

    public static PhaseBreakdown empty() {
        Map<Category, Long> zero = new EnumMap<>(Category.class);
        for (Category category : Category.values()) {
            zero.put(category, 0L);
        }
        return new PhaseBreakdown(Collections.unmodifiableMap(zero), 0, 0, 0, Map.of(), 0);
    }

    public double millis(Category category) {
        return nanos.getOrDefault(category, 0L) / 1e6;
    }

    public double stepMillis() {
        return stepNanos / 1e6;
    }

    /** The category's share of the steps' time, 0..1. */
    public double share(Category category) {
        return stepNanos == 0 ? 0 : nanos.getOrDefault(category, 0L) / (double) stepNanos;
    }

    PhaseBreakdown plus(Map<Category, Long> stepCategories, long nanosOfStep, long tokensOfStep,
                        Map<Long, Long> messages, long bytes) {
        Map<Category, Long> sum = new EnumMap<>(Category.class);
        for (Category category : Category.values()) {
            sum.put(category, nanos.getOrDefault(category, 0L) + stepCategories.getOrDefault(category, 0L));
        }
        Map<Long, Long> allMessages = new TreeMap<>(collectiveMessages);
        messages.forEach((size, count) -> allMessages.merge(size, count, Long::sum));
        return new PhaseBreakdown(Collections.unmodifiableMap(sum), stepNanos + nanosOfStep, steps + 1,
                tokens + tokensOfStep, Collections.unmodifiableMap(allMessages), collectiveBytes + bytes);
    }
}
