package org.yalis.engine.plan;

import java.util.Arrays;
import java.util.stream.Collectors;

import org.yalis.engine.YalisException;

/**
 * How a collective library moves an all-reduce or all-gather over the levels of a machine, each with the
 * latency-bandwidth (alpha-beta) cost of the standard algorithms (Thakur, Rabenseifner and Gropp, "Optimization
 * of Collective Communication Operations in MPICH", 2005; NCCL's ring and double binary tree).
 *
 * <p>In every formula {@code p} ranks take part, {@code n} nodes hold them ({@code q = p / n} per node), a
 * step within a node costs {@code alphaIntra + bytes / bandwidthIntra} and between nodes
 * {@code alphaInter + bytes / bandwidthInter}.
 */
public enum CollectiveAlgorithm {
    /** NCCL: the faster of a ring and a tree for all-reduce; a ring for all-gather. */
    RING_OR_TREE("ring_or_tree"),
    /** MPICH and Open MPI: recursive doubling for small all-reduces, Rabenseifner's reduce-scatter and all-gather for large. */
    RECURSIVE_DOUBLING_OR_RABENSEIFNER("recursive_doubling_or_rabenseifner"),
    /** NVRAR's structure: reduce-scatter in the node, recursive doubling between nodes on a 1/q shard, all-gather in the node. */
    HIERARCHICAL("hierarchical");

    private final String label;

    CollectiveAlgorithm(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    static CollectiveAlgorithm named(String label, String where) {
        for (CollectiveAlgorithm algorithm : values()) {
            if (algorithm.label.equals(label)) {
                return algorithm;
            }
        }
        throw new YalisException(where + ": algorithm '" + label + "' is not one of "
                + Arrays.stream(values()).map(CollectiveAlgorithm::label).collect(Collectors.joining(", ")));
    }

    /** The cost of one level's links as the formulas use it. */
    public record Levels(int ranks, int nodes, double alphaIntra, double bandwidthIntra, double alphaInter,
                         double bandwidthInter) {
        int perNode() {
            return ranks / nodes;
        }

        /** The latency of a step of a flat algorithm: the slowest link it crosses. */
        double alpha() {
            return nodes > 1 ? Math.max(alphaIntra, alphaInter) : alphaIntra;
        }

        /** The bandwidth of a flat algorithm: the slowest link it crosses. */
        double bandwidth() {
            return nodes > 1 ? Math.min(bandwidthIntra, bandwidthInter) : bandwidthIntra;
        }
    }

    /** Seconds of an all-reduce of {@code bytes} (the buffer each rank holds). */
    public double allReduceSeconds(double bytes, Levels l) {
        if (l.ranks() == 1) {
            return 0;
        }
        return switch (this) {
            case RING_OR_TREE -> Math.min(ring(bytes, l), tree(bytes, l));
            case RECURSIVE_DOUBLING_OR_RABENSEIFNER -> Math.min(recursiveDoubling(bytes, l), rabenseifner(bytes, l));
            case HIERARCHICAL -> hierarchical(bytes, l);
        };
    }

    /** Seconds of an all-gather in which each rank brings {@code bytesPerRank}. */
    public double allGatherSeconds(double bytesPerRank, Levels l) {
        int p = l.ranks();
        if (p == 1) {
            return 0;
        }
        return switch (this) {
            // p - 1 steps around the ring, each forwarding one rank's part over the slowest link.
            case RING_OR_TREE -> (p - 1) * (l.alpha() + bytesPerRank / l.bandwidth());
            // Recursive doubling: log p steps, the parts doubling each step; (p - 1) parts arrive in all.
            case RECURSIVE_DOUBLING_OR_RABENSEIFNER, HIERARCHICAL -> log2(l.perNode()) * l.alphaIntra()
                    + log2(l.nodes()) * l.alphaInter() + (p - 1) * bytesPerRank / l.bandwidth();
        };
    }

    /** Ring all-reduce: a reduce-scatter and an all-gather, 2(p-1) steps of bytes/p each. */
    static double ring(double bytes, Levels l) {
        int p = l.ranks();
        return 2.0 * (p - 1) * (l.alpha() + bytes / p / l.bandwidth());
    }

    /**
     * Double binary tree between nodes, a chain within each (NCCL's tree): a reduce up and a broadcast down,
     * pipelined, so the whole message crosses the slowest link twice and the latency is that of the depth.
     */
    static double tree(double bytes, Levels l) {
        double depth = log2(l.nodes()) * l.alphaInter() + (l.perNode() - 1) * l.alphaIntra();
        return 2.0 * (depth + bytes / l.bandwidth());
    }

    /** Recursive doubling: log2(q) exchanges of the whole buffer within the node, then log2(n) between nodes. */
    static double recursiveDoubling(double bytes, Levels l) {
        return log2(l.perNode()) * (l.alphaIntra() + bytes / l.bandwidthIntra())
                + log2(l.nodes()) * (l.alphaInter() + bytes / l.bandwidthInter());
    }

    /** Rabenseifner: recursive halving reduce-scatter then recursive doubling all-gather, 2 log2(p) steps. */
    static double rabenseifner(double bytes, Levels l) {
        int p = l.ranks();
        return 2.0 * (log2(l.perNode()) * l.alphaIntra() + log2(l.nodes()) * l.alphaInter())
                + 2.0 * (p - 1) / p * bytes / l.bandwidth();
    }

    /** Reduce-scatter in the node (ring), recursive doubling between nodes on 1/q of it, all-gather in the node. */
    static double hierarchical(double bytes, Levels l) {
        int q = l.perNode();
        double withinNode = 2.0 * (q - 1) * (l.alphaIntra() + bytes / q / l.bandwidthIntra());
        double betweenNodes = log2(l.nodes()) * (l.alphaInter() + bytes / q / l.bandwidthInter());
        return withinNode + betweenNodes;
    }

    /** ceil(log2(x)) steps for x participants (0 for one). */
    static int log2(int x) {
        return x <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(x - 1);
    }
}
