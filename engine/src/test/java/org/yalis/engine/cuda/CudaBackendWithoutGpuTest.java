package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.yalis.bindings.cuda.CudaAvailability;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.engine.YalisException;

/** Opening the CUDA backend on a machine without a usable GPU: one sentence that names the cause. */
class CudaBackendWithoutGpuTest {

    @Test
    void openingWithoutAGpuNamesTheCause() {
        CudaAvailability probe = GpuProbe.probe();
        if (probe.usable()) {
            System.err.println("SKIPPED (a GPU is present): this test checks the no-GPU error");
            Assumptions.abort("a GPU is present");
        }
        YalisException error = assertThrows(YalisException.class, () -> CudaBackend.open(0));
        assertEquals("--device cuda: " + probe.reason(), error.getMessage());
        assertFalse(error.getMessage().contains("\n"), "one line");
        if (probe.driverVersion() == 0 && probe.runtimeLibrary().isPresent()) {
            assertTrue(error.getMessage().contains("no CUDA driver"), error.getMessage());
        }
    }

    @Test
    void eachProcessTakesTheGpuOfItsLocalRank() {
        assertEquals(0, org.yalis.engine.comm.LaunchEnvironment.detect(Map.of()).map(
                org.yalis.engine.comm.LaunchEnvironment::localRank).orElse(0));
        assertEquals(3, org.yalis.engine.comm.LaunchEnvironment.detect(Map.of("OMPI_COMM_WORLD_RANK", "7",
                "OMPI_COMM_WORLD_SIZE", "8", "OMPI_COMM_WORLD_LOCAL_RANK", "3")).orElseThrow().localRank());
    }
}
