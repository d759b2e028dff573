package org.yalis.bindings.mpi;

/**
 * Element types the collectives accept, each mapped to a predefined MPI datatype.
 *
 * <h2>bf16</h2>
 * MPI has no bfloat16 type (MPI 4.x defines none; Open MPI 4.1 and MPICH 4.0 ship none), so:
 * <ul>
 *   <li><b>all-gather and broadcast</b> of bf16 (or f16) data only move bits: use {@link #BF16},
 *       which is sent as {@code MPI_UINT16_T} (2 bytes an element), or {@link #BYTE} with twice the count;</li>
 *   <li><b>all-reduce</b> of bf16 must be done by the caller: widen to f32, all-reduce as
 *       {@link #FLOAT}, round back to bf16. Reductions with {@link #BF16} are refused with that advice.
 *       No user-defined {@code MPI_Op} is provided on purpose: it would run a Java upcall inside MPI's
 *       progress engine, on MPI's threads, for every chunk, which is slower than widening and
 *       makes a Java exception there fatal. The f32 sum is also more accurate across many ranks.</li>
 * </ul>
 */
public enum MpiDatatype {
    /** {@code MPI_FLOAT}, 4 bytes. */
    FLOAT(4, "ompi_mpi_float", 0x4c00040a, true),
    /** {@code MPI_DOUBLE}, 8 bytes. */
    DOUBLE(8, "ompi_mpi_double", 0x4c00080b, true),
    /** {@code MPI_INT}, 4 bytes. */
    INT(4, "ompi_mpi_int", 0x4c000405, true),
    /** {@code MPI_INT64_T}, 8 bytes. */
    LONG(8, "ompi_mpi_int64_t", 0x4c00083a, true),
    /** {@code MPI_BYTE}, 1 byte: raw data (reductions are refused: MPI defines none on MPI_BYTE). */
    BYTE(1, "ompi_mpi_byte", 0x4c00010d, false),
    /**
     * bf16 (or any 2-byte element, f16 too) for data movement only, sent as {@code MPI_UINT16_T}.
     * Reductions are refused: widen to {@link #FLOAT} first (see the class comment).
     */
    BF16(2, "ompi_mpi_uint16_t", 0x4c00023c, false);

    private final int byteSize;
    private final String openMpiSymbol;
    private final int mpichHandle;
    private final boolean reducible;

    MpiDatatype(int byteSize, String openMpiSymbol, int mpichHandle, boolean reducible) {
        this.byteSize = byteSize;
        this.openMpiSymbol = openMpiSymbol;
        this.mpichHandle = mpichHandle;
        this.reducible = reducible;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the bindings let this type be reduced (all-reduce). */
    public boolean reducible() {
        return reducible;
    }

    String openMpiSymbol() {
        return openMpiSymbol;
    }

    int mpichHandle() {
        return mpichHandle;
    }
}
