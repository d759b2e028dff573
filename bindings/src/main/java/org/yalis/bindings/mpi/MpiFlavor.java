package org.yalis.bindings.mpi;

/**
 * The two MPI handle ABIs that exist in the wild, told apart by probing the loaded library (see
 * {@link MpiLibrary}): the C headers differ, the {@code MPI_*} function names do not.
 */
public enum MpiFlavor {
    /**
     * Open MPI: handles are pointers; predefined handles are the addresses of exported objects
     * ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}); {@code MPI_IN_PLACE} is {@code (void*)1}.
     */
    OPEN_MPI("Open MPI", "pointer handles"),
    /**
     * The MPICH ABI (MPICH, and its derivatives Intel MPI, MVAPICH, Cray MPICH): handles are
     * {@code int} constants such as {@code MPI_COMM_WORLD = 0x44000000}; {@code MPI_IN_PLACE} is {@code (void*)-1}.
     */
    MPICH("MPICH", "int handles");

    private final String displayName;
    private final String handleModel;

    MpiFlavor(String displayName, String handleModel) {
        this.displayName = displayName;
        this.handleModel = handleModel;
    }

    /** "Open MPI" or "MPICH". */
    public String displayName() {
        return displayName;
    }

    /** How this ABI represents {@code MPI_Comm}, {@code MPI_Datatype}, ...: "pointer handles" or "int handles". */
    public String handleModel() {
        return handleModel;
    }
}
