package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.function.Supplier;

import org.yalis.bindings.cuda.NcclUniqueId;
import org.yalis.engine.YalisException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * How the ranks of an NCCL communicator find each other: rank 0 makes the 128-byte unique id
 * ({@code ncclGetUniqueId}, which opens a listening socket in rank 0's process) and every rank
 * receives it over a host communicator (an MPI broadcast) before {@code ncclCommInitRank}.
 */
final class NcclBootstrap {
    private NcclBootstrap() {
    }

    /**
     * Refuses launches whose ranks have no MPI to exchange the id over: torchrun-style
     * ({@code RANK}/{@code WORLD_SIZE}) processes are each a world of one to MPI, and the TCP
     * store that would replace it is not written yet.
     */
    static void requireMpiLaunch(Optional<LaunchEnvironment> launch) {
        launch.filter(l -> l.launcher().equals("torchrun") && l.size() > 1).ifPresent(l -> {
            throw new YalisException("the nccl collective exchanges its unique id over MPI, but these " + l.size()
                    + " processes were started torchrun-style (RANK/WORLD_SIZE) without an MPI launcher;"
                    + " a TCP-store bootstrap is not supported yet: start them with mpirun -np " + l.size());
        });
    }

    /**
     * The id of a new communicator over {@code hostGroup}'s ranks: made by {@code makeId} on rank 0
     * only, and broadcast to the others. Collective over {@code hostGroup}.
     */
    static NcclUniqueId exchangeUniqueId(Communicator hostGroup, Supplier<NcclUniqueId> makeId) {
        // Shared, not confined: an in-process host group reads the root's buffer from another thread.
        try (Arena arena = Arena.ofShared()) {
            MemorySegment id = arena.allocate(NcclUniqueId.BYTES);
            if (hostGroup.rank() == 0) {
                id.copyFrom(MemorySegment.ofArray(makeId.get().bytes()));
            }
            hostGroup.broadcastBytes(id, 0);
            return NcclUniqueId.of(id.toArray(JAVA_BYTE));
        }
    }
}
