package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A started non-blocking operation ({@code MPI_Request}; one per chunk when a count above
 * {@code Integer.MAX_VALUE} was split). Complete it with {@link #await()} (or poll {@link #test()})
 * exactly once before touching its buffers, freeing them, or calling {@link Mpi#close()}.
 *
 * <p>The request holds its buffer segments, so their memory stays reachable until completion; the
 * arenas they belong to must stay open until then (checked, after the fact, by {@link #await()}).
 * A request is used by one thread at a time; any thread may complete it if MPI provides
 * {@code MULTIPLE}.
 */
public final class MpiRequest {
    private final Mpi mpi;
    private final String function;
    private final long[] handles;
    private final List<MemorySegment> buffers;
    private final AtomicReference<Thread> user = new AtomicReference<>();
    private int next;

    MpiRequest(Mpi mpi, String function, List<Long> handles, List<MemorySegment> buffers) {
        this.mpi = mpi;
        this.function = function;
        this.handles = handles.stream().mapToLong(Long::longValue).toArray();
        this.buffers = List.copyOf(buffers);
    }

    /** {@code MPI_Wait} on every part: blocks until the operation is complete. Idempotent. */
    public void await() {
        MpiLibrary library = mpi.library();
        MpiAbi abi = library.abi();
        try (CallGuard.Entry ignored = mpi.enter(user, "MPI_Wait for " + function); Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocate(abi.handleLayout());
            while (next < handles.length) {
                abi.writeHandle(cell, handles[next]);
                int rc = (int) library.calls().waitRequest.invokeExact(cell, abi.statusIgnore());
                handles[next] = abi.readHandle(cell);
                next++;
                library.check("MPI_Wait (" + function + ")", rc);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Wait failed", t);
        }
        checkBuffersAlive();
    }

    /** {@code MPI_Test}: whether the operation has completed (then it is finished, as by {@link #await()}). */
    public boolean test() {
        MpiLibrary library = mpi.library();
        MpiAbi abi = library.abi();
        try (CallGuard.Entry ignored = mpi.enter(user, "MPI_Test for " + function); Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocate(abi.handleLayout());
            MemorySegment flag = arena.allocate(JAVA_INT);
            while (next < handles.length) {
                abi.writeHandle(cell, handles[next]);
                int rc = (int) library.calls().testRequest.invokeExact(cell, flag, abi.statusIgnore());
                library.check("MPI_Test (" + function + ")", rc);
                if (flag.get(JAVA_INT, 0) == 0) {
                    return false;
                }
                handles[next] = abi.readHandle(cell);
                next++;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Test failed", t);
        }
        checkBuffersAlive();
        return true;
    }

    /** Whether {@link #await()} or {@link #test()} saw the operation complete. */
    public boolean isComplete() {
        return next == handles.length;
    }

    private void checkBuffersAlive() {
        for (MemorySegment buffer : buffers) {
            if (!buffer.scope().isAlive()) {
                throw new IllegalStateException(function + " completed into a buffer whose arena was closed before"
                        + " the request completed: MPI may have written freed memory; keep arenas open until await()");
            }
        }
    }
}
