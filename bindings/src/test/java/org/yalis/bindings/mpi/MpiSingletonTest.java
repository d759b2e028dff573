package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.yalis.bindings.LibraryLocation;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MPI in this JVM, without mpirun: a singleton MPI_COMM_WORLD of size 1. Every collective is then
 * a copy, which still checks the bindings' plumbing (handles, in place, counts, errors). MPI is
 * finalised once, after all tests here, and cannot come back in this JVM: no other test class
 * initialises MPI in-process.
 */
class MpiSingletonTest {
    private static Mpi mpi;

    @BeforeAll
    static void initialise() {
        LibraryLocation location = MpiLibrary.locate();
        if (!location.found()) {
            System.out.println("SKIPPED: no MPI library found (" + String.join(", ", location.searched())
                    + "); .ci/run installs openmpi-bin libopenmpi-dev");
        }
        Assumptions.assumeTrue(location.found(), "no MPI library found; .ci/run installs libopenmpi-dev");
        mpi = Mpi.initialize(ThreadLevel.MULTIPLE);
    }

    @AfterAll
    static void finalise() {
        if (mpi == null) {
            return;
        }
        MpiLibrary library = mpi.library();
        mpi.close();
        mpi.close(); // idempotent
        assertTrue(library.isFinalized());
        assertTrue(Mpi.current().isEmpty());
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> Mpi.initialize(ThreadLevel.MULTIPLE));
        assertTrue(again.getMessage().contains("cannot be initialised again"), again.getMessage());
        assertThrows(IllegalStateException.class, () -> mpi.world().barrier());
    }

    @Test
    void initialisesOnceAndReportsTheThreadLevel() {
        assertTrue(mpi.isInitialized());
        assertFalse(mpi.isFinalized());
        assertSame(mpi, Mpi.initialize(ThreadLevel.MULTIPLE));
        assertSame(mpi, Mpi.current().orElseThrow());
        assertEquals(ThreadLevel.MULTIPLE, mpi.requestedThreadLevel());
        // Debian's Open MPI 4.1 and MPICH 4.0 both grant MULTIPLE.
        assertEquals(ThreadLevel.MULTIPLE, mpi.providedThreadLevel());
    }

    /**
     * MPIX_Query_cuda_support is answered exactly where the library exports it (Open MPI built with
     * CUDA); elsewhere, Debian's build included, the answer is "unknown", so GPU buffers get staged.
     */
    @Test
    void cudaSupportIsQueriedOnlyWhereTheExtensionIsExported() {
        MpiLibrary library = mpi.library();
        boolean exported = java.lang.foreign.SymbolLookup.libraryLookup(library.path(), Arena.global())
                .find("MPIX_Query_cuda_support").isPresent();
        assertEquals(exported, library.queryCudaSupport().isPresent());
        if (library.path().equals(Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40"))) {
            assertFalse(exported, "Debian's Open MPI is built without CUDA");
        }
    }

    @Test
    void flavorComesFromTheLibrarysSymbols() {
        String file = mpi.library().path().getFileName().toString();
        MpiFlavor expected = file.startsWith("libmpich") || file.equals("libmpi.so.12") ? MpiFlavor.MPICH
                : MpiFlavor.OPEN_MPI;
        assertEquals(expected, mpi.flavor());
        String version = mpi.libraryVersion();
        assertTrue(version.contains(expected == MpiFlavor.OPEN_MPI ? "Open MPI" : "MPICH"), version);
        // This project's machines (and .ci/run) install Debian's Open MPI: the default pick.
        if (Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40").toFile().isFile()
                && System.getenv(MpiLibrarySelector.OVERRIDE_ENV) == null) {
            assertEquals(MpiFlavor.OPEN_MPI, mpi.flavor());
            assertEquals("pointer handles", mpi.flavor().handleModel());
        }
    }

    @Test
    void singletonWorldHasOneRank() {
        assertEquals(0, mpi.world().rank());
        assertEquals(1, mpi.world().size());
        assertEquals(0, mpi.self().rank());
        assertEquals(1, mpi.self().size());
        mpi.world().barrier();
    }

    @Test
    void allreduceCopiesOnOneRankInPlaceAndNot() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1000;
            MemorySegment send = arena.allocate(JAVA_FLOAT, n);
            MemorySegment recv = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                send.setAtIndex(JAVA_FLOAT, i, i * 0.5f - 7);
            }
            for (MpiOp op : MpiOp.values()) {
                recv.fill((byte) 0);
                mpi.world().allreduce(send, recv, n, MpiDatatype.FLOAT, op);
                assertEquals(-1, recv.mismatch(send), op.toString());
            }
            MemorySegment buffer = arena.allocate(JAVA_FLOAT, n);
            buffer.copyFrom(send);
            mpi.world().allreduceInPlace(buffer, n, MpiDatatype.FLOAT, MpiOp.SUM);
            assertEquals(-1, buffer.mismatch(send));

            MemorySegment ints = arena.allocate(JAVA_INT, 3);
            ints.setAtIndex(JAVA_INT, 0, 1);
            ints.setAtIndex(JAVA_INT, 1, -2);
            ints.setAtIndex(JAVA_INT, 2, Integer.MAX_VALUE);
            MemorySegment intsOut = arena.allocate(JAVA_INT, 3);
            mpi.world().allreduce(ints, intsOut, 3, MpiDatatype.INT, MpiOp.MAX);
            assertEquals(-1, intsOut.mismatch(ints));

            MemorySegment doubles = arena.allocate(JAVA_DOUBLE, 2);
            doubles.setAtIndex(JAVA_DOUBLE, 0, Math.PI);
            doubles.setAtIndex(JAVA_DOUBLE, 1, -1e300);
            mpi.self().allreduceInPlace(doubles, 2, MpiDatatype.DOUBLE, MpiOp.MIN);
            assertEquals(Math.PI, doubles.getAtIndex(JAVA_DOUBLE, 0));
            assertEquals(-1e300, doubles.getAtIndex(JAVA_DOUBLE, 1));

            MemorySegment longs = arena.allocate(JAVA_LONG, 1);
            longs.set(JAVA_LONG, 0, Long.MIN_VALUE + 5);
            mpi.world().allreduceInPlace(longs, 1, MpiDatatype.LONG, MpiOp.PROD);
            assertEquals(Long.MIN_VALUE + 5, longs.get(JAVA_LONG, 0));

            // Zero elements is legal MPI.
            mpi.world().allreduceInPlace(buffer, 0, MpiDatatype.FLOAT, MpiOp.SUM);
        }
    }

    @Test
    void nonBlockingAllreduceCompletesOnAwaitAndTest() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 4096;
            MemorySegment send = arena.allocate(JAVA_FLOAT, n);
            MemorySegment recv = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                send.setAtIndex(JAVA_FLOAT, i, i);
            }
            MpiRequest request = mpi.world().iallreduce(send, recv, n, MpiDatatype.FLOAT, MpiOp.SUM);
            request.await();
            request.await(); // idempotent
            assertTrue(request.isComplete());
            assertEquals(-1, recv.mismatch(send));

            MpiRequest inPlace = mpi.world().iallreduceInPlace(recv, n, MpiDatatype.FLOAT, MpiOp.MAX);
            while (!inPlace.test()) {
                Thread.onSpinWait();
            }
            assertTrue(inPlace.isComplete());
            assertEquals(-1, recv.mismatch(send));
        }
    }

    @Test
    void countsAboveTheIntLimitAreSplitIntoSeveralCalls() {
        mpi.maxCountForTesting(7); // every transfer of more than 7 elements takes several MPI calls
        try (Arena arena = Arena.ofConfined()) {
            int n = 50;
            MemorySegment send = arena.allocate(JAVA_INT, n);
            MemorySegment recv = arena.allocate(JAVA_INT, n);
            for (int i = 0; i < n; i++) {
                send.setAtIndex(JAVA_INT, i, 1000 + i);
            }
            mpi.world().allreduce(send, recv, n, MpiDatatype.INT, MpiOp.SUM);
            assertEquals(-1, recv.mismatch(send));
            recv.fill((byte) 0);
            recv.copyFrom(send);
            mpi.world().allreduceInPlace(recv, n, MpiDatatype.INT, MpiOp.SUM);
            assertEquals(-1, recv.mismatch(send));
            recv.fill((byte) 0);
            mpi.world().iallreduce(send, recv, n, MpiDatatype.INT, MpiOp.SUM).await();
            assertEquals(-1, recv.mismatch(send));
            mpi.world().bcast(recv, n, MpiDatatype.INT, 0);
            assertEquals(-1, recv.mismatch(send));
            IllegalArgumentException gather = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allgather(send, recv, 8, MpiDatatype.INT));
            assertTrue(gather.getMessage().contains("exceed MPI's int count"), gather.getMessage());
        } finally {
            mpi.maxCountForTesting(Integer.MAX_VALUE);
        }
    }

    @Test
    void allgatherPlacesTheBlockAtTheRanksOffset() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 33;
            MemorySegment send = arena.allocate(JAVA_FLOAT, n);
            MemorySegment recv = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                send.setAtIndex(JAVA_FLOAT, i, 3 * i + 0.25f);
            }
            mpi.world().allgather(send, recv, n, MpiDatatype.FLOAT);
            assertEquals(-1, recv.mismatch(send));
            MemorySegment inPlace = arena.allocate(JAVA_FLOAT, n);
            inPlace.copyFrom(send);
            mpi.world().allgatherInPlace(inPlace, n, MpiDatatype.FLOAT);
            assertEquals(-1, inPlace.mismatch(send));

            // bf16 moves as 2-byte elements.
            MemorySegment bf16 = arena.allocate(JAVA_SHORT, 5);
            for (int i = 0; i < 5; i++) {
                bf16.setAtIndex(JAVA_SHORT, i, (short) (0x3f80 + i));
            }
            MemorySegment bf16Out = arena.allocate(JAVA_SHORT, 5);
            mpi.world().allgather(bf16, bf16Out, 5, MpiDatatype.BF16);
            assertEquals(-1, bf16Out.mismatch(bf16));
        }
    }

    @Test
    void broadcastFromTheOnlyRank() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(128);
            for (int i = 0; i < 128; i++) {
                id.set(JAVA_BYTE, i, (byte) (i * 7));
            }
            MemorySegment copy = arena.allocate(128).copyFrom(id);
            mpi.world().bcast(id, 128, MpiDatatype.BYTE, 0);
            assertEquals(-1, id.mismatch(copy));
            IllegalArgumentException root = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().bcast(id, 128, MpiDatatype.BYTE, 1));
            assertTrue(root.getMessage().contains("root 1"), root.getMessage());
        }
    }

    @Test
    void splitDupAndFree() {
        try (Communicator split = mpi.world().split(3, 0)) {
            assertEquals(1, split.size());
            assertEquals(0, split.rank());
            assertNotEquals(mpi.world().handle(), split.handle());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment x = arena.allocate(JAVA_FLOAT, 2);
                x.setAtIndex(JAVA_FLOAT, 1, 2.5f);
                split.allreduceInPlace(x, 2, MpiDatatype.FLOAT, MpiOp.SUM);
                assertEquals(2.5f, x.getAtIndex(JAVA_FLOAT, 1));
            }
            try (Communicator dup = split.dup()) {
                assertEquals(1, dup.size());
                dup.barrier();
            }
        }
        mpi.world().splitExcluded();
        Communicator dup = mpi.world().dup();
        dup.free();
        assertTrue(dup.isFreed());
        dup.close(); // already freed: nothing
        IllegalStateException afterFree = assertThrows(IllegalStateException.class, dup::barrier);
        assertTrue(afterFree.getMessage().contains("was freed"), afterFree.getMessage());
        assertThrows(IllegalStateException.class, () -> mpi.world().free());
        mpi.world().close(); // predefined: nothing
        assertThrows(IllegalArgumentException.class, () -> mpi.world().split(-1, 0));
    }

    @Test
    void errorStringsAndMpiErrorsBecomeExceptions() {
        // MPI_ERR_COMM is 5 in both ABIs.
        String text = mpi.errorString(5);
        assertTrue(mpi.flavor() == MpiFlavor.OPEN_MPI ? text.equals("MPI_ERR_COMM: invalid communicator")
                : text.toLowerCase(java.util.Locale.ROOT).contains("communicator"), text);
        assertEquals(5, mpi.library().errorClass(5));

        // A count of -1 straight to MPI_Bcast (the public API refuses it first): MPI_ERR_COUNT (2 in both ABIs).
        MpiLibrary library = mpi.library();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16);
            int rc = (int) library.calls().bcast.invokeExact(buffer, -1, library.abi().datatype(MpiDatatype.INT), 0,
                    library.abi().commWorld());
            MpiException error = assertThrows(MpiException.class, () -> library.check("MPI_Bcast", rc));
            assertEquals("MPI_Bcast", error.function());
            assertEquals(rc, error.code());
            assertEquals(2, error.errorClass());
            assertTrue(error.getMessage().startsWith("MPI_Bcast failed: "), error.getMessage());
            assertTrue(error.getMessage().contains(library.errorString(rc)), error.getMessage());
        } catch (Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            throw new AssertionError(t);
        }
    }

    @Test
    void badBuffersAreRefusedBeforeMpiSeesThem() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(new float[8]);
            MemorySegment off = arena.allocate(JAVA_FLOAT, 8);
            IllegalArgumentException onHeap = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduce(heap, off, 8, MpiDatatype.FLOAT, MpiOp.SUM));
            assertTrue(onHeap.getMessage().contains("heap segment"), onHeap.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().bcast(heap, 8, MpiDatatype.FLOAT, 0));

            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduceInPlace(off, 9, MpiDatatype.FLOAT, MpiOp.SUM));
            assertTrue(small.getMessage().contains("holds 32 bytes, needs 36"), small.getMessage());

            IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduce(off, off.asSlice(4), 4, MpiDatatype.FLOAT, MpiOp.SUM));
            assertTrue(overlap.getMessage().contains("allreduceInPlace"), overlap.getMessage());

            IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduceInPlace(off, 4, MpiDatatype.BF16, MpiOp.SUM));
            assertTrue(bf16.getMessage().contains("widen to FLOAT"), bf16.getMessage());

            assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduce(off.asReadOnly(), off.asReadOnly(), 0, MpiDatatype.FLOAT, MpiOp.SUM));
            assertThrows(IllegalArgumentException.class,
                    () -> mpi.world().allreduceInPlace(off, -1, MpiDatatype.FLOAT, MpiOp.SUM));
        }
    }

    @Test
    void processNameAndClock() throws InterruptedException {
        assertFalse(mpi.processorName().isBlank());
        double first = mpi.wtime();
        Thread.sleep(20);
        double second = mpi.wtime();
        assertTrue(second - first >= 0.015, first + " -> " + second);
    }

    @Test
    void otherThreadsMayUseMpiAtThreadLevelMultiple() throws Exception {
        Thread other = new Thread(() -> mpi.world().barrier());
        other.start();
        other.join();
        try (Communicator mine = mpi.world().dup()) {
            Throwable[] failure = new Throwable[1];
            Thread user = new Thread(() -> {
                try {
                    mine.barrier();
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            user.start();
            user.join();
            assertEquals(null, failure[0]);
        }
    }
}
