package org.yalis.bindings.cuda;

import static org.yalis.bindings.cuda.CTypes.C_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.yalis.bindings.Downcalls;

/**
 * The call shapes the CUDA libraries share: a function that returns a status, which each library's
 * own check turns into its exception ({@link CudaRuntime}, {@link CudaDriver}, {@link Nccl}).
 */
final class StatusCalls {

    /** A library's status check: throws for anything but success, naming {@code function}. */
    @FunctionalInterface
    interface Check {
        void check(int status, String function);
    }

    private StatusCalls() {
    }

    /** {@code f()}. */
    static void call(MethodHandle function, Check check, String name) {
        try {
            check.check((int) function.invokeExact(), name);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code f(handle)}. */
    static void call(MethodHandle function, MemorySegment handle, Check check, String name) {
        try {
            check.check((int) function.invokeExact(handle), name);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code f(int *out)}. */
    static int intOut(MethodHandle function, Check check, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check.check((int) function.invokeExact(value), name);
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code f(handle, int *out)}. */
    static int intOut(MethodHandle function, MemorySegment handle, Check check, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check.check((int) function.invokeExact(handle, value), name);
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
