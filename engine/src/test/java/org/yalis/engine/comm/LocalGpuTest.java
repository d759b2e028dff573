package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;
import org.yalis.engine.testing.Gpus;

class LocalGpuTest {

    private static Optional<LaunchEnvironment> localRank(int rank, int ranksOnNode) {
        return LaunchEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", String.valueOf(rank + 8),
                "OMPI_COMM_WORLD_SIZE", "16", "OMPI_COMM_WORLD_LOCAL_RANK", String.valueOf(rank),
                "OMPI_COMM_WORLD_LOCAL_SIZE", String.valueOf(ranksOnNode)));
    }

    @Test
    void theLocalRankPicksTheGpuAndWrapsAroundWhenGpusAreFewer() {
        assertEquals(0, LocalGpu.ordinal(Optional.empty(), 4));
        assertEquals(3, LocalGpu.ordinal(localRank(3, 8), 8));
        assertEquals(1, LocalGpu.ordinal(localRank(3, 8), 2));
    }

    @Test
    void oneGpuPerRankIsRequiredWhereAskedFor() {
        assertEquals(3, LocalGpu.exclusiveOrdinal(localRank(3, 4), 4, "the nccl collective"));
        YalisException crowded = assertThrows(YalisException.class,
                () -> LocalGpu.exclusiveOrdinal(localRank(1, 2), 1, "the nccl collective"));
        assertEquals("the nccl collective needs one GPU per rank, but 2 ranks share this node's 1 GPU;"
                + " start at most 1 rank per node", crowded.getMessage());
    }

    @Test
    void withoutAGpuTheErrorSaysWhoNeedsOneAndWhyThereIsNone() {
        Assumptions.assumeTrue(Gpus.none(), "a GPU is usable here");
        YalisException none = assertThrows(YalisException.class, () -> LocalGpu.visibleGpus("the nccl collective"));
        assertTrue(none.getMessage().startsWith("the nccl collective needs a GPU: "), none.getMessage());
        assertTrue(none.getMessage().length() > "the nccl collective needs a GPU: ".length(), none.getMessage());
    }
}
