package org.yalis.bindings.mpi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The thread rules, without MPI. */
class CallGuardTest {

    private static Throwable onOtherThread(Runnable action) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                action.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).join();
    }

    @Test
    void aBusyCommunicatorIsRefusedToOtherThreadsAndFreedAfter() {
        CallGuard guard = new CallGuard(ThreadLevel.MULTIPLE, Thread.currentThread());
        AtomicReference<Thread> comm = new AtomicReference<>();
        AtomicReference<Thread> other = new AtomicReference<>();
        try (CallGuard.Entry ignored = guard.enter(comm, "MPI_Allreduce on world")) {
            Throwable busy = onOtherThread(() -> guard.enter(comm, "MPI_Bcast on world").close());
            assertTrue(busy instanceof IllegalStateException && busy.getMessage().contains("is in use by thread"),
                    String.valueOf(busy));
            // MULTIPLE: another communicator is usable meanwhile.
            assertDoesNotThrow(() -> {
                Throwable t = onOtherThread(() -> guard.enter(other, "MPI_Bcast on dup").close());
                if (t != null) {
                    throw t;
                }
            });
        }
        Throwable free = onOtherThread(() -> guard.enter(comm, "MPI_Bcast on world").close());
        assertTrue(free == null, String.valueOf(free));
    }

    @Test
    void serializedAllowsOneCallAtATimeInTheProcess() {
        CallGuard guard = new CallGuard(ThreadLevel.SERIALIZED, Thread.currentThread());
        try (CallGuard.Entry ignored = guard.enter(new AtomicReference<>(), "MPI_Barrier on a")) {
            // Nested calls on the same thread are fine (e.g. waiting inside an error path).
            guard.enter(new AtomicReference<>(), "MPI_Wait").close();
            Throwable busy = onOtherThread(() -> guard.enter(new AtomicReference<>(), "MPI_Barrier on b").close());
            assertTrue(busy instanceof IllegalStateException && busy.getMessage().contains("SERIALIZED"),
                    String.valueOf(busy));
        }
        assertTrue(onOtherThread(() -> guard.enter(new AtomicReference<>(), "MPI_Barrier on b").close()) == null);
    }

    @Test
    void funneledAllowsOnlyTheInitialisingThread() {
        CallGuard guard = new CallGuard(ThreadLevel.FUNNELED, Thread.currentThread());
        guard.enter(new AtomicReference<>(), "MPI_Barrier").close();
        Throwable refused = onOtherThread(() -> guard.enter(new AtomicReference<>(), "MPI_Barrier").close());
        assertTrue(refused instanceof IllegalStateException && refused.getMessage().contains("MULTIPLE"),
                String.valueOf(refused));
    }

    @Test
    void threadLevelsMatchTheCValues() {
        assertThrows(IllegalArgumentException.class, () -> ThreadLevel.of(4096));
        for (ThreadLevel level : ThreadLevel.values()) {
            assertTrue(ThreadLevel.of(level.value()) == level);
        }
        assertTrue(ThreadLevel.MULTIPLE.atLeast(ThreadLevel.SERIALIZED));
    }
}
