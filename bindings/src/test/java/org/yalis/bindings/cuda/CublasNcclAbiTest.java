package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLocator;

/**
 * cuBLAS and NCCL constants. Their headers ship with those libraries, not with the CUDA toolkit
 * the build machine has, so the values are pinned here to the documented ones
 * ({@code shared/reference/native-apis.md} §4.2: cuBLAS 13.4 {@code cublas_api.h}; §5.2: NCCL
 * 2.30.7 {@code nccl.h.in}). Where the headers do exist (a wheel install beside the libraries:
 * {@code nvidia/cu13/include}, {@code nvidia/nccl/include}) they are probed with gcc as well.
 */
class CublasNcclAbiTest {
    private static final String NO_HEADER = " (no cublas_api.h or nccl.h is installed on the build machine to probe,"
            + " so these are pinned to shared/reference/native-apis.md)";

    /** native-apis.md §4.2. */
    private static final Map<String, Long> CUBLAS_DOCUMENTED = ordered(
            "CUBLAS_STATUS_SUCCESS", 0, "CUBLAS_STATUS_NOT_INITIALIZED", 1, "CUBLAS_STATUS_ALLOC_FAILED", 3,
            "CUBLAS_STATUS_INVALID_VALUE", 7, "CUBLAS_STATUS_ARCH_MISMATCH", 8, "CUBLAS_STATUS_MAPPING_ERROR", 11,
            "CUBLAS_STATUS_EXECUTION_FAILED", 13, "CUBLAS_STATUS_INTERNAL_ERROR", 14, "CUBLAS_STATUS_NOT_SUPPORTED", 15,
            "CUBLAS_STATUS_LICENSE_ERROR", 16,
            "CUBLAS_OP_N", 0, "CUBLAS_OP_T", 1, "CUBLAS_OP_C", 2,
            "CUBLAS_COMPUTE_16F", 64, "CUBLAS_COMPUTE_16F_PEDANTIC", 65, "CUBLAS_COMPUTE_32F", 68,
            "CUBLAS_COMPUTE_32F_PEDANTIC", 69, "CUBLAS_COMPUTE_32F_FAST_16F", 74, "CUBLAS_COMPUTE_32F_FAST_16BF", 75,
            "CUBLAS_COMPUTE_32F_FAST_TF32", 77, "CUBLAS_COMPUTE_64F", 70, "CUBLAS_COMPUTE_64F_PEDANTIC", 71,
            "CUBLAS_COMPUTE_32I", 72, "CUBLAS_COMPUTE_32I_PEDANTIC", 73,
            "CUBLAS_GEMM_DEFAULT", -1, "CUBLAS_GEMM_ALGO0", 0, "CUBLAS_GEMM_DEFAULT_TENSOR_OP", 99,
            "CUBLAS_DEFAULT_MATH", 0, "CUBLAS_TENSOR_OP_MATH", 1, "CUBLAS_PEDANTIC_MATH", 2,
            "CUBLAS_TF32_TENSOR_OP_MATH", 3, "CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION", 16,
            "CUBLAS_POINTER_MODE_HOST", 0, "CUBLAS_POINTER_MODE_DEVICE", 1);

    /** native-apis.md §5.2. */
    private static final Map<String, Long> NCCL_DOCUMENTED = ordered(
            "ncclSuccess", 0, "ncclUnhandledCudaError", 1, "ncclSystemError", 2, "ncclInternalError", 3,
            "ncclInvalidArgument", 4, "ncclInvalidUsage", 5, "ncclRemoteError", 6, "ncclInProgress", 7,
            "ncclTimeout", 8,
            "ncclInt8", 0, "ncclUint8", 1, "ncclInt32", 2, "ncclUint32", 3, "ncclInt64", 4, "ncclUint64", 5,
            "ncclFloat16", 6, "ncclFloat32", 7, "ncclFloat64", 8, "ncclBfloat16", 9, "ncclFloat8e4m3", 10,
            "ncclFloat8e5m2", 11,
            "ncclSum", 0, "ncclProd", 1, "ncclMax", 2, "ncclMin", 3, "ncclAvg", 4);

