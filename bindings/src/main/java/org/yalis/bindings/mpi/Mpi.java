package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * MPI, initialised in this process: the entry point of the bindings.
 *
 * <pre>{@code
 * try (Mpi mpi = Mpi.initialize(ThreadLevel.MULTIPLE)) {
 *     Communicator world = mpi.world();
 *     try (Arena arena = Arena.ofConfined()) {
 *         MemorySegment x = arena.allocate(JAVA_FLOAT, n);
 *         world.allreduceInPlace(x, n, MpiDatatype.FLOAT, MpiOp.SUM);
 *     }
 * }   // MPI_Finalize
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * MPI can be initialised once per process and never again after {@code MPI_Finalize}:
 * {@link #initialize} returns the same instance on every call until {@link #close()} finalises,
 * and refuses afterwards. If MPI was already initialised by other code in the process, the
 * instance adopts it and {@link #close()} leaves finalising to that code. Under {@code mpirun},
 * every rank must call {@link #close()} (or {@link Communicator#abort}) before it exits, or the
 * launcher reports the job as failed.
 *
 * <p>Initialisation installs {@code MPI_ERRORS_RETURN} on {@code MPI_COMM_WORLD} and
 * {@code MPI_COMM_SELF} (and so on every communicator derived from them), so MPI errors surface as
 * {@link MpiException}s, and calls {@code MPI_Wtime} once (Open MPI's first call returns 0 and sets
 * the time origin).
 *
 * <h2>Threads</h2>
 * Ask for {@link ThreadLevel#MULTIPLE} when several threads use MPI (one communicator each, made
 * with {@link Communicator#dup()}); {@link #providedThreadLevel()} tells what MPI granted, and
 * the bindings enforce it (see {@link Communicator}): below {@code SERIALIZED} only the
 * initialising thread may call MPI, at {@code SERIALIZED} one call at a time process-wide. Blocking
 * collectives pin a virtual thread's carrier: call them from platform threads.
 */
public final class Mpi implements AutoCloseable {
    private static Mpi instance;
    private static boolean finalizedByUs;

    private final MpiLibrary library;
    private final ThreadLevel requested;
    private final ThreadLevel provided;
    private final boolean ownsInitialization;
    private final CallGuard guard;
    private final Communicator world;
    private final Communicator self;
    private volatile boolean finalized;
    private volatile long maxCount = Integer.MAX_VALUE;

    private Mpi(MpiLibrary library, ThreadLevel requested, ThreadLevel provided, boolean ownsInitialization) {
        this.library = library;
        this.requested = requested;
        this.provided = provided;
        this.ownsInitialization = ownsInitialization;
        this.guard = new CallGuard(provided, Thread.currentThread());
        MpiAbi abi = library.abi();
        setErrorsReturn(abi.commWorld(), "MPI_COMM_WORLD");
        setErrorsReturn(abi.commSelf(), "MPI_COMM_SELF");
        this.world = new Communicator(this, abi.commWorld(), "MPI_COMM_WORLD", true);
        this.self = new Communicator(this, abi.commSelf(), "MPI_COMM_SELF", true);
        wtime(); // Open MPI: the first call returns 0.0 and sets the origin.
    }

    /**
     * Initialises MPI ({@code MPI_Init_thread}, no argc/argv) with the library {@link MpiLibrary#load()}
     * picks, or returns the instance already initialised.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when no MPI library is found
     * @throws MpiException when {@code MPI_Init_thread} fails
     * @throws IllegalStateException after {@link #close()} finalised MPI, or when the library does not
     *         match the launcher (every rank would come up alone, as a singleton)
     */
    public static Mpi initialize(ThreadLevel required) {
        return initialize(MpiLibrary.load(), required);
    }

    /** Like {@link #initialize(ThreadLevel)} with a given library. */
    public static synchronized Mpi initialize(MpiLibrary library, ThreadLevel required) {
        if (finalizedByUs) {
            throw new IllegalStateException("MPI was finalized in this process; it cannot be initialised again");
        }
        if (instance != null) {
            if (instance.library != library) {
                throw new IllegalStateException("MPI is already initialised with " + instance.library);
            }
            return instance;
        }
        if (library.isFinalized()) {
            throw new IllegalStateException("MPI was finalized in this process; it cannot be initialised again");
        }
        Mpi mpi;
        if (library.isInitialized()) {
            mpi = new Mpi(library, required, queryThread(library), false);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment provided = arena.allocate(JAVA_INT);
                int rc = (int) library.calls().initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                        required.value(), provided);
                library.check("MPI_Init_thread", rc);
                mpi = new Mpi(library, required, ThreadLevel.of(provided.get(JAVA_INT, 0)), true);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("MPI_Init_thread failed", t);
            }
        }
        mpi.checkLauncher(System.getenv());
        instance = mpi;
        return mpi;
    }

    /** The initialised instance, if {@link #initialize} ran and MPI is not finalised. */
    public static synchronized Optional<Mpi> current() {
        return Optional.ofNullable(instance);
    }

    private static ThreadLevel queryThread(MpiLibrary library) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment provided = arena.allocate(JAVA_INT);
            library.check("MPI_Query_thread", (int) library.calls().queryThread.invokeExact(provided));
            return ThreadLevel.of(provided.get(JAVA_INT, 0));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Query_thread failed", t);
        }
    }

    /** A launcher that started N ranks while this library sees a world of another size means a mismatch. */
    void checkLauncher(Map<String, String> env) {
        OptionalInt expected = MpiLibrarySelector.launcherSize(env);
        if (expected.isPresent() && expected.getAsInt() != world.size()) {
            String launcher = MpiLibrarySelector.launcherFlavor(env).map(MpiFlavor::displayName).orElse("an MPI");
            throw new IllegalStateException("launched by " + launcher + " launcher with " + expected.getAsInt()
                    + " ranks, but " + library + " sees a world of " + world.size()
                    + ": the library does not belong to the launcher; set YALIS_MPI_LIBRARY to the launcher's libmpi"
                    + " (or YALIS_MPI_LIBRARY=openmpi|mpich)");
        }
    }

    /** The library MPI runs on. */
    public MpiLibrary library() {
        return library;
    }

    /** The handle ABI of the library. */
    public MpiFlavor flavor() {
        return library.flavor();
    }

    /** The thread level asked for. */
    public ThreadLevel requestedThreadLevel() {
        return requested;
    }

    /** The thread level MPI provides ({@code MPI_Init_thread}'s {@code provided}); the bindings enforce it. */
    public ThreadLevel providedThreadLevel() {
        return provided;
    }

    /** {@code MPI_COMM_WORLD}. */
    public Communicator world() {
        return world;
    }

    /** {@code MPI_COMM_SELF}. */
    public Communicator self() {
        return self;
    }

    /** {@code MPI_Initialized}. */
    public boolean isInitialized() {
        return library.isInitialized();
    }

    /** {@code MPI_Finalized}. */
    public boolean isFinalized() {
        return library.isFinalized();
    }

    /** {@code MPI_Wtime}: seconds since an arbitrary origin in the past (per process). */
    public double wtime() {
        try (CallGuard.Entry ignored = enter(null, "MPI_Wtime")) {
            return (double) library.calls().wtime.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Wtime failed", t);
        }
    }

    /** {@code MPI_Get_processor_name}: usually the host name. */
    public String processorName() {
        try (CallGuard.Entry ignored = enter(null, "MPI_Get_processor_name"); Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(library.abi().maxProcessorName() + 1L);
            MemorySegment length = arena.allocate(JAVA_INT);
            library.check("MPI_Get_processor_name", (int) library.calls().getProcessorName.invokeExact(text, length));
            return MpiLibrary.string(text, length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Get_processor_name failed", t);
        }
    }

    /** {@code MPI_Error_string}. */
    public String errorString(int code) {
        return library.errorString(code);
    }

    /** {@code MPI_Get_library_version}. */
    public String libraryVersion() {
        return library.libraryVersion();
    }

    /** {@code MPI_Abort(MPI_COMM_WORLD, code)}: ends every rank of the job; never returns. See {@link Communicator#abort}. */
    public void abort(int code) {
        world.abort(code);
    }

    /**
     * Makes an exception that no code catches, on any thread, end the whole job with
     * {@code MPI_Abort(MPI_COMM_WORLD, code)} after printing its stack trace, instead of leaving
     * the other ranks waiting forever in their next collective.
     */
    public void abortOnUncaughtException(int code) {
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            System.err.println("rank " + world.rank() + ": uncaught exception in thread " + thread.getName()
                    + "; aborting the MPI job with code " + code);
            error.printStackTrace();
            abort(code);
        });
    }

    /**
     * {@code MPI_Finalize}, if these bindings initialised MPI (otherwise only forgets this instance).
     * Every communicator and request becomes unusable; MPI cannot be initialised again. Idempotent.
     * All ranks must call it, after their last collective (it may synchronise).
     */
    @Override
    public void close() {
        synchronized (Mpi.class) {
            if (finalized) {
                return;
            }
            try (CallGuard.Entry ignored = enter(null, "MPI_Finalize")) {
                if (ownsInitialization) {
                    library.check("MPI_Finalize", (int) library.calls().finalizeMpi.invokeExact());
                    finalizedByUs = true;
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("MPI_Finalize failed", t);
            } finally {
                finalized = true;
                instance = null;
            }
        }
    }

    @Override
    public String toString() {
        return "MPI " + library + ", thread level " + provided + (finalized ? ", finalized" : "");
    }

    /** Checks MPI is still up and claims {@code objectUser} for this thread (see {@link CallGuard}). */
    CallGuard.Entry enter(AtomicReference<Thread> objectUser, String objectName) {
        if (finalized) {
            throw new IllegalStateException(objectName + ": MPI was finalized");
        }
        return guard.enter(objectUser, objectName);
    }

    boolean finalized() {
        return finalized;
    }

    /** The largest count one MPI call gets (MPI counts are C ints); larger transfers are split. */
    long maxCount() {
        return maxCount;
    }

    /** For tests: split transfers at a small count to exercise the chunking without 8 GiB buffers. */
    void maxCountForTesting(long count) {
        if (count < 1 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("count " + count);
        }
        maxCount = count;
    }

    private void setErrorsReturn(long comm, String name) {
        try {
            int rc = (int) library.calls().commSetErrhandler.invokeExact(comm, library.abi().errorsReturn());
            library.check("MPI_Comm_set_errhandler(" + name + ", MPI_ERRORS_RETURN)", rc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Comm_set_errhandler failed", t);
        }
    }
}
