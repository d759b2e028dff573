package org.yalis.engine.comm;

/**
 * {@code --collective hier}: ranks as MPI processes; all-reduces in two levels (reduce-scatter within a
 * node, all-reduce of each shard between nodes, all-gather within the node; {@link HierarchicalCommunicator}),
 * every other collective as {@code mpi}. Host buffers.
 */
public final class HierCollective implements CollectiveBackend {
    @Override
    public String name() {
        return "hier";
    }

    @Override
    public String description() {
        return "MPI in two levels: reduce-scatter within a node, all-reduce between nodes on each rank's shard, "
                + "all-gather within the node (NVRAR's structure; nodes by hostname)";
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
        return false;
    }

    @Override
    public Communicator overMpi(MpiCommunicator world, Setup setup) {
        return HierarchicalCommunicator.over(world);
    }
}
