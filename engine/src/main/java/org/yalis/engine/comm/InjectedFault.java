package org.yalis.engine.comm;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.yalis.engine.YalisException;
import org.yalis.engine.model.Phase;

/**
 * A failure to inject into one rank, for testing how the others stop: {@code YALIS_FAULT=rank=R,at=WHERE,how=HOW}
 * (docs/errors.md). Without the variable nothing is injected and nothing is wrapped.
 *
 * <ul>
 *   <li>{@code at=load}: when the rank has loaded its weights, before the ranks agree on the KV pool;</li>
 *   <li>{@code at=prefill} or {@code at=decode}: at the rank's {@code after}-th collective of that phase
 *       (default 3 and 50), instead of entering it, so the others wait in it;</li>
 *   <li>{@code at=collective}: inside the rank's {@code after}-th decode all-reduce (default 50): the other
 *       ranks enter it late, so the failing rank is already waiting in it when it fails.</li>
 * </ul>
 * {@code how=throw} raises an exception on the rank's thread (as a bug would); {@code how=kill} sends the
 * process SIGKILL (as the kernel's OOM killer or a lost node would), which only ranks as processes survive
 * to report.
 */
public record InjectedFault(int rank, Point at, How how, int after) {

    /** The environment variable that injects a fault. */
    public static final String VARIABLE = "YALIS_FAULT";

    public enum Point { LOAD, PREFILL, DECODE, COLLECTIVE }

    public enum How { THROW, KILL }

    /** How long the other ranks hold back from the collective a rank fails inside of. */
    private static final long OTHERS_DELAY_MILLIS = 500;
    /** How long the failing rank waits inside that collective before failing. */
    private static final long INSIDE_MILLIS = 150;

    /** The fault {@code YALIS_FAULT} asks for, if any. */
    public static Optional<InjectedFault> fromEnvironment() {
        String value = System.getenv(VARIABLE);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(parse(value));
    }

    static InjectedFault parse(String value) {
        Map<String, String> fields = new java.util.HashMap<>();
        for (String part : value.split(",")) {
            String[] pair = part.split("=", 2);
            if (pair.length != 2) {
                throw usage(value);
            }
            fields.put(pair[0].strip().toLowerCase(Locale.ROOT), pair[1].strip().toLowerCase(Locale.ROOT));
        }
        try {
            int rank = Integer.parseInt(fields.getOrDefault("rank", "0"));
            Point at = Point.valueOf(fields.getOrDefault("at", "").toUpperCase(Locale.ROOT));
            How how = How.valueOf(fields.getOrDefault("how", "throw").toUpperCase(Locale.ROOT));
            int after = Integer.parseInt(fields.getOrDefault("after", at == Point.PREFILL ? "3" : "50"));
            if (rank < 0 || after < 1 || !fields.keySet().stream().allMatch(
                    key -> key.equals("rank") || key.equals("at") || key.equals("how") || key.equals("after"))) {
                throw usage(value);
            }
            return new InjectedFault(rank, at, how, after);
        } catch (IllegalArgumentException e) {
            throw usage(value);
        }
    }

    private static YalisException usage(String value) {
        return new YalisException(VARIABLE + "='" + value + "' is not a fault; write rank=R,at=load|prefill|decode|"
                + "collective,how=throw|kill[,after=N], or unset it");
    }

    /** Fails now if this is the fault's rank and point {@code LOAD}. */
    public void atLoad(int worldRank) {
        if (at == Point.LOAD && rank == worldRank) {
            fail("loading");
        }
    }

    /** {@code world} with this fault in its collectives (and in those of the groups split from it). */
    public Communicator inject(Communicator world, Supplier<Phase> phase) {
        return new FaultyCommunicator(world, world.rank(), phase, new int[1]);
    }

    private void fail(String where) {
        String message = "injected fault (" + VARIABLE + "): rank " + rank + " failed " + where;
        if (how == How.KILL) {
            System.err.println(message + ", by SIGKILL");
            System.err.flush();
            killThisProcess();
        }
        throw new IllegalStateException(message);
    }

