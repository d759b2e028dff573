package org.yalis.bindings.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Open MPI (4.x, 5.x): handles are pointers, and a predefined handle is the address of the object
 * libmpi exports ({@code MPI_FLOAT} = {@code &ompi_mpi_float}), found here with {@code dlsym}. The
 * JVM's launcher references no MPI symbol, so there is no copy relocation and these are the
 * addresses libmpi itself uses.
 */
final class OpenMpiAbi implements MpiAbi {
    private static final MethodHandle TO_ADDRESS;

    static {
        try {
            TO_ADDRESS = MethodHandles.lookup().findStatic(MemorySegment.class, "ofAddress",
                    MethodType.methodType(MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long commWorld;
    private final long commSelf;
    private final long commNull;
    private final long requestNull;
    private final long errorsReturn;
    private final Map<MpiDatatype, Long> datatypes = new EnumMap<>(MpiDatatype.class);
    private final Map<MpiOp, Long> ops = new EnumMap<>(MpiOp.class);

    OpenMpiAbi(SymbolLookup lookup, Path path) {
        commWorld = symbol(lookup, path, "ompi_mpi_comm_world");
        commSelf = symbol(lookup, path, "ompi_mpi_comm_self");
        commNull = symbol(lookup, path, "ompi_mpi_comm_null");
        requestNull = symbol(lookup, path, "ompi_request_null");
        errorsReturn = symbol(lookup, path, "ompi_mpi_errors_return");
        for (MpiDatatype type : MpiDatatype.values()) {
            datatypes.put(type, symbol(lookup, path, type.openMpiSymbol()));
        }
        for (MpiOp op : MpiOp.values()) {
            ops.put(op, symbol(lookup, path, op.openMpiSymbol()));
        }
    }

    private static long symbol(SymbolLookup lookup, Path path, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException(
                path + " looks like Open MPI but does not export " + name)).address();
    }

    @Override
    public MpiFlavor flavor() {
        return MpiFlavor.OPEN_MPI;
    }

    @Override
    public ValueLayout handleLayout() {
        return ValueLayout.ADDRESS;
    }

    @Override
    public MethodHandle handleArgument() {
        return TO_ADDRESS;
    }

    @Override
    public long commWorld() {
        return commWorld;
    }

    @Override
    public long commSelf() {
        return commSelf;
    }

    @Override
    public long commNull() {
        return commNull;
    }

    @Override
    public long requestNull() {
        return requestNull;
    }

    @Override
    public long errorsReturn() {
        return errorsReturn;
    }

    @Override
    public long datatype(MpiDatatype type) {
        return datatypes.get(type);
    }

    @Override
    public long op(MpiOp op) {
        return ops.get(op);
    }

    @Override
    public MemorySegment inPlace() {
        return MemorySegment.ofAddress(1);
    }

    @Override
    public MemorySegment statusIgnore() {
        return MemorySegment.NULL;
    }

    @Override
    public int maxProcessorName() {
        return 256;
    }

    @Override
    public int maxErrorString() {
        return 256;
    }

    @Override
    public int maxLibraryVersionString() {
        return 256;
    }
}
