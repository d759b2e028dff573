package org.yalis.bindings.mpi;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * One MPI handle ABI: how {@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op},
 * {@code MPI_Request} and {@code MPI_Errhandler} are passed, the predefined handles, and the
 * constants that differ between implementations (values from shared/reference/native-apis.md §6).
 *
 * <p>Java code holds every handle as a {@code long}: an address for Open MPI, the unsigned
 * {@code int} value for MPICH. {@link #handleArgument()} converts it to the C argument, so every
 * downcall has the same Java type whichever library is loaded.
 */
sealed interface MpiAbi permits OpenMpiAbi, MpichAbi {

    MpiFlavor flavor();

    /** The C layout of a handle: {@code ADDRESS} (Open MPI) or {@code JAVA_INT} (MPICH). */
    ValueLayout handleLayout();

    /** A method handle {@code (long) -> C argument} matching {@link #handleLayout()}. */
    MethodHandle handleArgument();

    long commWorld();

    long commSelf();

    long commNull();

    long requestNull();

    long errorsReturn();

    long datatype(MpiDatatype type);

    long op(MpiOp op);

    /** {@code MPI_IN_PLACE}: {@code (void*)1} in Open MPI, {@code (void*)-1} in MPICH. */
    MemorySegment inPlace();

    /** {@code MPI_STATUS_IGNORE}: {@code NULL} in Open MPI, {@code (MPI_Status*)1} in MPICH. */
    MemorySegment statusIgnore();

    /** {@code MPI_MAX_PROCESSOR_NAME}. */
    int maxProcessorName();

    /** {@code MPI_MAX_ERROR_STRING}. */
    int maxErrorString();

    /** {@code MPI_MAX_LIBRARY_VERSION_STRING}. */
    int maxLibraryVersionString();

    /** Reads a handle that MPI wrote to {@code cell} (an out-parameter such as {@code MPI_Comm *newcomm}). */
    default long readHandle(MemorySegment cell) {
        return handleLayout() instanceof AddressLayout
                ? cell.get(ValueLayout.ADDRESS, 0).address()
                : Integer.toUnsignedLong(cell.get(ValueLayout.JAVA_INT, 0));
    }

    /** Writes a handle to {@code cell}, for in-out parameters ({@code MPI_Comm_free}, {@code MPI_Wait}). */
    default void writeHandle(MemorySegment cell, long handle) {
        if (handleLayout() instanceof AddressLayout) {
            cell.set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(handle));
        } else {
            cell.set(ValueLayout.JAVA_INT, 0, (int) handle);
        }
    }

    /**
     * The ABI of a loaded library, from its symbols: {@code ompi_mpi_comm_world} exported means
     * Open MPI; otherwise {@code MPI_Init_thread} without it means the MPICH ABI. Libraries built for
     * the MPI 5 standard ABI ({@code MPI_Abi_get_version} exported) use other constants and are refused.
     */
    static MpiAbi detect(SymbolLookup lookup, Path path) {
        if (lookup.find("ompi_mpi_comm_world").isPresent()) {
            return new OpenMpiAbi(lookup, path);
        }
        if (lookup.find("MPI_Init_thread").isEmpty()) {
            throw new IllegalStateException(path + " exports no MPI_Init_thread: not an MPI library");
        }
        if (lookup.find("MPI_Abi_get_version").isPresent()) {
            throw new IllegalStateException(path + " implements the MPI 5 standard ABI (MPI_Abi_get_version),"
                    + " which these bindings do not support yet; use an Open MPI or MPICH-ABI library");
        }
        return MpichAbi.INSTANCE;
    }
}
