package org.yalis.engine.plan;

/**
 * Where a run's ranks sit on a cluster: consecutive world ranks fill a node, {@code ranksPerNode} each (the
 * order launchers such as mpirun and srun use by default); when there are more ranks than devices, ranks
 * share them and each gets {@code deviceShare} of one.
 */
public record Placement(int ranks, int nodes, int ranksPerNode, double deviceShare) {

    public static Placement of(int ranks, Cluster cluster) {
        int nodes = (int) Math.min(cluster.maxNodes(), (ranks + cluster.devicesPerNode() - 1L) / cluster.devicesPerNode());
        int perNode = (ranks + nodes - 1) / nodes;
        return new Placement(ranks, nodes, perNode, Math.min(1.0, (double) cluster.devicesPerNode() / perNode));
    }

    public int nodeOf(int rank) {
        return rank / ranksPerNode;
    }

    /** Nodes the members of {@code call}'s group sit on. */
    public int nodesSpanned(StepTrace.Collective call) {
        java.util.Set<Integer> spanned = new java.util.HashSet<>();
        for (int i = 0; i < call.groupSize(); i++) {
            spanned.add(nodeOf(call.member(i)));
        }
        return spanned.size();
    }
}
