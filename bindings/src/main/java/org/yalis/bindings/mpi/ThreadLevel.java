package org.yalis.bindings.mpi;

/**
 * MPI thread support levels ({@code MPI_THREAD_*}, 0..3 in both the Open MPI and the MPICH ABI).
 * The level MPI provides decides what the bindings allow (see {@link Mpi}).
 */
public enum ThreadLevel {
    /** Only one thread exists. */
    SINGLE(0),
    /** Only the thread that initialised MPI makes MPI calls. */
    FUNNELED(1),
    /** Any thread may call MPI, but never two at the same time (process-wide). */
    SERIALIZED(2),
    /** Any thread may call MPI at any time (each communicator still one thread at a time here). */
    MULTIPLE(3);

    private final int value;

    ThreadLevel(int value) {
        this.value = value;
    }

    /** The C value of {@code MPI_THREAD_*}. */
    public int value() {
        return value;
    }

    /** The level for a C value, e.g. what {@code MPI_Init_thread} wrote to {@code provided}. */
    public static ThreadLevel of(int value) {
        for (ThreadLevel level : values()) {
            if (level.value == value) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown MPI thread level " + value
                + " (an MPI 5 standard-ABI library? those use 0/1024/2048/4096 and are not supported)");
    }

    /** Whether this level allows everything {@code other} does. */
    public boolean atLeast(ThreadLevel other) {
        return value >= other.value;
    }
}
