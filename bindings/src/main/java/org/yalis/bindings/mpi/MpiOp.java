package org.yalis.bindings.mpi;

/** The predefined reduction operations the bindings expose ({@code MPI_SUM}, {@code MPI_MAX}, ...). */
public enum MpiOp {
    SUM("sum"),
    MAX("max"),
    MIN("min"),
    PROD("prod");

    private final String openMpiSuffix;

    MpiOp(String openMpiSuffix) {
        this.openMpiSuffix = openMpiSuffix;
    }

    /** Open MPI's exported object for this op: {@code ompi_mpi_op_<suffix>}. */
    String openMpiSymbol() {
        return "ompi_mpi_op_" + openMpiSuffix;
    }
}
