package org.yalis.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.yalis.engine.comm.HierarchicalCommunicator;
import org.yalis.engine.comm.MpiCommunicator;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * One rank of {@link HierCollectiveIT}'s MPI job: the hierarchical all-reduce against MPI's flat one on
 * the same data, for sizes that split evenly over a node's ranks and sizes that do not. Integer values
 * (exact in f32 whatever the order of the sums) must agree exactly, random ones within 1e-5. Rank 0
 * writes {@code nodes ranksPerNode} to {@code OUT}.
 */
public final class HierarchicalAllReduceCheck {
    private HierarchicalAllReduceCheck() {
    }

    public static void main(String[] args) throws Exception {
        MpiCommunicator world = MpiCommunicator.world();
        HierarchicalCommunicator hier = HierarchicalCommunicator.over(world);
        int[] sizes = {1, 2, 3, 4, 7, 8, 64, 1000, 1024, 4099, 65536, 262144};
        try (Arena arena = Arena.ofConfined()) {
            for (int count : sizes) {
                for (boolean integers : new boolean[] {true, false}) {
                    MemorySegment a = arena.allocate((long) count * Float.BYTES);
                    MemorySegment b = arena.allocate((long) count * Float.BYTES);
                    Random random = new Random(count * 31L + world.rank() + (integers ? 0 : 7));
                    for (int i = 0; i < count; i++) {
                        float value = integers ? random.nextInt(201) - 100 : (float) random.nextGaussian();
                        a.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
                        b.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
                    }
                    hier.allReduceSum(new Tensor(a, DType.F32, 1, count));
                    world.allReduceSum(new Tensor(b, DType.F32, 1, count));
                    for (int i = 0; i < count; i++) {
                        float got = a.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        float want = b.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        if (integers ? got != want : Math.abs(got - want) > 1e-5 * Math.max(1, Math.abs(want))) {
                            throw new AssertionError("rank " + world.rank() + ", " + count + " elements"
                                    + (integers ? " (integers)" : "") + ": element " + i + " is " + got
                                    + ", MPI's flat all-reduce gives " + want);
                        }
                    }
                }
            }
        }
        if (world.rank() == 0) {
            Files.writeString(Path.of(args[0]), hier.nodes() + " " + hier.ranksPerNode());
        }
        hier.close();
        world.close();
        org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
    }
}
