package org.yalis.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.yalis.bindings.Downcalls;
import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.LoadedLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeStrings;
import org.yalis.bindings.OnFirstUse;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.yalis.bindings.cuda.CTypes.C_INT;
import static org.yalis.bindings.cuda.CTypes.POINTER;
import static org.yalis.bindings.cuda.CTypes.SIZE_T;

/**
 * cuBLAS ({@code libcublas.so.13}, or {@code .12}) through FFM: handles, streams, workspace and
 * math modes, {@code cublasGemmEx} and {@code cublasGemmStridedBatchedEx}, and
 * {@link #linear} for the engine's row-major {@code y = x·Wᵀ}.
 *
 * <p>cuBLAS's API is column-major; see {@link RowMajorGemm} for the mapping. Handle functions are
 * bound by their exported {@code _v2} names ({@code cublasCreate_v2}: there is no plain
 * {@code cublasCreate} symbol). Every status is checked and a failure throws
 * {@link CublasException}. Matrices are device pointers; alpha and beta are host pointers
 * ({@link CublasPointerMode#HOST}, the default) of the compute type's scalar type.
 *
 * <p>libcublas needs libcublasLt of the same version. When cuBLAS comes from a folder the loader
 * does not search (a Python wheel), libcublasLt is loaded first from that folder, so the loader
 * reuses it when it resolves cuBLAS's dependency.
 */
public final class Cublas {
    private static final OnFirstUse<Cublas> SHARED =
            new OnFirstUse<>(() -> load(NativeLibraryLocator.fromEnvironment()));

    private final LoadedLibrary library;
    private final Optional<LoadedLibrary> lt;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle setWorkspace;
    private final MethodHandle setMathMode;
    private final MethodHandle setPointerMode;
    private final MethodHandle getStatusName;
    private final MethodHandle getStatusString;
    private final MethodHandle getProperty;
    private final MethodHandle gemmEx;
    private final MethodHandle gemmStridedBatchedEx;

    private Cublas(LoadedLibrary library, Optional<LoadedLibrary> lt) {
        this.library = library;
        this.lt = lt;
        create = bind("cublasCreate_v2", POINTER);
        destroy = bind("cublasDestroy_v2", POINTER);
        setStream = bind("cublasSetStream_v2", POINTER, POINTER);
        setWorkspace = bind("cublasSetWorkspace_v2", POINTER, POINTER, SIZE_T);
        setMathMode = bind("cublasSetMathMode", POINTER, C_INT);
        setPointerMode = bind("cublasSetPointerMode_v2", POINTER, C_INT);
        getStatusName = library.downcall("cublasGetStatusName", FunctionDescriptor.of(POINTER, C_INT));
        getStatusString = library.downcall("cublasGetStatusString", FunctionDescriptor.of(POINTER, C_INT));
        getProperty = bind("cublasGetProperty", C_INT, POINTER);
        gemmEx = bind("cublasGemmEx", POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, POINTER, POINTER, C_INT, C_INT,
                POINTER, C_INT, C_INT, POINTER, POINTER, C_INT, C_INT, C_INT, C_INT);
        gemmStridedBatchedEx = bind("cublasGemmStridedBatchedEx", POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, POINTER,
                POINTER, C_INT, C_INT, JAVA_LONG, POINTER, C_INT, C_INT, JAVA_LONG, POINTER, POINTER, C_INT, C_INT,
                JAVA_LONG, C_INT, C_INT, C_INT);
    }

    /** cuBLAS as found in this process's environment, loaded on the first call and kept. */
    public static Cublas shared() {
        return SHARED.get();
    }