    private static Map<String, Long> ordered(Object... namesAndValues) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], ((Integer) namesAndValues[i + 1]).longValue());
        }
        return map;
    }

    @Test
    void cublasConstantsHaveTheDocumentedValues() {
        Map<String, Long> java = CProbe.enumValues(NativeEnumCatalog.CUBLAS_HEADER.toArray(Class[]::new));
        assertEquals(CUBLAS_DOCUMENTED.keySet(), java.keySet(), "every cuBLAS constant is pinned" + NO_HEADER);
        assertEquals("", CProbe.differences(CUBLAS_DOCUMENTED, java), "cuBLAS constants" + NO_HEADER);
    }

    @Test
    void ncclConstantsHaveTheDocumentedValues() {
        Map<String, Long> java = CProbe.enumValues(NativeEnumCatalog.NCCL_HEADER.toArray(Class[]::new));
        assertEquals(NCCL_DOCUMENTED.keySet(), java.keySet(), "every NCCL constant is pinned" + NO_HEADER);
        assertEquals("", CProbe.differences(NCCL_DOCUMENTED, java), "NCCL constants" + NO_HEADER);
        assertEquals(128, NcclUniqueId.BYTES, "NCCL_UNIQUE_ID_BYTES" + NO_HEADER);
        assertEquals(128, CTypes.NCCL_UNIQUE_ID.byteSize(), "sizeof(ncclUniqueId)" + NO_HEADER);
        assertEquals(1, CTypes.NCCL_UNIQUE_ID.byteAlignment(), "ncclUniqueId is a char array: alignment 1");
        assertEquals(-1, Nccl.SPLIT_NO_COLOR, "NCCL_SPLIT_NOCOLOR" + NO_HEADER);
    }

    @Test
    void cublasConstantsMatchCublasApiHWhereItIsInstalled(@TempDir Path work) throws Exception {
        Path gcc = CProbe.requireGcc();
        Path include = headerBeside(KnownLibrary.CUBLAS, "cublas_api.h");
        Map<String, String> expressions = new LinkedHashMap<>(
                CProbe.enumExpressions(NativeEnumCatalog.CUBLAS_HEADER.toArray(Class[]::new)));
        Map<String, Long> expected = new LinkedHashMap<>(
                CProbe.enumValues(NativeEnumCatalog.CUBLAS_HEADER.toArray(Class[]::new)));
        expressions.putAll(CProbe.sizeofExpressions(CTypes.cublasHeaderTypes()));
        expected.putAll(CProbe.layoutSizes(CTypes.cublasHeaderTypes()));
        Map<String, Long> actual = CProbe.evaluate(gcc, work,
                List.of(include, CudaHeaderAbiTest.cudaInclude()), List.of("cublas_api.h"), expressions);
        assertEquals("", CProbe.differences(expected, actual), "Java constants that differ from " + include);
        System.out.println("CublasNcclAbiTest: " + expected.size() + " cuBLAS constants and sizes match " + include);
    }

    @Test
    void ncclConstantsMatchNcclHWhereItIsInstalled(@TempDir Path work) throws Exception {
        Path gcc = CProbe.requireGcc();
        Path include = headerBeside(KnownLibrary.NCCL, "nccl.h");
        Map<String, String> expressions = new LinkedHashMap<>(
                CProbe.enumExpressions(NativeEnumCatalog.NCCL_HEADER.toArray(Class[]::new)));
        Map<String, Long> expected = new LinkedHashMap<>(
                CProbe.enumValues(NativeEnumCatalog.NCCL_HEADER.toArray(Class[]::new)));
        Map<String, MemoryLayout> types = CTypes.ncclHeaderTypes();
        expressions.putAll(CProbe.sizeofExpressions(types));
        expected.putAll(CProbe.layoutSizes(types));
        expressions.put("NCCL_UNIQUE_ID_BYTES", "NCCL_UNIQUE_ID_BYTES");
        expected.put("NCCL_UNIQUE_ID_BYTES", (long) NcclUniqueId.BYTES);
        expressions.put("NCCL_SPLIT_NOCOLOR", "NCCL_SPLIT_NOCOLOR");
        expected.put("NCCL_SPLIT_NOCOLOR", (long) Nccl.SPLIT_NO_COLOR);
        Map<String, Long> actual = CProbe.evaluate(gcc, work, List.of(include, CudaHeaderAbiTest.cudaInclude()),
                List.of("nccl.h"), expressions);
        assertEquals("", CProbe.differences(expected, actual), "Java constants that differ from " + include);
        System.out.println("CublasNcclAbiTest: " + expected.size() + " NCCL constants and sizes match " + include);
    }

    /**
     * The include folder holding {@code header}: beside the library the environment's locator
     * finds ({@code <lib>/../include}, the wheel layout), else the CUDA toolkit's; skipped when neither has it.
     */
    private static Path headerBeside(KnownLibrary library, String header) {
        List<Path> candidates = new ArrayList<>();
        LibraryLocation location = NativeLibraryLocator.fromEnvironment().locate(library);
        Optional<Path> libraryFolder = location.path().map(Path::getParent);
        libraryFolder.map(Path::getParent).ifPresent(root -> candidates.add(root.resolve("include")));
        candidates.add(CudaHeaderAbiTest.cudaInclude());
        for (Path candidate : candidates) {
            if (java.nio.file.Files.isRegularFile(candidate.resolve(header))) {
                return candidate;
            }
        }
        return CProbe.skip("no " + header + " here to probe (looked in " + candidates
                + "): cuBLAS/NCCL headers are not installed; the pinned-value tests cover these constants");
    }
}
