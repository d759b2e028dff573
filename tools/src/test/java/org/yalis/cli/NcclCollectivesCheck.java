package org.yalis.cli;

import java.util.List;

import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.CudaStreamFlag;
import org.yalis.engine.comm.CommStats;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.CudaBenchmarkBuffers;
import org.yalis.engine.comm.DeviceStream;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.comm.LocalGpu;
import org.yalis.engine.comm.MpiCommunicator;
import org.yalis.engine.comm.NcclCommunicator;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * One rank of an mpirun job run by {@link NcclMpiGpuIT}: an NCCL communicator over MPI_COMM_WORLD
 * (one GPU per rank) all-reduces, all-gathers and broadcasts device buffers in f32 and bf16, then
 * again in groups split by rank parity. Prints {@code rank R OK} when every value is right; any
 * failure aborts the job.
 */
public final class NcclCollectivesCheck {
    private static final int COUNT = (1 << 20) + 3;   // odd: no kernel gets a whole number of vectors

    private NcclCollectivesCheck() {
    }

    public static void main(String[] args) {
        MpiCommunicator mpi = MpiCommunicator.world();
        try {
            int gpu = LocalGpu.exclusiveOrdinal(LaunchEnvironment.detect(), LocalGpu.visibleGpus("the check"),
                    "the nccl collective");
            CudaRuntime cuda = CudaRuntime.shared();
            cuda.setDevice(gpu);
            CudaStream stream = cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            DeviceStream deviceStream = new DeviceStream(gpu, stream);
            try (NcclCommunicator world = NcclCommunicator.create(mpi, gpu)) {
                world.useDeviceStream(deviceStream);
                check(world, cuda, deviceStream, "world");
                try (Communicator parity = world.split(world.rank() % 2, world.rank())) {
                    check(parity, cuda, deviceStream, "parity group");
                }
                CommStats.Totals reduces = world.stats().get(CommStats.Operation.ALL_REDUCE);
                expect(reduces.calls() == 2 && reduces.nanos() > 0, "world stats " + reduces);
            }
            cuda.streamDestroy(stream);
            System.out.println("rank " + mpi.rank() + " OK");
        } catch (Throwable t) {
            mpi.abort(t);
        }
        mpi.close();
        org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
    }

    private static void check(Communicator group, CudaRuntime cuda, DeviceStream stream, String name) {
        int n = group.size();
        int rank = group.rank();
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            String what = name + " " + dtype;
            try (CudaBenchmarkBuffers buffers = new CudaBenchmarkBuffers(cuda, stream)) {
                long bytes = (long) COUNT * dtype.byteSize();
                var x = buffers.allocate(bytes);
                buffers.fill(x, dtype, COUNT, rank + 1);
                group.allReduceSum(new Tensor(x, dtype, 1, COUNT));
                float sum = n * (n + 1) / 2f;
                expect(buffers.read(x, dtype, 0) == sum && buffers.read(x, dtype, COUNT - 1) == sum,
                        what + " all-reduce");

                var all = buffers.allocate(bytes * n);
                group.allGather(new Tensor(x, dtype, 1, COUNT), new Tensor(all, dtype, n, COUNT));
                expect(buffers.read(all, dtype, (long) COUNT * n - 1) == sum, what + " all-gather after all-reduce");
                buffers.fill(x, dtype, COUNT, rank + 1);
                group.allGather(new Tensor(x, dtype, 1, COUNT), new Tensor(all, dtype, n, COUNT));
                for (int r = 0; r < n; r++) {
                    expect(buffers.read(all, dtype, (long) r * COUNT) == r + 1
                            && buffers.read(all, dtype, (long) r * COUNT + COUNT - 1) == r + 1, what + " all-gather block " + r);
                }

                int root = n - 1;
                buffers.fill(x, dtype, COUNT, rank == root ? 42 : -1);
                group.broadcast(new Tensor(x, dtype, 1, COUNT), root);
                expect(buffers.read(x, dtype, 0) == 42 && buffers.read(x, dtype, COUNT - 1) == 42, what + " broadcast");
            }
        }
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what + " gave a wrong value");
        }
    }
}
