package org.yalis.engine.comm;

import org.yalis.bindings.cuda.CudaRuntime;

/**
 * {@code --collective mpi}: ranks as the processes of an MPI job (libmpi through FFM); device tensors are
 * staged through pinned host memory, or handed to a CUDA-aware MPI.
 */
public final class MpiCollective implements CollectiveBackend {
    @Override
    public String name() {
        return "mpi";
    }

    @Override
    public String description() {
        return "mpirun -np N (Open MPI or MPICH through FFM); device buffers staged through pinned host memory "
                + "or given to a CUDA-aware MPI";
    }

    @Override
    public Ranks ranks() {
        return Ranks.PROCESSES;
    }

    @Override
    public boolean movesHostBuffers() {
        return true;
    }

    @Override
    public boolean movesDeviceBuffers() {
        return true;
    }

    @Override
    public void checkLaunch(boolean deviceBuffers) {
        if (deviceBuffers) {
            LocalGpu.visibleGpus("the mpi collective on device buffers");
        }
    }

    @Override
    public Communicator overMpi(MpiCommunicator world, Setup setup) {
        boolean deviceBuffers = setup.deviceBuffers();
        int gpu = setup.gpu();
        return deviceBuffers
                ? new HostStagedCommunicator(world, new CudaDeviceCopier(CudaRuntime.shared(), gpu), CudaAwareMpi.detect())
                : world;
    }
}