    /**
     * Loads the cuBLAS {@code locator} finds, and first its libcublasLt when that sits in the same folder.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when cuBLAS is not found
     * @throws org.yalis.bindings.NativeLibraryLoadException when it cannot be loaded (typically libcublasLt missing)
     */
    public static Cublas load(NativeLibraryLocator locator) {
        LibraryLocation location = locator.locate(KnownLibrary.CUBLAS);
        Path cublas = location.require();
        // libcublas.so.13 -> libcublasLt.so.13: the Lt of the same major version, beside it.
        Path ltPath = cublas.resolveSibling(cublas.getFileName().toString().replace("libcublas.", "libcublasLt."));
        Optional<LoadedLibrary> lt = Optional.empty();
        if (Files.isRegularFile(ltPath)) {
            lt = Optional.of(LoadedLibrary.open(new LibraryLocation(KnownLibrary.CUBLAS_LT, Optional.of(ltPath),
                    "beside cuBLAS", List.of(ltPath.getParent().toString()))));
        }
        return new Cublas(LoadedLibrary.open(location), lt);
    }

    public Path libraryPath() {
        return library.path();
    }

    /** The libcublasLt loaded from cuBLAS's folder, when there was one there. */
    public Optional<Path> ltLibraryPath() {
        return lt.map(LoadedLibrary::path);
    }

    private MethodHandle bind(String name, MemoryLayout... arguments) {
        return library.downcall(name, FunctionDescriptor.of(C_INT, arguments));
    }

    // ---- status and version ------------------------------------------------------------------

    void check(int status, String function) {
        if (status != CublasStatus.SUCCESS.value()) {
            throw new CublasException(function, status, getStatusName(status), getStatusString(status), null);
        }
    }

