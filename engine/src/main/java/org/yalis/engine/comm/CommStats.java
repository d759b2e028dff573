package org.yalis.engine.comm;

import java.util.EnumMap;
import java.util.Map;

/**
 * Per-operation totals of one rank's collectives: how many calls, how many bytes each rank
 * contributed, and how long they took on the calling thread. Not thread-safe: a communicator is
 * used by one thread.
 */
public final class CommStats {

    /** The collective operations that are counted. */
    public enum Operation {
        ALL_REDUCE, ALL_GATHER, BROADCAST, BARRIER
    }

    /** Totals for one operation. */
    public record Totals(long calls, long bytes, long nanos) {
        Totals plus(long moreBytes, long moreNanos) {
            return new Totals(calls + 1, bytes + moreBytes, nanos + moreNanos);
        }
    }

    private final Map<Operation, Totals> totals = new EnumMap<>(Operation.class);

    public void record(Operation operation, long bytes, long nanos) {
        totals.merge(operation, new Totals(1, bytes, nanos), (a, b) -> a.plus(b.bytes(), b.nanos()));
    }

    /** Adds totals gathered elsewhere (another group's, to sum a rank's collectives). */
    public void add(Operation operation, Totals more) {
        totals.merge(operation, more, (a, b) -> new Totals(a.calls() + b.calls(), a.bytes() + b.bytes(),
                a.nanos() + b.nanos()));
    }

    public Totals get(Operation operation) {
        return totals.getOrDefault(operation, new Totals(0, 0, 0));
    }

    public long totalNanos() {
        return totals.values().stream().mapToLong(Totals::nanos).sum();
    }

    public void reset() {
        totals.clear();
    }

    /** A copy, to compare before and after a phase. */
    public Map<Operation, Totals> snapshot() {
        return Map.copyOf(totals);
    }
}
