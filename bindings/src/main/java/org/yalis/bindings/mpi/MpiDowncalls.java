package org.yalis.bindings.mpi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The {@code MPI_*} downcalls of one loaded library. Handle parameters take a Java {@code long}
 * whatever the ABI (see {@link MpiAbi}), so each field has one exact type; the comment above it
 * gives it as {@code (Java parameter types) return}. Pointers are {@link MemorySegment}s.
 */
final class MpiDowncalls {
    private static final Linker LINKER = Linker.nativeLinker();

    /** {@code MPI_Init_thread(int *argc, char ***argv, int required, int *provided)}: (seg, seg, int, seg) int. */
    final MethodHandle initThread;
    /** {@code MPI_Initialized(int *flag)}: (seg) int. */
    final MethodHandle initialized;
    /** {@code MPI_Finalized(int *flag)}: (seg) int. */
    final MethodHandle finalized;
    /** {@code MPI_Query_thread(int *provided)}: (seg) int. */
    final MethodHandle queryThread;
    /** {@code MPI_Finalize(void)}: () int. */
    final MethodHandle finalizeMpi;
    /** {@code MPI_Abort(MPI_Comm, int)}: (long, int) int. */
    final MethodHandle abort;
    /** {@code MPI_Comm_rank(MPI_Comm, int *)}: (long, seg) int. */
    final MethodHandle commRank;
    /** {@code MPI_Comm_size(MPI_Comm, int *)}: (long, seg) int. */
    final MethodHandle commSize;
    /** {@code MPI_Comm_split(MPI_Comm, int color, int key, MPI_Comm *newcomm)}: (long, int, int, seg) int. */
    final MethodHandle commSplit;
    /** {@code MPI_Comm_dup(MPI_Comm, MPI_Comm *newcomm)}: (long, seg) int. */
    final MethodHandle commDup;
    /** {@code MPI_Comm_free(MPI_Comm *comm)}: (seg) int. */
    final MethodHandle commFree;
    /** {@code MPI_Comm_set_errhandler(MPI_Comm, MPI_Errhandler)}: (long, long) int. */
    final MethodHandle commSetErrhandler;
    /** {@code MPI_Barrier(MPI_Comm)}: (long) int. */
    final MethodHandle barrier;
    /** {@code MPI_Bcast(void *buf, int count, MPI_Datatype, int root, MPI_Comm)}: (seg, int, long, int, long) int. */
    final MethodHandle bcast;
    /** {@code MPI_Allreduce(const void *send, void *recv, int count, MPI_Datatype, MPI_Op, MPI_Comm)}: (seg, seg, int, long, long, long) int. */
    final MethodHandle allreduce;
    /** {@code MPI_Reduce_scatter_block(const void *send, void *recv, int recvcount, MPI_Datatype, MPI_Op, MPI_Comm)}. */
    final MethodHandle reduceScatterBlock;
    /** {@code MPI_Iallreduce(..., MPI_Comm, MPI_Request *)}: (seg, seg, int, long, long, long, seg) int. */
    final MethodHandle iallreduce;
    /** {@code MPI_Allgather(const void *send, int, MPI_Datatype, void *recv, int, MPI_Datatype, MPI_Comm)}: (seg, int, long, seg, int, long, long) int. */
    final MethodHandle allgather;
    /** {@code MPI_Wait(MPI_Request *, MPI_Status *)}: (seg, seg) int. */
    final MethodHandle waitRequest;
    /** {@code MPI_Test(MPI_Request *, int *flag, MPI_Status *)}: (seg, seg, seg) int. */
    final MethodHandle testRequest;
    /** {@code double MPI_Wtime(void)}: () double. */
    final MethodHandle wtime;
    /** {@code MPI_Get_processor_name(char *, int *resultlen)}: (seg, seg) int. */
    final MethodHandle getProcessorName;
    /** {@code MPI_Get_library_version(char *, int *resultlen)}: (seg, seg) int. */
    final MethodHandle getLibraryVersion;
    /** {@code MPI_Error_string(int code, char *, int *resultlen)}: (int, seg, seg) int. */
    final MethodHandle errorString;
    /** {@code MPI_Error_class(int code, int *errorclass)}: (int, seg) int. */
    final MethodHandle errorClass;
    /**
     * Open MPI's extension {@code int MPIX_Query_cuda_support(void)}: () int. Exported only by builds
     * with CUDA support, so optional.
     */
    final Optional<MethodHandle> queryCudaSupport;

