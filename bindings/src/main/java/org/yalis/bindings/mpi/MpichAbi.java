package org.yalis.bindings.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The MPICH ABI (MPICH 3.x/4.x, Intel MPI, MVAPICH, Cray MPICH): handles are {@code int}s with
 * fixed values, from Debian's {@code libmpich-dev} 4.0.2 {@code mpi.h} (native-apis.md §6.2).
 */
final class MpichAbi implements MpiAbi {
    static final MpichAbi INSTANCE = new MpichAbi();

    private static final MethodHandle TO_INT;

    static {
        try {
            TO_INT = MethodHandles.lookup().findStatic(MpichAbi.class, "toInt",
                    MethodType.methodType(int.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private MpichAbi() {
    }

    private static int toInt(long handle) {
        return (int) handle;
    }

    @Override
    public MpiFlavor flavor() {
        return MpiFlavor.MPICH;
    }

    @Override
    public ValueLayout handleLayout() {
        return ValueLayout.JAVA_INT;
    }

    @Override
    public MethodHandle handleArgument() {
        return TO_INT;
    }

    @Override
    public long commWorld() {
        return 0x44000000L;
    }

    @Override
    public long commSelf() {
        return 0x44000001L;
    }

    @Override
    public long commNull() {
        return 0x04000000L;
    }

    @Override
    public long requestNull() {
        return 0x2c000000L;
    }

    @Override
    public long errorsReturn() {
        return 0x54000001L;
    }

    @Override
    public long datatype(MpiDatatype type) {
        return Integer.toUnsignedLong(type.mpichHandle());
    }

    @Override
    public long op(MpiOp op) {
        return switch (op) {
            case MAX -> 0x58000001L;
            case MIN -> 0x58000002L;
            case SUM -> 0x58000003L;
            case PROD -> 0x58000004L;
        };
    }

    @Override
    public MemorySegment inPlace() {
        return MemorySegment.ofAddress(-1L);
    }

    @Override
    public MemorySegment statusIgnore() {
        return MemorySegment.ofAddress(1L);
    }

    @Override
    public int maxProcessorName() {
        return 128;
    }

    @Override
    public int maxErrorString() {
        return 512;
    }

    @Override
    public int maxLibraryVersionString() {
        return 8192;
    }
}
