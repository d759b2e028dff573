package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The driver library where it is installed (it comes with the NVIDIA driver; skipped elsewhere). */
class CudaDriverLibraryTest {

    @Test
    void errorNamesComeFromTheDriverAndMatchTheJavaTable() {
        CudaDriver driver = GpuTests.requireLibrary(CudaDriver::shared, "CUDA driver");
        for (CuResult result : CuResult.values()) {
            assertEquals(result.cName(), driver.getErrorName(result.value()), result.name());
        }
        assertTrue(driver.getErrorString(CuResult.OUT_OF_MEMORY.value()).contains("out of memory"),
                driver.getErrorString(CuResult.OUT_OF_MEMORY.value()));
    }

    @Test
    void theDriverVersionMatchesTheRuntimesView() {
        CudaDriver driver = GpuTests.requireLibrary(CudaDriver::shared, "CUDA driver");
        assertEquals(CudaRuntime.shared().driverGetVersion(), driver.driverGetVersion());
    }
}
