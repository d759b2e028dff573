package org.yalis.engine.comm;

import java.util.List;

/** {@code --collective local}: ranks as threads of this process, exchanging host memory directly. */
public final class LocalCollective implements CollectiveBackend {
    @Override
    public String name() {
        return "local";
    }

    @Override
    public String description() {
        return "host buffers summed in this process's shared memory";
    }

    @Override
    public Ranks ranks() {
        return Ranks.THREADS;
    }

    @Override
    public boolean movesHostBuffers() {
        return true;
    }

    @Override
    public boolean movesDeviceBuffers() {
        return false;
    }

    @Override
    public List<Communicator> threadRanks(int size) {
        return LocalCommunicator.createGroup(size);
    }
}