    /** {@code cublasGetStatusName}: {@code CUBLAS_STATUS_NOT_INITIALIZED} for 1. */
    public String getStatusName(int status) {
        try {
            return NativeStrings.read((MemorySegment) getStatusName.invokeExact(status));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasGetStatusString}: {@code the library was not initialized} for 1. */
    public String getStatusString(int status) {
        try {
            return NativeStrings.read((MemorySegment) getStatusString.invokeExact(status));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasGetProperty}: works without a GPU. */
    public int getProperty(LibraryProperty property) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check((int) getProperty.invokeExact(property.value(), value), "cublasGetProperty");
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** The library's version as "major.minor.patch", e.g. {@code 13.1.1}. */
    public String version() {
        return getProperty(LibraryProperty.MAJOR_VERSION) + "." + getProperty(LibraryProperty.MINOR_VERSION) + "."
                + getProperty(LibraryProperty.PATCH_LEVEL);
    }

    // ---- handles -----------------------------------------------------------------------------

    /**
     * {@code cublasCreate_v2}: a handle on the current device. Without a usable GPU this fails
     * with {@code CUBLAS_STATUS_NOT_INITIALIZED}.
     */
    public CublasHandle create() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(POINTER);
            check((int) create.invokeExact(handle), "cublasCreate_v2");
            return new CublasHandle(handle.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasDestroy_v2}. */
    public void destroy(CublasHandle handle) {
        try {
            check((int) destroy.invokeExact(handle.handle()), "cublasDestroy_v2");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasSetStream_v2}: later calls on this handle queue on {@code stream}. */
    public void setStream(CublasHandle handle, CudaStream stream) {
        try {
            check((int) setStream.invokeExact(handle.handle(), stream.handle()), "cublasSetStream_v2");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code cublasSetWorkspace_v2}: device memory cuBLAS uses instead of allocating its own
     * (recommended when cuBLAS calls are captured into CUDA graphs, so that cuBLAS does not
     * allocate during capture; keep it alive while the handle uses it).
     */
    public void setWorkspace(CublasHandle handle, MemorySegment deviceWorkspace, long bytes) {
        try {
            check((int) setWorkspace.invokeExact(handle.handle(), deviceWorkspace, bytes), "cublasSetWorkspace_v2");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasSetMathMode} with the OR of {@code modes} ({@code DEFAULT_MATH} when none). */
    public void setMathMode(CublasHandle handle, CublasMath... modes) {
        try {
            check((int) setMathMode.invokeExact(handle.handle(), NativeEnum.combine(modes)), "cublasSetMathMode");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cublasSetPointerMode_v2}. */
    public void setPointerMode(CublasHandle handle, CublasPointerMode mode) {
        try {
            check((int) setPointerMode.invokeExact(handle.handle(), mode.value()), "cublasSetPointerMode_v2");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    // ---- GEMM --------------------------------------------------------------------------------

    /**
     * {@code cublasGemmEx}: column-major {@code C = alpha·op(A)·op(B) + beta·C}, C m×n, op(A) m×k,
     * op(B) k×n. {@code alpha}/{@code beta} point at the compute type's scalar (float for the
     * {@code COMPUTE_32F} family).
     */
    public void gemmEx(CublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n, int k,
            MemorySegment alpha, MemorySegment a, CudaDataType aType, int lda, MemorySegment b, CudaDataType bType,
            int ldb, MemorySegment beta, MemorySegment c, CudaDataType cType, int ldc, CublasComputeType computeType,
            CublasGemmAlgo algo) {
        try {
            check((int) gemmEx.invokeExact(handle.handle(), transa.value(), transb.value(), m, n, k, alpha, a,
                    aType.value(), lda, b, bType.value(), ldb, beta, c, cType.value(), ldc, computeType.value(),
                    algo.value()), "cublasGemmEx");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code cublasGemmStridedBatchedEx}: {@code batchCount} independent {@link #gemmEx} products,
     * operand i starting {@code i * stride} elements (not bytes) after operand 0.
     */
    public void gemmStridedBatchedEx(CublasHandle handle, CublasOperation transa, CublasOperation transb, int m, int n,
            int k, MemorySegment alpha, MemorySegment a, CudaDataType aType, int lda, long strideA, MemorySegment b,
            CudaDataType bType, int ldb, long strideB, MemorySegment beta, MemorySegment c, CudaDataType cType, int ldc,
            long strideC, int batchCount, CublasComputeType computeType, CublasGemmAlgo algo) {
        try {
            check((int) gemmStridedBatchedEx.invokeExact(handle.handle(), transa.value(), transb.value(), m, n, k,
                    alpha, a, aType.value(), lda, strideA, b, bType.value(), ldb, strideB, beta, c, cType.value(), ldc,
                    strideC, batchCount, computeType.value(), algo.value()), "cublasGemmStridedBatchedEx");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * Row-major {@code y[M,N] = x[M,K] · w[N,K]ᵀ} (an {@code nn.Linear} without bias), queued on
     * the handle's stream. For bf16 weights and activations with fp32 accumulation pass
     * {@code R_16BF, R_16BF, COMPUTE_32F}; {@code outputType} may be {@code R_32F} to keep fp32
     * logits. Requires host pointer mode (the default).
     */
    public void linear(CublasHandle handle, MemorySegment x, MemorySegment w, MemorySegment y, int rowsM,
            int outFeaturesN, int inFeaturesK, CudaDataType inputType, CudaDataType outputType,
            CublasComputeType computeType) {
        if (!computeType.takesFloatScalars()) {
            throw new IllegalArgumentException("linear passes float alpha/beta, which " + computeType
                    + " does not take: use a COMPUTE_32F variant or call gemmEx directly");
        }
        RowMajorGemm plan = RowMajorGemm.xTimesWTransposed(rowsM, outFeaturesN, inFeaturesK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment alpha = arena.allocateFrom(JAVA_FLOAT, 1.0f);
            MemorySegment beta = arena.allocateFrom(JAVA_FLOAT, 0.0f);
            gemmEx(handle, plan.transa(), plan.transb(), plan.m(), plan.n(), plan.k(), alpha,
                    plan.a() == RowMajorGemm.Operand.W ? w : x, inputType, plan.lda(),
                    plan.b() == RowMajorGemm.Operand.W ? w : x, inputType, plan.ldb(), beta, y, outputType,
                    plan.ldc(), computeType, CublasGemmAlgo.DEFAULT);
        }
    }
}
