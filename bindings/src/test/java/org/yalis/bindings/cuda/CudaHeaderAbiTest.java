package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares every CUDA constant and type size the Java bindings hard-code with what gcc sees in
 * the CUDA toolkit's headers ({@code cuda_runtime_api.h}, {@code driver_types.h},
 * {@code library_types.h}, {@code cuda.h}). Needs gcc and the headers, not a GPU.
 */
class CudaHeaderAbiTest {
    private static final List<String> HEADERS = List.of("cuda_runtime_api.h", "driver_types.h", "library_types.h",
            "cuda.h");

    /** CUDA_HOME's include folder, else /usr/local/cuda's. */
    static Path cudaInclude() {
        String home = System.getenv("CUDA_HOME");
        List<Path> candidates = new ArrayList<>();
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, "include"));
        }
        candidates.add(Path.of("/usr/local/cuda/include"));
        return CProbe.firstExisting(candidates).orElse(candidates.getLast());
    }

    @Test
    void enumValuesAndTypeSizesMatchTheCudaHeaders(@TempDir Path work) throws Exception {
        Path gcc = CProbe.requireGcc();
        Path include = cudaInclude();
        for (String header : HEADERS) {
            CProbe.requireHeader(include, header);
        }
        Map<String, String> expressions = new LinkedHashMap<>(
                CProbe.enumExpressions(NativeEnumCatalog.CUDA_HEADERS.toArray(Class[]::new)));
        Map<String, Long> expected = new LinkedHashMap<>(
                CProbe.enumValues(NativeEnumCatalog.CUDA_HEADERS.toArray(Class[]::new)));
        expressions.putAll(CProbe.sizeofExpressions(CTypes.cudaHeaderTypes()));
        expected.putAll(CProbe.layoutSizes(CTypes.cudaHeaderTypes()));
        // The special stream handles CudaStream names.
        expressions.put("cudaStreamLegacy", "(uintptr_t)cudaStreamLegacy");
        expected.put("cudaStreamLegacy", CudaStream.LEGACY.handle().address());
        expressions.put("cudaStreamPerThread", "(uintptr_t)cudaStreamPerThread");
        expected.put("cudaStreamPerThread", CudaStream.PER_THREAD.handle().address());
        expressions.put("CU_STREAM_LEGACY", "(uintptr_t)CU_STREAM_LEGACY");
        expected.put("CU_STREAM_LEGACY", CudaStream.LEGACY.handle().address());
        expressions.put("CU_STREAM_PER_THREAD", "(uintptr_t)CU_STREAM_PER_THREAD");
        expected.put("CU_STREAM_PER_THREAD", CudaStream.PER_THREAD.handle().address());

        Map<String, Long> actual = CProbe.evaluate(gcc, work, List.of(include), HEADERS, expressions);

        assertEquals("", CProbe.differences(expected, actual), "Java constants that differ from " + include);
        System.out.println("CudaHeaderAbiTest: " + expected.size() + " constants and sizes match " + include);
    }

    /** The library the loader picks is the one the headers describe, down to the minor version. */
    @Test
    void theLoadedRuntimeIsTheVersionItsHeadersDeclare(@TempDir Path work) throws Exception {
        Path gcc = CProbe.requireGcc();
        Path include = cudaInclude();
        CProbe.requireHeader(include, "cuda_runtime_api.h");
        CudaRuntime runtime = CudaRuntime.shared();
        Path toolkit = include.toRealPath().getParent();
        if (!runtime.libraryPath().toRealPath().startsWith(toolkit)) {
            CProbe.skip("libcudart " + runtime.libraryPath() + " is not the toolkit's of " + include);
        }
        long header = CProbe.evaluate(gcc, work, List.of(include), List.of("cuda_runtime_api.h"),
                Map.of("CUDART_VERSION", "CUDART_VERSION")).get("CUDART_VERSION");
        assertEquals(header, runtime.runtimeGetVersion(), "cudaRuntimeGetVersion vs CUDART_VERSION");
    }

    /** Every constant enum is checked by this test or by the cuBLAS/NCCL one: none slips through unchecked. */
    @Test
    void everyConstantEnumIsCoveredByAnAbiCheck() throws Exception {
        Set<Class<?>> covered = new HashSet<>();
        covered.addAll(NativeEnumCatalog.CUDA_HEADERS);
        covered.addAll(NativeEnumCatalog.CUBLAS_HEADER);
        covered.addAll(NativeEnumCatalog.NCCL_HEADER);
        Set<Class<?>> all = new HashSet<>(NativeEnumCatalog.allNativeEnumsInMainCode());
        Set<Class<?>> unchecked = new HashSet<>(all);
        unchecked.removeAll(covered);
        assertEquals(Set.of(), unchecked, "NativeEnum types in no ABI check list of NativeEnumCatalog");
        assertEquals(covered, all, "the catalog and the compiled classes list the same enums");
    }
}
