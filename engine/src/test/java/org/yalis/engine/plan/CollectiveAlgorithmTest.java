package org.yalis.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The latency-bandwidth formulas against cases worked by hand (times in microseconds, 1 MB = 1e6 bytes). */
class CollectiveAlgorithmTest {
    private static final double US = 1e-6;
    /** Within a node: 1 us and 100 GB/s per step; between nodes: 10 us and 10 GB/s. */
    private static CollectiveAlgorithm.Levels levels(int ranks, int nodes) {
        return new CollectiveAlgorithm.Levels(ranks, nodes, 1 * US, 100e9, 10 * US, 10e9);
    }

    @Test
    void ringWithinANode() {
        // 4 ranks, 4 MB: 2 x 3 steps of (1 us + 1 MB / 100 GB/s = 10 us) = 66 us.
        assertEquals(66, CollectiveAlgorithm.ring(4e6, levels(4, 1)) / US, 1e-9);
    }

    @Test
    void ringAcrossNodesRunsAtTheSlowestLink() {
        // 8 ranks on 2 nodes, 8 MB: 2 x 7 steps of (10 us + 1 MB / 10 GB/s = 100 us) = 1540 us.
        assertEquals(1540, CollectiveAlgorithm.ring(8e6, levels(8, 2)) / US, 1e-9);
    }

    @Test
    void treeAcrossNodes() {
        // 8 ranks on 2 nodes, 1 MB: depth 1 x 10 us + 3 x 1 us = 13 us; twice (depth + 1 MB / 10 GB/s) = 226 us.
        assertEquals(226, CollectiveAlgorithm.tree(1e6, levels(8, 2)) / US, 1e-9);
    }

    @Test
    void recursiveDoublingWithinThenBetweenNodes() {
        // 8 ranks on 2 nodes, 1 MB: 2 x (1 + 10) us within, 1 x (10 + 100) us between = 132 us.
        assertEquals(132, CollectiveAlgorithm.recursiveDoubling(1e6, levels(8, 2)) / US, 1e-9);
    }

    @Test
    void rabenseifner() {
        // 8 ranks on 2 nodes, 1 MB: 2 x (2 x 1 + 1 x 10) us = 24 us of latency, 2 x 7/8 x 100 us = 175 us.
        assertEquals(199, CollectiveAlgorithm.rabenseifner(1e6, levels(8, 2)) / US, 1e-9);
    }

    @Test
    void hierarchicalMovesAQuarterBetweenNodes() {
        // 4 per node, 2 nodes, 1 MB: within 2 x 3 x (1 + 2.5) us = 21 us; between 1 x (10 + 25) us = 35 us.
        assertEquals(56, CollectiveAlgorithm.hierarchical(1e6, levels(8, 2)) / US, 1e-9);
    }

    @Test
    void eachLibraryTakesItsFasterAlgorithm() {
        // NCCL: ring 1540 us against tree 2 x (13 + 800) = 1626 us at 8 MB; the tree wins at 1 MB (226 < 2 x 7 x 22.5 = 315).
        assertEquals(1540, CollectiveAlgorithm.RING_OR_TREE.allReduceSeconds(8e6, levels(8, 2)) / US, 1e-9);
        assertEquals(226, CollectiveAlgorithm.RING_OR_TREE.allReduceSeconds(1e6, levels(8, 2)) / US, 1e-9);
        // MPI: recursive doubling 132 us beats Rabenseifner's 199 us at 1 MB.
        assertEquals(132, CollectiveAlgorithm.RECURSIVE_DOUBLING_OR_RABENSEIFNER.allReduceSeconds(1e6, levels(8, 2)) / US,
                1e-9);
        assertEquals(0, CollectiveAlgorithm.RING_OR_TREE.allReduceSeconds(1e6, levels(1, 1)));
    }

    @Test
    void allGathers() {
        // Ring: 3 steps of (1 us + 1 MB / 100 GB/s) = 33 us for 4 ranks on a node bringing 1 MB each.
        assertEquals(33, CollectiveAlgorithm.RING_OR_TREE.allGatherSeconds(1e6, levels(4, 1)) / US, 1e-9);
        // Recursive doubling, 8 on 2 nodes: 2 x 1 us + 1 x 10 us latency, 7 parts of 1 MB at 10 GB/s = 712 us.
        assertEquals(712, CollectiveAlgorithm.RECURSIVE_DOUBLING_OR_RABENSEIFNER.allGatherSeconds(1e6, levels(8, 2)) / US,
                1e-9);
    }

    @Test
    void stepsOfRecursiveDoubling() {
        assertEquals(0, CollectiveAlgorithm.log2(1));
        assertEquals(1, CollectiveAlgorithm.log2(2));
        assertEquals(2, CollectiveAlgorithm.log2(3));
        assertEquals(2, CollectiveAlgorithm.log2(4));
        assertEquals(3, CollectiveAlgorithm.log2(5));
        assertEquals(6, CollectiveAlgorithm.log2(64));
    }
}
