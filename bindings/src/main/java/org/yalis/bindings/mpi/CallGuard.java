package org.yalis.bindings.mpi;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Enforces the thread rules before each MPI call, failing fast with a clear message instead of
 * letting two threads interleave collectives (which deadlocks or corrupts data across ranks):
 * <ul>
 *   <li>always: an object (communicator, request) is used by one thread at a time;</li>
 *   <li>provided {@code SERIALIZED}: additionally no two MPI calls at once in the process;</li>
 *   <li>provided {@code FUNNELED} or {@code SINGLE}: additionally only the thread that initialised MPI.</li>
 * </ul>
 * A thread that finds the object busy gets an {@link IllegalStateException}; nothing blocks here.
 */
final class CallGuard {
    private final ThreadLevel provided;
    private final Thread initThread;
    private final AtomicReference<Thread> processUser = new AtomicReference<>();

    CallGuard(ThreadLevel provided, Thread initThread) {
        this.provided = provided;
        this.initThread = initThread;
    }

    /** Claims {@code objectUser} (and the process, below {@code MULTIPLE}) for this thread until {@link Entry#close()}. */
    Entry enter(AtomicReference<Thread> objectUser, String objectName) {
        Thread me = Thread.currentThread();
        if (!provided.atLeast(ThreadLevel.SERIALIZED) && me != initThread) {
            throw new IllegalStateException(objectName + ": MPI provides thread level " + provided
                    + ", so only the thread that initialised MPI (" + initThread.getName() + ") may call it, not "
                    + me.getName() + "; initialise with ThreadLevel.MULTIPLE to use MPI from other threads");
        }
        // Process-wide claim below MULTIPLE; a nested call on the thread that holds it is fine.
        boolean process = !provided.atLeast(ThreadLevel.MULTIPLE) && processUser.get() != me;
        if (process && !processUser.compareAndSet(null, me)) {
            throw busy("MPI (thread level " + provided + ")", processUser.get(), me);
        }
        if (objectUser != null && !objectUser.compareAndSet(null, me)) {
            if (process) {
                processUser.set(null);
            }
            throw busy(objectName, objectUser.get(), me);
        }
        return new Entry(objectUser, process);
    }

    private static IllegalStateException busy(String what, Thread user, Thread me) {
        return new IllegalStateException(what + " is in use by thread "
                + (user == null ? "?" : user.getName()) + (user == me ? " (this thread: a nested call)" : "")
                + "; use it from one thread at a time (give each thread its own Communicator.dup())");
    }

    /** A claim on the object (and the process), released by {@link #close()}. */
    final class Entry implements AutoCloseable {
        private final AtomicReference<Thread> objectUser;
        private final boolean process;

        private Entry(AtomicReference<Thread> objectUser, boolean process) {
            this.objectUser = objectUser;
            this.process = process;
        }

        @Override
        public void close() {
            if (objectUser != null) {
                objectUser.set(null);
            }
            if (process) {
                processUser.set(null);
            }
        }
    }
}
