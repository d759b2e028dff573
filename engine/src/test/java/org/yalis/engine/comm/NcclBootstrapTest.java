package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.yalis.bindings.cuda.NcclUniqueId;
import org.yalis.engine.YalisException;

/** The unique-id exchange over a fake host group (in-process ranks), and the launches it refuses. */
class NcclBootstrapTest {

    private static NcclUniqueId id(int seed) {
        byte[] bytes = new byte[NcclUniqueId.BYTES];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7);
        }
        return NcclUniqueId.of(bytes);
    }

    @Test
    void rankZeroAloneMakesTheIdAndEveryRankReceivesAllOfIt() throws Exception {
        AtomicInteger made = new AtomicInteger();
        List<NcclUniqueId> received = InProcessRanks.run(4, (rank, host) ->
                NcclBootstrap.exchangeUniqueId(host, () -> {
                    made.incrementAndGet();
                    if (rank != 0) {
                        throw new AssertionError("rank " + rank + " made an id");
                    }
                    return id(5);
                }));
        assertEquals(1, made.get());
        for (NcclUniqueId id : received) {
            assertArrayEquals(id(5).bytes(), id.bytes());
        }
    }

    @Test
    void aOneRankGroupUsesItsOwnId() throws Exception {
        List<NcclUniqueId> received = InProcessRanks.run(1, (rank, host) ->
                NcclBootstrap.exchangeUniqueId(host, () -> id(9)));
        assertEquals(id(9), received.getFirst());
    }

    @Test
    void torchrunStyleLaunchesAreRefusedWithWhatToDoInstead() {
        LaunchEnvironment torchrun = LaunchEnvironment.detect(Map.of("RANK", "1", "WORLD_SIZE", "2",
                "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "2")).orElseThrow();
        YalisException refused = assertThrows(YalisException.class,
                () -> NcclBootstrap.requireMpiLaunch(java.util.Optional.of(torchrun)));
        assertTrue(refused.getMessage().contains("torchrun-style"), refused.getMessage());
        assertTrue(refused.getMessage().contains("not supported yet"), refused.getMessage());
        assertTrue(refused.getMessage().contains("mpirun -np 2"), refused.getMessage());
    }

    @Test
    void mpiLaunchesAndSingleProcessesAreAccepted() {
        LaunchEnvironment openMpi = LaunchEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", "0",
                "OMPI_COMM_WORLD_SIZE", "2", "RANK", "0", "WORLD_SIZE", "2")).orElseThrow();
        assertEquals("Open MPI", openMpi.launcher());
        assertDoesNotThrow(() -> NcclBootstrap.requireMpiLaunch(java.util.Optional.of(openMpi)));
        LaunchEnvironment oneTorchrunProcess = LaunchEnvironment.detect(Map.of("RANK", "0", "WORLD_SIZE", "1"))
                .orElseThrow();
        assertDoesNotThrow(() -> NcclBootstrap.requireMpiLaunch(java.util.Optional.of(oneTorchrunProcess)));
        assertDoesNotThrow(() -> NcclBootstrap.requireMpiLaunch(java.util.Optional.empty()));
    }
}
