package org.yalis.engine.plan;

/**
 * The time of one collective call of a trace on a cluster: from the latency-bandwidth models of a
 * backend's algorithm ({@link Analytic}), from {@code yalis comm-bench} curves ({@link MeasuredCollectives}),
 * or the fastest of several per message ({@link Fastest}, as {@code --collective auto} chooses).
 */
public sealed interface CollectiveTimes permits CollectiveTimes.Analytic, MeasuredCollectives, CollectiveTimes.Fastest {

    /** The backend (or "auto") these times are for. */
    String name();

    double seconds(StepTrace.Collective call, Placement placement);

    /** The cluster's figures for {@code backend}, through its algorithm's formulas. */
    record Analytic(String name, Cluster cluster) implements CollectiveTimes {
        public Analytic {
            if (!cluster.collectives().containsKey(name)) {
                throw new org.yalis.engine.YalisException("cluster " + cluster.name() + " describes no collective '"
                        + name + "' (it has " + new java.util.TreeSet<>(cluster.collectives().keySet())
                        + "); choose one of those, or add it to the cluster file");
            }
        }

        @Override
        public double seconds(StepTrace.Collective call, Placement placement) {
            Cluster.CollectiveSoftware software = cluster.collectives().get(name);
            int nodes = placement.nodesSpanned(call);
            double efficiency = software.bandwidthEfficiency();
            CollectiveAlgorithm.Levels levels = new CollectiveAlgorithm.Levels(call.groupSize(), nodes,
                    cluster.intraNode().latency() + software.intraStepSeconds(),
                    cluster.intraNode().bandwidth() * efficiency,
                    cluster.interNode().latency() + software.interStepSeconds(),
                    cluster.interNode().perDeviceBandwidth(cluster.devicesPerNode()) * efficiency);
            return switch (call.kind()) {
                case ALL_REDUCE -> software.algorithm().allReduceSeconds(call.bytes(), levels);
                case ALL_GATHER -> software.algorithm().allGatherSeconds(call.bytes(), levels);
            };
        }
    }

    /** Per call, the fastest of {@code candidates}. */
    record Fastest(java.util.List<CollectiveTimes> candidates) implements CollectiveTimes {
        @Override
        public String name() {
            return "auto";
        }

        @Override
        public double seconds(StepTrace.Collective call, Placement placement) {
            return candidates.stream().mapToDouble(c -> c.seconds(call, placement)).min().orElseThrow();
        }
    }
}
