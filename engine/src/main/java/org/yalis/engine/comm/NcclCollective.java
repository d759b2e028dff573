package org.yalis.engine.comm;

import org.yalis.engine.YalisException;

/** {@code --collective nccl}: ranks as MPI processes, one GPU each, NCCL on device buffers (bootstrapped over MPI). */
public final class NcclCollective implements CollectiveBackend {
    @Override
    public String name() {
        return "nccl";
    }

    @Override
    public String description() {
        return "a GPU per rank; NCCL, queued on the compute stream, bootstrapped over MPI";
    }

    @Override
    public Ranks ranks() {
        return Ranks.PROCESSES;
    }

    @Override
    public boolean movesHostBuffers() {
        return false;
    }

    @Override
    public boolean movesDeviceBuffers() {
        return true;
    }

    @Override
    public boolean queuesOnDeviceStream() {
        return true;
    }

    @Override
    public boolean exclusiveGpu() {
        return true;
    }

    @Override
    public void checkLaunch(boolean deviceBuffers) {
        NcclBootstrap.requireMpiLaunch(LaunchEnvironment.detect());
        LocalGpu.visibleGpus("the nccl collective");
    }

    @Override
    public Communicator overMpi(MpiCommunicator world, Setup setup) {
        boolean deviceBuffers = setup.deviceBuffers();
        int gpu = setup.gpu();
        if (!deviceBuffers) {
            throw new YalisException("the nccl collective moves device buffers; use --device cuda");
        }
        try {
            return NcclCommunicator.create(world, gpu);
        } catch (YalisException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new YalisException("the nccl collective could not start on GPU " + gpu + ": " + e.getMessage(), e);
        }
    }
}
