package org.yalis.engine.comm;

import java.util.Optional;
import java.util.function.Supplier;

import org.yalis.bindings.mpi.MpiLibrary;
import org.yalis.engine.YalisException;

/**
 * Whether the MPI library takes CUDA device pointers, so that the mpi collective can hand it
 * device buffers instead of staging them through host memory.
 *
 * <p>{@value #OVERRIDE_ENV}{@code =1} or {@code =0} decides (MPICH and Open MPI 5 builds with GPU
 * support that do not export Open MPI's query, or to measure staging on a CUDA-aware MPI);
 * otherwise Open MPI's {@code MPIX_Query_cuda_support()} does where the library exports it; without
 * either, buffers are staged.
 */
public final class CudaAwareMpi {
    public static final String OVERRIDE_ENV = "YALIS_MPI_CUDA_AWARE";

    private CudaAwareMpi() {
    }

    /** The answer for this process's MPI library and environment. */
    public static boolean detect() {
        return decide(System.getenv(OVERRIDE_ENV), () -> MpiLibrary.load().queryCudaSupport());
    }

    static boolean decide(String override, Supplier<Optional<Boolean>> query) {
        if (override != null && !override.isBlank()) {
            return switch (override.trim()) {
                case "1" -> true;
                case "0" -> false;
                default -> throw new YalisException(OVERRIDE_ENV + " must be 1 (MPI takes device pointers) or 0 (stage"
                        + " through host memory), got '" + override + "'");
            };
        }
        return query.get().orElse(false);
    }
}