    private final SymbolLookup lookup;
    private final MpiAbi abi;
    private final Path path;

    MpiDowncalls(SymbolLookup lookup, MpiAbi abi, Path path) {
        this.lookup = lookup;
        this.abi = abi;
        this.path = path;
        initThread = bind("MPI_Init_thread", 'i', "ppip");
        initialized = bind("MPI_Initialized", 'i', "p");
        finalized = bind("MPI_Finalized", 'i', "p");
        queryThread = bind("MPI_Query_thread", 'i', "p");
        finalizeMpi = bind("MPI_Finalize", 'i', "");
        abort = bind("MPI_Abort", 'i', "hi");
        commRank = bind("MPI_Comm_rank", 'i', "hp");
        commSize = bind("MPI_Comm_size", 'i', "hp");
        commSplit = bind("MPI_Comm_split", 'i', "hiip");
        commDup = bind("MPI_Comm_dup", 'i', "hp");
        commFree = bind("MPI_Comm_free", 'i', "p");
        commSetErrhandler = bind("MPI_Comm_set_errhandler", 'i', "hh");
        barrier = bind("MPI_Barrier", 'i', "h");
        bcast = bind("MPI_Bcast", 'i', "pihih");
        allreduce = bind("MPI_Allreduce", 'i', "ppihhh");
        iallreduce = bind("MPI_Iallreduce", 'i', "ppihhhp");
        reduceScatterBlock = bind("MPI_Reduce_scatter_block", 'i', "ppihhh");
        allgather = bind("MPI_Allgather", 'i', "pihpihh");
        waitRequest = bind("MPI_Wait", 'i', "pp");
        testRequest = bind("MPI_Test", 'i', "ppp");
        wtime = bind("MPI_Wtime", 'd', "");
        getProcessorName = bind("MPI_Get_processor_name", 'i', "pp");
        getLibraryVersion = bind("MPI_Get_library_version", 'i', "pp");
        errorString = bind("MPI_Error_string", 'i', "ipp");
        errorClass = bind("MPI_Error_class", 'i', "ip");
        queryCudaSupport = lookup.find("MPIX_Query_cuda_support").map(symbol -> bind("MPIX_Query_cuda_support", 'i', ""));
    }

    /**
     * A downcall for {@code name}; {@code ret} and each character of {@code params} is {@code i}
     * (int), {@code d} (double), {@code p} (pointer) or {@code h} (MPI handle, a {@code long} in Java).
     */
    private MethodHandle bind(String name, char ret, String params) {
        MemorySegment symbol = lookup.find(name).orElseThrow(
                () -> new IllegalStateException(path + " does not export " + name));
        MemoryLayout[] args = new MemoryLayout[params.length()];
        for (int i = 0; i < args.length; i++) {
            args[i] = layout(params.charAt(i));
        }
        MethodHandle handle = LINKER.downcallHandle(symbol, FunctionDescriptor.of(layout(ret), args));
        for (int i = 0; i < args.length; i++) {
            if (params.charAt(i) == 'h') {
                handle = MethodHandles.filterArguments(handle, i, abi.handleArgument());
            }
        }
        return handle;
    }

    private MemoryLayout layout(char kind) {
        return switch (kind) {
            case 'i' -> JAVA_INT;
            case 'd' -> JAVA_DOUBLE;
            case 'p' -> ADDRESS;
            case 'h' -> abi.handleLayout();
            default -> throw new IllegalArgumentException("kind " + kind);
        };
    }
}
