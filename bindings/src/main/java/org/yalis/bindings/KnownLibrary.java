package org.yalis.bindings;

import java.util.List;

/** The native libraries Yalis-J can use, each with the file names it accepts, preferred first. */
public enum KnownLibrary {
    CUDA_DRIVER("CUDA driver", List.of("libcuda.so.1", "libcuda.so")),
    CUDA_RUNTIME("CUDA runtime", List.of("libcudart.so.13", "libcudart.so.12")),
    CUBLAS("cuBLAS", List.of("libcublas.so.13", "libcublas.so.12")),
    /** cuBLAS's own dependency: loaded first, from cuBLAS's folder, so wheel installs resolve it. */
    CUBLAS_LT("cuBLASLt", List.of("libcublasLt.so.13", "libcublasLt.so.12")),
    NCCL("NCCL", List.of("libnccl.so.2", "libnccl.so")),
    // Open MPI's soname, Debian's MPICH, upstream MPICH and Intel MPI, then the unversioned link
    // (either flavor): org.yalis.bindings.mpi tells them apart by their symbols.
    MPI("MPI", List.of("libmpi.so.40", "libmpich.so.12", "libmpi.so.12", "libmpi.so")),
    FLASHINFER_SHIM("flashinfer shim", List.of("libyalis_flashinfer.so")),
    /** oneDNN 2.x (Debian's libdnnl2): the CPU backend's prefill GEMM where it is installed. */
    ONEDNN("oneDNN", List.of("libdnnl.so.2"));

    private final String description;
    private final List<String> fileNames;

    KnownLibrary(String description, List<String> fileNames) {
        this.description = description;
        this.fileNames = fileNames;
    }

    public String description() {
        return description;
    }

    public List<String> fileNames() {
        return fileNames;
    }
}
