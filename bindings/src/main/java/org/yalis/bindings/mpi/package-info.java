/**
 * MPI through the FFM API, for both handle ABIs (Open MPI's pointers, the MPICH ABI's ints), chosen
 * at start-up by probing the loaded library. Nothing loads libmpi until {@link
 * org.yalis.bindings.mpi.Mpi#initialize} or {@link org.yalis.bindings.mpi.MpiLibrary#load()} runs.
 *
 * <h2>Classes</h2>
 * <ul>
 *   <li>{@link org.yalis.bindings.mpi.Mpi}: initialise ({@code MPI_Init_thread}), world/self,
 *       {@code MPI_Wtime}, processor name, error strings, abort, finalise.</li>
 *   <li>{@link org.yalis.bindings.mpi.Communicator}: rank/size, split, dup, free, barrier,
 *       all-reduce (in place too), non-blocking all-reduce, all-gather (in place too), broadcast, abort.</li>
 *   <li>{@link org.yalis.bindings.mpi.MpiRequest}: {@code MPI_Wait} / {@code MPI_Test}.</li>
 *   <li>{@link org.yalis.bindings.mpi.MpiLibrary}: which file, which {@link org.yalis.bindings.mpi.MpiFlavor},
 *       {@code MPI_Get_library_version}, and {@code probe()} for {@code yalis info} (no init).</li>
 *   <li>{@link org.yalis.bindings.mpi.MpiDatatype}, {@link org.yalis.bindings.mpi.MpiOp},
 *       {@link org.yalis.bindings.mpi.ThreadLevel}, {@link org.yalis.bindings.mpi.MpiException}.</li>
 * </ul>
 *
 * <h2>Running</h2>
 * {@code mpirun -np N java --enable-native-access=ALL-UNNAMED -cp ... Main}. Open MPI as root needs
 * {@code --allow-run-as-root}, more ranks than cores {@code --oversubscribe}; pass
 * {@code --mca opal_signal ""} (or {@code OMPI_MCA_opal_signal=}) so Open MPI leaves the JVM's
 * SIGSEGV/SIGBUS/SIGFPE handlers alone. A plain {@code java} without a launcher is a singleton
 * world of size 1. Each rank loads the library that matches its launcher (see
 * {@code MpiLibrarySelector}; {@code YALIS_MPI_LIBRARY=/path/libmpi.so|openmpi|mpich} overrides), and
 * {@link org.yalis.bindings.mpi.Mpi#initialize} fails fast if the world size disagrees with the
 * launcher's rank count (a library that does not belong to the launcher).
 *
 * <h2>Notes for collective backends built on this</h2>
 * <ul>
 *   <li><b>Threads.</b> Initialise with {@code ThreadLevel.MULTIPLE} and check
 *       {@code providedThreadLevel()}. A {@link org.yalis.bindings.mpi.Communicator} is used by one
 *       thread at a time (concurrent use throws); a thread that runs collectives concurrently with
 *       another needs its own {@code dup()}, created in the same order on every rank. Call blocking
 *       collectives from platform threads, not virtual threads (they pin the carrier).</li>
 *   <li><b>In place.</b> Use {@code allreduceInPlace}/{@code allgatherInPlace}: the bindings pass the
 *       right {@code MPI_IN_PLACE} for the ABI ({@code (void*)1} Open MPI, {@code (void*)-1} MPICH).
 *       Overlapping send/receive buffers are refused. For all-gather in place, the rank's own block
 *       must already sit at element {@code rank * countPerRank}.</li>
 *   <li><b>Buffer lifetimes.</b> Buffers are off-heap segments; blocking calls keep their arenas
 *       alive during the call. After {@code iallreduce}, leave the buffers (and their arena) alone
 *       until {@link org.yalis.bindings.mpi.MpiRequest#await()} returns; the request keeps the
 *       segments reachable (auto arenas are safe), and {@code await} reports an arena closed too
 *       early. Complete every request before {@link org.yalis.bindings.mpi.Mpi#close()}.</li>
 *   <li><b>bf16.</b> MPI has no bf16 type: all-reduce bf16 by widening to f32
 *       ({@code MpiDatatype.FLOAT}) and rounding back; all-gather/broadcast bf16 with
 *       {@code MpiDatatype.BF16} (sent as {@code MPI_UINT16_T}). No user-defined {@code MPI_Op}
 *       (see {@link org.yalis.bindings.mpi.MpiDatatype}).</li>
 *   <li><b>NCCL unique id.</b> Rank 0 calls {@code ncclGetUniqueId} into a 128-byte off-heap
 *       segment; every rank then calls {@code comm.bcast(id, 128, MpiDatatype.BYTE, 0)} on the
 *       communicator of the NCCL group (e.g. a {@code split} per tensor-parallel group, whose rank 0
 *       made the id), and passes the segment by value to {@code ncclCommInitRank(comm, nranks, id, rank)}
 *       with the MPI rank/size of that communicator.</li>
 *   <li><b>Failure.</b> MPI errors throw {@link org.yalis.bindings.mpi.MpiException} (the bindings
 *       install {@code MPI_ERRORS_RETURN}), but a rank that stops while others are in a collective
 *       leaves them blocked forever. On any fatal error call {@code abort(code)}: it flushes stdout/stderr,
 *       calls {@code MPI_Abort}, and the launcher kills every rank and exits with {@code code}
 *       (measured: about 1–3 s with Open MPI 4.1 and MPICH 4.0). It never returns (the JVM halts if
 *       MPI's abort does return) and skips the one-thread-at-a-time check, so a watchdog thread can
 *       abort a rank stuck in a collective. {@link org.yalis.bindings.mpi.Mpi#abortOnUncaughtException}
 *       wires this to uncaught exceptions. Every rank must otherwise reach {@code close()}
 *       ({@code MPI_Finalize}) before exiting, or Open MPI's launcher reports the job as failed.</li>
 *   <li><b>Counts.</b> Counts are {@code long} element counts; above {@code Integer.MAX_VALUE} all-reduce,
 *       non-blocking all-reduce and broadcast are split into several MPI calls, all-gather refuses.</li>
 * </ul>
 */
package org.yalis.bindings.mpi;
