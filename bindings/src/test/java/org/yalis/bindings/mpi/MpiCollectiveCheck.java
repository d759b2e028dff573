package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One rank of the multi-process test ({@link MpiMultiProcessTest}), run under {@code mpirun}:
 * checks all-reduce (sum), all-gather and broadcast of f32 and int data, in place and not, for
 * element counts 1, 2, 3, ... and powers of two up to {@code 2^maxExponent}, plus split, dup,
 * non-blocking all-reduce, bf16 all-gather and a 128-byte id broadcast. Prints
 * {@code CHECKS-OK rank=R ...} and, after {@code MPI_Finalize}, {@code DONE rank=R}; on the first
 * mismatch prints {@code MISMATCH ...} and aborts the job ({@code MPI_Abort}, code 2).
 *
 * <p>Arguments: {@code collectives <maxExponent> <full|sparse>}; {@code abort} (rank 1 aborts
 * with code 7 while the others wait in a barrier that would never end); {@code hang} (rank 1 never
 * reaches the barrier: for the launcher's timeout).
 */
public final class MpiCollectiveCheck {
    private final Communicator world;
    private final int rank;
    private final int size;
    private int checks;

    private MpiCollectiveCheck(Communicator world) {
        this.world = world;
        this.rank = world.rank();
        this.size = world.size();
    }

    public static void main(String[] args) {
        Mpi mpi = Mpi.initialize(ThreadLevel.MULTIPLE);
        mpi.abortOnUncaughtException(3);
        Communicator world = mpi.world();
        say(String.format(Locale.ROOT, "START rank=%d size=%d flavor=%s provided=%s library=%s", world.rank(),
                world.size(), mpi.flavor().displayName(), mpi.providedThreadLevel(), mpi.library().path()));
        if (args.length > 0 && args[0].equals("abort")) {
            abortCheck(mpi);
            return;
        }
        if (args.length > 0 && args[0].equals("hang")) {
            say("HANGING rank=" + world.rank());
            if (world.rank() == 1) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            world.barrier();
            return;
        }
        int maxExponent = args.length > 1 ? Integer.parseInt(args[1]) : 22;
        boolean sparse = args.length > 2 && args[2].equals("sparse");
        MpiCollectiveCheck check = new MpiCollectiveCheck(world);
        double start = mpi.wtime();
        List<Integer> counts = counts(maxExponent, sparse);
        for (int count : counts) {
            check.allreduceSum(count, false);
            check.allreduceSum(count, true);
            check.allgather(count, false);
            check.allgather(count, true);
            check.bcast(count);
        }
        check.nonBlocking(1 << 16);
        check.splitAndDup();
        check.bf16AndUniqueId();
        world.barrier();
        say(String.format(Locale.ROOT, "CHECKS-OK rank=%d size=%d checks=%d counts=%d max=%d seconds=%.2f",
                world.rank(), world.size(), check.checks, counts.size(), counts.getLast(), mpi.wtime() - start));
        int rank = world.rank();
        mpi.close();
        say("DONE rank=" + rank);
    }

    /**
     * 1, 2, 3, 4, 5, 7, then 2^k up to 2^maxExponent; unless sparse, also 2^k - 1 and 2^k + 1 up to
     * 2^16 (odd sizes off every vector width and protocol threshold; larger ones add time, not cases).
     */
    static List<Integer> counts(int maxExponent, boolean sparse) {
        List<Integer> counts = new ArrayList<>(List.of(1, 2, 3, 4, 5, 7));
        for (int k = 3; k <= maxExponent; k++) {
            int p = 1 << k;
            boolean neighbours = !sparse && k <= 16;
            if (neighbours) {
                counts.add(p - 1);
            }
            counts.add(p);
            if (neighbours) {
                counts.add(p + 1);
            }
        }
        return counts;
    }

    private static void abortCheck(Mpi mpi) {
        Communicator world = mpi.world();
        if (world.rank() == 1) {
            say("ABORTING rank=1");
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            world.abort(7);
        }
        world.barrier(); // Rank 1 never arrives: only the abort ends this.
        say("UNREACHABLE rank=" + world.rank());
        mpi.close();
    }

    /** A small exact value for (rank, index): sums over up to 64 ranks stay exact in f32. */
    private static float f32(int rank, long index) {
        return (float) ((index * 31 + rank * 17) % 101 - 50);
    }

    private static int i32(int rank, long index) {
        return (int) ((index ^ (rank * 7919L)) & 0xFFFFF) - 0x80000;
    }

    private void allreduceSum(int count, boolean inPlace) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(JAVA_FLOAT, count);
            MemorySegment fOut = inPlace ? f : arena.allocate(JAVA_FLOAT, count);
            MemorySegment n = arena.allocate(JAVA_INT, count);
            MemorySegment nOut = inPlace ? n : arena.allocate(JAVA_INT, count);
            for (int i = 0; i < count; i++) {
                f.setAtIndex(JAVA_FLOAT, i, f32(rank, i));
                n.setAtIndex(JAVA_INT, i, i32(rank, i));
            }
            if (inPlace) {
                world.allreduceInPlace(f, count, MpiDatatype.FLOAT, MpiOp.SUM);
                world.allreduceInPlace(n, count, MpiDatatype.INT, MpiOp.SUM);
            } else {
                world.allreduce(f, fOut, count, MpiDatatype.FLOAT, MpiOp.SUM);
                world.allreduce(n, nOut, count, MpiDatatype.INT, MpiOp.SUM);
            }
            for (int i = 0; i < count; i++) {
                float fe = 0;
                int ne = 0;
                for (int r = 0; r < size; r++) {
                    fe += f32(r, i);
                    ne += i32(r, i);
                }
                expect(fe, fOut.getAtIndex(JAVA_FLOAT, i), "allreduce f32", count, inPlace, i);
                expect(ne, nOut.getAtIndex(JAVA_INT, i), "allreduce int", count, inPlace, i);
                if (!inPlace) {
                    expect(f32(rank, i), f.getAtIndex(JAVA_FLOAT, i), "allreduce f32 send untouched", count, false, i);
                }
            }
            checks += 2;
        }
    }

    private void allgather(int count, boolean inPlace) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(JAVA_FLOAT, (long) count * size);
            MemorySegment n = arena.allocate(JAVA_INT, (long) count * size);
            long base = inPlace ? (long) rank * count : 0;
            MemorySegment fSend = inPlace ? f : arena.allocate(JAVA_FLOAT, count);
            MemorySegment nSend = inPlace ? n : arena.allocate(JAVA_INT, count);
            f.fill((byte) 0x7f);
            n.fill((byte) 0x7f);
            for (int i = 0; i < count; i++) {
                fSend.setAtIndex(JAVA_FLOAT, base + i, f32(rank, i));
                nSend.setAtIndex(JAVA_INT, base + i, i32(rank, i));
            }
            if (inPlace) {
                world.allgatherInPlace(f, count, MpiDatatype.FLOAT);
                world.allgatherInPlace(n, count, MpiDatatype.INT);
            } else {
                world.allgather(fSend, f, count, MpiDatatype.FLOAT);
                world.allgather(nSend, n, count, MpiDatatype.INT);
            }
            for (int r = 0; r < size; r++) {
                for (int i = 0; i < count; i++) {
                    long at = (long) r * count + i;
                    expect(f32(r, i), f.getAtIndex(JAVA_FLOAT, at), "allgather f32 from rank " + r, count, inPlace, i);
                    expect(i32(r, i), n.getAtIndex(JAVA_INT, at), "allgather int from rank " + r, count, inPlace, i);
                }
            }
            checks += 2;
        }
    }

    private void bcast(int count) {
        int root = count % size;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(JAVA_FLOAT, count);
            MemorySegment n = arena.allocate(JAVA_INT, count);
            for (int i = 0; i < count; i++) {
                f.setAtIndex(JAVA_FLOAT, i, rank == root ? f32(root, i) : Float.NaN);
                n.setAtIndex(JAVA_INT, i, rank == root ? i32(root, i) : -1);
            }
            world.bcast(f, count, MpiDatatype.FLOAT, root);
            world.bcast(n, count, MpiDatatype.INT, root);
            for (int i = 0; i < count; i++) {
                expect(f32(root, i), f.getAtIndex(JAVA_FLOAT, i), "bcast f32 from root " + root, count, false, i);
                expect(i32(root, i), n.getAtIndex(JAVA_INT, i), "bcast int from root " + root, count, false, i);
            }
            checks += 2;
        }
    }

    private void nonBlocking(int count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment send = arena.allocate(JAVA_FLOAT, count);
            MemorySegment recv = arena.allocate(JAVA_FLOAT, count);
            MemorySegment inPlace = arena.allocate(JAVA_FLOAT, count);
            for (int i = 0; i < count; i++) {
                send.setAtIndex(JAVA_FLOAT, i, f32(rank, i));
                inPlace.setAtIndex(JAVA_FLOAT, i, f32(rank, i + 1));
            }
            MpiRequest a = world.iallreduce(send, recv, count, MpiDatatype.FLOAT, MpiOp.SUM);
            MpiRequest b = world.iallreduceInPlace(inPlace, count, MpiDatatype.FLOAT, MpiOp.MAX);
            b.await();
            a.await();
            for (int i = 0; i < count; i++) {
                float sum = 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < size; r++) {
                    sum += f32(r, i);
                    max = Math.max(max, f32(r, i + 1));
                }
                expect(sum, recv.getAtIndex(JAVA_FLOAT, i), "iallreduce sum", count, false, i);
                expect(max, inPlace.getAtIndex(JAVA_FLOAT, i), "iallreduce max", count, true, i);
            }
            checks += 2;
        }
    }

    private void splitAndDup() {
        // Even and odd ranks; key reverses the order within each group.
        try (Communicator half = world.split(rank % 2, -rank); Communicator dup = half.dup();
                Arena arena = Arena.ofConfined()) {
            int expectedSize = (size + 1 - rank % 2) / 2;
            expect(expectedSize, half.size(), "split size", 0, false, 0);
            expect(expectedSize - 1 - rank / 2, half.rank(), "split rank (key = -rank)", 0, false, 0);
            MemorySegment x = arena.allocate(JAVA_INT, 1);
            x.set(JAVA_INT, 0, rank);
            dup.allreduceInPlace(x, 1, MpiDatatype.INT, MpiOp.SUM);
            int sum = 0;
            for (int r = rank % 2; r < size; r += 2) {
                sum += r;
            }
            expect(sum, x.get(JAVA_INT, 0), "allreduce on a split's dup", 1, true, 0);
            checks += 3;
        }
        if (size > 2) {
            // Only rank 0 joins; the others take part as MPI_UNDEFINED.
            if (rank == 0) {
                try (Communicator alone = world.split(0, 0)) {
                    expect(1, alone.size(), "split with MPI_UNDEFINED elsewhere", 0, false, 0);
                }
            } else {
                world.splitExcluded();
            }
            checks++;
        }
    }

    private void bf16AndUniqueId() {
        try (Arena arena = Arena.ofConfined()) {
            int count = 1000;
            MemorySegment send = arena.allocate(JAVA_SHORT, count);
            MemorySegment recv = arena.allocate(JAVA_SHORT, (long) count * size);
            for (int i = 0; i < count; i++) {
                send.setAtIndex(JAVA_SHORT, i, (short) (rank * 4096 + i));
            }
            world.allgather(send, recv, count, MpiDatatype.BF16);
            for (int r = 0; r < size; r++) {
                for (int i = 0; i < count; i++) {
                    expect((short) (r * 4096 + i), recv.getAtIndex(JAVA_SHORT, (long) r * count + i),
                            "bf16 allgather from rank " + r, count, false, i);
                }
            }
            // An NCCL unique id: 128 opaque bytes made on rank 0, broadcast as MPI_BYTE.
            MemorySegment id = arena.allocate(128);
            if (rank == 0) {
                for (int i = 0; i < 128; i++) {
                    id.set(JAVA_BYTE, i, (byte) (i * 37 + 11));
                }
            }
            world.bcast(id, 128, MpiDatatype.BYTE, 0);
            for (int i = 0; i < 128; i++) {
                expect((byte) (i * 37 + 11), id.get(JAVA_BYTE, i), "128-byte id bcast", 128, false, i);
            }
            checks += 2;
        }
    }

    private void expect(double expected, double actual, String what, int count, boolean inPlace, long index) {
        if (expected != actual && !(Double.isNaN(expected) && Double.isNaN(actual))) {
            say(String.format(Locale.ROOT, "MISMATCH rank=%d %s count=%d inPlace=%s index=%d expected=%s got=%s",
                    rank, what, count, inPlace, index, expected, actual));
            world.abort(2);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