    private static void killThisProcess() {
        // Java has no way to signal its own process: ProcessHandle refuses to destroy the current one.
        try {
            new ProcessBuilder("kill", "-KILL", String.valueOf(ProcessHandle.current().pid())).inheritIO().start()
                    .waitFor(10, TimeUnit.SECONDS);
            Thread.sleep(TimeUnit.MINUTES.toMillis(1));
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(137);
        }
        Runtime.getRuntime().halt(137);
    }

    /**
     * Counts one rank's collectives (all its groups together, in call order: the same on every rank) and
     * fails or delays the one the fault names.
     */
    private final class FaultyCommunicator implements Communicator {
        private final Communicator delegate;
        private final int worldRank;
        private final Supplier<Phase> phase;
        private final int[] collectivesInPhase;   // shared with the groups split from this one

        FaultyCommunicator(Communicator delegate, int worldRank, Supplier<Phase> phase, int[] collectivesInPhase) {
            this.delegate = delegate;
            this.worldRank = worldRank;
            this.phase = phase;
            this.collectivesInPhase = collectivesInPhase;
        }

        /** Before each all-reduce or all-gather of a step. */
        private void beforeCollective(Runnable collective) {
            Phase current = phase.get();
            boolean counted = current != null && switch (at) {
                case PREFILL -> current == Phase.PREFILL;
                case DECODE, COLLECTIVE -> current == Phase.DECODE;
                case LOAD -> false;
            };
            if (!counted || ++collectivesInPhase[0] != after) {
                collective.run();
                return;
            }
            if (at != Point.COLLECTIVE) {
                if (worldRank == rank) {
                    fail("in " + current.name().toLowerCase(Locale.ROOT) + ", before its collective " + after);
                }
                collective.run();
                return;
            }
            if (worldRank != rank) {
                sleep(OTHERS_DELAY_MILLIS);
                collective.run();
                return;
            }
            // The others arrive late, so this rank is waiting inside the collective when it fails: a kill
            // from another thread lands while this one is blocked in the library; a throw comes out of it.
            if (how == How.KILL) {
                Thread.ofPlatform().daemon().start(() -> {
                    sleep(INSIDE_MILLIS);
                    fail("inside decode collective " + after);
                });
                collective.run();
                return;
            }
            sleep(INSIDE_MILLIS);
            fail("inside decode collective " + after);
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public int rank() {
            return delegate.rank();
        }

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public String backend() {
            return delegate.backend();
        }

        @Override
        public void allReduceSum(org.yalis.engine.tensor.Tensor tensor) {
            beforeCollective(() -> delegate.allReduceSum(tensor));
        }

        @Override
        public void allGather(org.yalis.engine.tensor.Tensor local, org.yalis.engine.tensor.Tensor gathered) {
            beforeCollective(() -> delegate.allGather(local, gathered));
        }

        @Override
        public void broadcast(org.yalis.engine.tensor.Tensor tensor, int root) {
            delegate.broadcast(tensor, root);
        }

        @Override
        public void broadcastBytes(java.lang.foreign.MemorySegment bytes, int root) {
            delegate.broadcastBytes(bytes, root);
        }

        @Override
        public long[] allGatherLong(long value) {
            return delegate.allGatherLong(value);
        }

        @Override
        public void barrier() {
            delegate.barrier();
        }

        @Override
        public Communicator split(int color, int key) {
            return new FaultyCommunicator(delegate.split(color, key), worldRank, phase, collectivesInPhase);
        }

        @Override
        public void useDeviceStream(DeviceStream stream) {
            delegate.useDeviceStream(stream);
        }

        @Override
        public CommStats stats() {
            return delegate.stats();
        }

        @Override
        public void resetStats() {
            delegate.resetStats();
        }

        @Override
        public void abort(Throwable cause) {
            delegate.abort(cause);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
