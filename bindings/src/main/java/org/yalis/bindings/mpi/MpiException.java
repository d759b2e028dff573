package org.yalis.bindings.mpi;

/**
 * An MPI function returned something other than {@code MPI_SUCCESS}. The bindings install
 * {@code MPI_ERRORS_RETURN} on {@code MPI_COMM_WORLD} and {@code MPI_COMM_SELF} at initialisation
 * (communicators made from them inherit it), so errors come back as this exception instead of
 * aborting the job.
 *
 * <p>After an error in a collective, the other ranks may be stuck in it: a rank that cannot go on
 * should call {@link Communicator#abort(int)} rather than just exit.
 */
public final class MpiException extends RuntimeException {
    private final String function;
    private final int code;
    private final int errorClass;
    private final String errorString;

    public MpiException(String function, int code, int errorClass, String errorString) {
        super(function + " failed: " + errorString + " (error code " + code
                + (errorClass != code ? ", class " + errorClass : "") + ")");
        this.function = function;
        this.code = code;
        this.errorClass = errorClass;
        this.errorString = errorString;
    }

    /** The MPI function, e.g. {@code "MPI_Allreduce"}. */
    public String function() {
        return function;
    }

    /** The code it returned (MPICH encodes details in it; Open MPI returns the class). */
    public int code() {
        return code;
    }

    /** {@code MPI_Error_class} of the code (e.g. 5 = {@code MPI_ERR_COMM} in both ABIs), or the code if unknown. */
    public int errorClass() {
        return errorClass;
    }

    /** {@code MPI_Error_string} of the code. */
    public String errorString() {
        return errorString;
    }
}
