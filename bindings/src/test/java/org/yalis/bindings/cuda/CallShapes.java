package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that a binding method reaches native code and comes back: it returns, or throws the
 * library's {@link CudaException}. Anything else (a {@code WrongMethodTypeException} from an
 * {@code invokeExact} whose Java types do not match the descriptor, an FFM argument error) is a
 * bug in the binding that would otherwise surface only on a GPU machine.
 */
final class CallShapes {
    interface Call {
        void run() throws Exception;
    }

    private CallShapes() {
    }

    /** Runs {@code call}; returns the library status it failed with, or -1 when it succeeded. */
    static int reachesNativeCode(String what, Call call) {
        try {
            call.run();
            return -1;
        } catch (CudaException e) {
            return e.code();
        } catch (Throwable t) {
            fail(what + " did not reach native code: " + t, t);
            throw new AssertionError("unreachable");
        }
    }
}
