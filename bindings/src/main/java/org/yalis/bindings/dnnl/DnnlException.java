package org.yalis.bindings.dnnl;

/** A oneDNN call that did not return {@code dnnl_success}, naming the call and the status. */
public final class DnnlException extends RuntimeException {
    private final int status;

    DnnlException(String function, int status) {
        super("oneDNN " + function + " failed: " + statusName(status) + " (" + status + ")");
        this.status = status;
    }

    /** The {@code dnnl_status_t} value. */
    public int status() {
        return status;
    }

    /** {@code dnnl_unimplemented}: no implementation of the primitive for these shapes and types. */
    public boolean unimplemented() {
        return status == 3;
    }

    static String statusName(int status) {
        return switch (status) {
            case 1 -> "dnnl_out_of_memory";
            case 2 -> "dnnl_invalid_arguments";
            case 3 -> "dnnl_unimplemented";
            case 4 -> "dnnl_iterator_ends";
            case 5 -> "dnnl_runtime_error";
            case 6 -> "dnnl_not_required";
            default -> "unknown status";
        };
    }
}
