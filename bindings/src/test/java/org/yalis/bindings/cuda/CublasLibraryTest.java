package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * cuBLAS where the library is installed, GPU or not (skipped, saying so, where it is not: point
 * YALIS_NATIVE_PATH at a folder with libcublas.so.13 and libcublasLt.so.13 to run these).
 */
class CublasLibraryTest {

    private static Cublas cublas() {
        return GpuTests.requireLibrary(Cublas::shared, "cuBLAS");
    }

    @Test
    void theLibraryReportsTheVersionOfItsSoname() {
        Cublas cublas = cublas();
        String name = cublas.libraryPath().getFileName().toString();
        String version = cublas.version();
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+"), version);
        assertEquals(name.substring("libcublas.so.".length()), version.substring(0, version.indexOf('.')),
                name + " reports " + version);
        cublas.ltLibraryPath().ifPresent(lt -> assertEquals(cublas.libraryPath().getParent(), lt.getParent()));
    }

    /** cuBLAS itself confirms each C name the Java table gives its status codes. */
    @Test
    void everyStatusConstantHasCublassNameForItsCode() {
        Cublas cublas = cublas();
        for (CublasStatus status : CublasStatus.values()) {
            assertEquals(status.cName(), cublas.getStatusName(status.value()), status.name());
        }
        assertEquals("the library was not initialized", cublas.getStatusString(1));
    }

    @Test
    void withoutAGpuCreatingAHandleFailsWithNotInitialized() {
        Cublas cublas = cublas();
        if (!GpuTests.noGpu()) {
            CProbe.skip("a GPU is usable here: creating a cuBLAS handle would succeed");
        }
        CublasException failure = assertThrows(CublasException.class, cublas::create);
        assertEquals("cublasCreate_v2", failure.function());
        assertEquals(CublasStatus.NOT_INITIALIZED.value(), failure.code());
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED", failure.codeName());
        assertEquals("cublasCreate_v2 failed: CUBLAS_STATUS_NOT_INITIALIZED (1): the library was not initialized",
                failure.getMessage());
    }

    /**
     * Every cuBLAS function once, on a NULL handle: cuBLAS refuses it with a status before using
     * any pointer, which proves each binding's Java types match its descriptor.
     */
    @Test
    void everyFunctionReachesTheLibraryAndReportsAStatus() {
        Cublas cublas = cublas();
        CublasHandle none = new CublasHandle(MemorySegment.NULL);
        MemorySegment fake = MemorySegment.ofAddress(0x1000);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
            Map<String, CallShapes.Call> calls = new LinkedHashMap<>();
            calls.put("destroy", () -> cublas.destroy(none));
            calls.put("setStream", () -> cublas.setStream(none, CudaStream.PER_THREAD));
            calls.put("setWorkspace", () -> cublas.setWorkspace(none, fake, 1 << 20));
            calls.put("setMathMode", () -> cublas.setMathMode(none, CublasMath.DEFAULT_MATH,
                    CublasMath.DISALLOW_REDUCED_PRECISION_REDUCTION));
            calls.put("setPointerMode", () -> cublas.setPointerMode(none, CublasPointerMode.HOST));
            calls.put("gemmEx", () -> cublas.gemmEx(none, CublasOperation.T, CublasOperation.N, 4, 3, 2, one, fake,
                    CudaDataType.R_16BF, 2, fake, CudaDataType.R_16BF, 2, one, fake, CudaDataType.R_32F, 4,
                    CublasComputeType.COMPUTE_32F, CublasGemmAlgo.DEFAULT));
            calls.put("gemmStridedBatchedEx", () -> cublas.gemmStridedBatchedEx(none, CublasOperation.T,
                    CublasOperation.N, 4, 3, 2, one, fake, CudaDataType.R_16BF, 2, 8, fake, CudaDataType.R_16BF, 2, 6,
                    one, fake, CudaDataType.R_32F, 4, 12, 5, CublasComputeType.COMPUTE_32F, CublasGemmAlgo.DEFAULT));
            calls.put("linear", () -> cublas.linear(none, fake, fake, fake, 3, 4, 2, CudaDataType.R_16BF,
                    CudaDataType.R_16BF, CublasComputeType.COMPUTE_32F));
            calls.forEach((name, call) -> assertEquals(CublasStatus.NOT_INITIALIZED.value(),
                    CallShapes.reachesNativeCode(name, call), name + " on a NULL handle"));
        }
        assertThrows(IllegalArgumentException.class, () -> cublas.linear(none, fake, fake, fake, 3, 4, 2,
                CudaDataType.R_16F, CudaDataType.R_16F, CublasComputeType.COMPUTE_16F));
    }
}
