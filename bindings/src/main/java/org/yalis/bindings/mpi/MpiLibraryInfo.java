package org.yalis.bindings.mpi;

import java.nio.file.Path;

/**
 * What probing an MPI library without initialising it tells: for {@code yalis info} and logs.
 *
 * @param path    the library file
 * @param source  how it was chosen ("YALIS_MPI_LIBRARY", "loader cache", ...)
 * @param flavor  the handle ABI found by symbol probing
 * @param version {@code MPI_Get_library_version} (callable before {@code MPI_Init}), first line only
 */
public record MpiLibraryInfo(Path path, String source, MpiFlavor flavor, String version) {
}
