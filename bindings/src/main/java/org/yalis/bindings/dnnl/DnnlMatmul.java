package org.yalis.bindings.dnnl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.yalis.bindings.Downcalls;

/**
 * One oneDNN matmul primitive, {@code dst[m][n] = sum_k src[m][k] * weights[n][k]}, for fixed shapes
 * and strides: the weights in PyTorch's {@code nn.Linear} layout (n rows of k, consecutive rows
 * {@code weightRowStride} elements apart), row-major source and destination. The memory is given at
 * each {@link #execute}, so one primitive serves every layer of the same shape. Its native objects
 * live as long as {@code arena}.
 *
 * <p>Not for concurrent use: {@link #execute} points the primitive's memory objects at the call's
 * buffers. Different instances may run at once on different threads.
 */
public final class DnnlMatmul {
    /** The element types the primitive reads and writes ({@code dnnl_data_type_t} values). */
    public enum DataType {
        F32(3, 4), BF16(2, 2), S32(4, 4), S8(5, 1), U8(6, 1);

        final int code;
        final int bytes;

        DataType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }
    }

    private final Dnnl dnnl;
    private final MemorySegment primitive;
    private final MemorySegment source;
    private final MemorySegment weights;
    private final MemorySegment destination;
    private final MemorySegment scratchpad;
    private final MemorySegment arguments;
    private final long scratchpadBytes;
    private final String implementation;

    private DnnlMatmul(Dnnl dnnl, MemorySegment primitive, MemorySegment source, MemorySegment weights,
                       MemorySegment destination, MemorySegment scratchpad, MemorySegment arguments,
                       long scratchpadBytes, String implementation) {
        this.dnnl = dnnl;
        this.primitive = primitive;
        this.source = source;
        this.weights = weights;
        this.destination = destination;
        this.scratchpad = scratchpad;
        this.arguments = arguments;
        this.scratchpadBytes = scratchpadBytes;
        this.implementation = implementation;
    }

    /**
     * Creates the primitive for the calling thread's oneDNN thread count (call
     * {@link Dnnl#useOneThreadHere} first to plan it for one thread).
     *
     * @throws DnnlException {@linkplain DnnlException#unimplemented() unimplemented} when oneDNN has no
     *                       kernel for these types on this CPU
     */
    public static DnnlMatmul create(Dnnl dnnl, Arena arena, int m, int k, int n, DataType sourceType,
                                    DataType weightType, long weightRowStride, long destinationRowStride) {
        return create(dnnl, arena, m, k, n, sourceType, weightType, DataType.F32, weightRowStride,
                destinationRowStride);
    }

    /** As above with the destination in {@code destinationType} (f32, or s32 for an integer product). */
    public static DnnlMatmul create(Dnnl dnnl, Arena arena, int m, int k, int n, DataType sourceType,
                                    DataType weightType, DataType destinationType, long weightRowStride,
                                    long destinationRowStride) {
        if (weightRowStride < k) {
            throw new IllegalArgumentException("weight rows of " + k + " elements " + weightRowStride + " apart");
        }
        return create(dnnl, arena, m, k, n, sourceType, weightType, destinationType, 1, weightRowStride,
                destinationRowStride);
    }

    /**
     * The general form: weight element {@code (k, n)} (input {@code k} of output {@code n}) at
     * {@code k * weightInputStride + n * weightOutputStride} elements; PyTorch's layout is {@code (1, k)},
     * its transpose (the inputs' rows of {@code n} outputs side by side) {@code (n, 1)}.
     */
    public static DnnlMatmul create(Dnnl dnnl, Arena arena, int m, int k, int n, DataType sourceType,
                                    DataType weightType, DataType destinationType, long weightInputStride,
                                    long weightOutputStride, long destinationRowStride) {
        if (m < 1 || k < 1 || n < 1 || weightInputStride < 1 || weightOutputStride < 1 || destinationRowStride < n) {
            throw new IllegalArgumentException("matmul " + m + "x" + k + " by " + n + "x" + k + " (strides "
                    + weightInputStride + ", " + weightOutputStride + ", " + destinationRowStride + ")");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment sourceDesc = memoryDesc(dnnl, call, sourceType, new long[] {m, k}, new long[] {k, 1});
            // Weights as a k x n matrix (PyTorch's row j is its column j).
            MemorySegment weightDesc = memoryDesc(dnnl, call, weightType, new long[] {k, n},
                    new long[] {weightInputStride, weightOutputStride});
            MemorySegment destinationDesc = memoryDesc(dnnl, call, destinationType, new long[] {m, n},
                    new long[] {destinationRowStride, 1});
            MemorySegment opDesc = call.allocate(Dnnl.MATMUL_DESC_BYTES, 8);
            Dnnl.check((int) dnnl.matmulDescInit.invokeExact(opDesc, sourceDesc, weightDesc, MemorySegment.NULL,
                    destinationDesc), "dnnl_matmul_desc_init");

            MemorySegment out = call.allocate(ADDRESS);
            Dnnl.check((int) dnnl.attrCreate.invokeExact(out), "dnnl_primitive_attr_create");
            MemorySegment attributes = out.get(ADDRESS, 0);
            MemorySegment descriptor;
            try {
                // The caller provides the scratchpad: no hidden allocation per execution, and safe to run
                // different primitives on different threads at once.
                Dnnl.check((int) dnnl.attrSetScratchpadMode.invokeExact(attributes, Dnnl.SCRATCHPAD_USER),
                        "dnnl_primitive_attr_set_scratchpad_mode");
                Dnnl.check((int) dnnl.primitiveDescCreate.invokeExact(out, opDesc, attributes, dnnl.engine(),
                        MemorySegment.NULL), "dnnl_primitive_desc_create");
                descriptor = out.get(ADDRESS, 0);
            } finally {
                Dnnl.check((int) dnnl.attrDestroy.invokeExact(attributes), "dnnl_primitive_attr_destroy");
            }
            String implementation;
            long scratchpadBytes;
            MemorySegment primitive;
            try {
                MemorySegment info = call.allocate(ADDRESS);
                Dnnl.check((int) dnnl.primitiveDescQuery.invokeExact(descriptor, Dnnl.QUERY_IMPL_INFO_STR, 0, info),
                        "dnnl_primitive_desc_query");
                implementation = Dnnl.string(info.get(ADDRESS, 0));
                MemorySegment scratchDesc = (MemorySegment) dnnl.primitiveDescQueryMd.invokeExact(descriptor,
                        Dnnl.QUERY_SCRATCHPAD_MD, 0);
                scratchpadBytes = scratchDesc.address() == 0 ? 0
                        : (long) dnnl.memoryDescGetSize.invokeExact(scratchDesc);
                Dnnl.check((int) dnnl.primitiveCreate.invokeExact(out, descriptor), "dnnl_primitive_create");
                primitive = owned(dnnl, arena, out.get(ADDRESS, 0), dnnl.primitiveDestroy);
                MemorySegment source = memory(dnnl, arena, call, sourceDesc);
                MemorySegment weights = memory(dnnl, arena, call, weightDesc);
                MemorySegment destination = memory(dnnl, arena, call, destinationDesc);
                MemorySegment scratchpad = scratchpadBytes == 0 ? MemorySegment.NULL
                        : memory(dnnl, arena, call, scratchDesc);
                int count = scratchpadBytes == 0 ? 3 : 4;
                MemorySegment arguments = arena.allocate(16L * count, 8);
                argument(arguments, 0, Dnnl.ARG_SRC, source);
                argument(arguments, 1, Dnnl.ARG_WEIGHTS, weights);
                argument(arguments, 2, Dnnl.ARG_DST, destination);
                if (count == 4) {
                    argument(arguments, 3, Dnnl.ARG_SCRATCHPAD, scratchpad);
                }
                return new DnnlMatmul(dnnl, primitive, source, weights, destination, scratchpad, arguments,
                        scratchpadBytes, implementation);
            } finally {
                Dnnl.check((int) dnnl.primitiveDescDestroy.invokeExact(descriptor), "dnnl_primitive_desc_destroy");
            }
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** oneDNN's name for the kernel it chose (for example {@code brg:avx512_core_amx_bf16}). */
    public String implementation() {
        return implementation;
    }

    /** Bytes of scratch memory {@link #execute} needs. */
    public long scratchpadBytes() {
        return scratchpadBytes;
    }

    /**
     * Runs the product on the calling thread's stream and waits for it. Every buffer must be native
     * memory that lives until the call returns; {@code scratch} must hold {@link #scratchpadBytes}.
     */
    public void execute(MemorySegment sourceData, MemorySegment weightData, MemorySegment destinationData,
                        MemorySegment scratch) {
        if (scratch.byteSize() < scratchpadBytes) {
            throw new IllegalArgumentException("scratchpad of " + scratch.byteSize() + " bytes, needs "
                    + scratchpadBytes);
        }
        try {
            setHandle(source, sourceData);
            setHandle(weights, weightData);
            setHandle(destination, destinationData);
            if (scratchpadBytes > 0) {
                setHandle(scratchpad, scratch);
            }
            int count = scratchpadBytes == 0 ? 3 : 4;
            Dnnl.check((int) dnnl.primitiveExecute.invokeExact(primitive, dnnl.stream(), count, arguments),
                    "dnnl_primitive_execute");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    private void setHandle(MemorySegment memory, MemorySegment data) throws Throwable {
        Dnnl.check((int) dnnl.memorySetDataHandle.invokeExact(memory, data), "dnnl_memory_set_data_handle");
    }

    private static MemorySegment memoryDesc(Dnnl dnnl, Arena arena, DataType type, long[] dims, long[] strides)
            throws Throwable {
        MemorySegment desc = arena.allocate(Dnnl.MEMORY_DESC_BYTES, 8);
        Dnnl.check((int) dnnl.memoryDescInitByStrides.invokeExact(desc, dims.length, Dnnl.dims(arena, dims),
                type.code, Dnnl.dims(arena, strides)), "dnnl_memory_desc_init_by_strides");
        return desc;
    }

    /** A memory object over {@code desc} with no buffer yet ({@code DNNL_MEMORY_NONE}). */
    private static MemorySegment memory(Dnnl dnnl, Arena arena, Arena call, MemorySegment desc) throws Throwable {
        MemorySegment out = call.allocate(ADDRESS);
        Dnnl.check((int) dnnl.memoryCreate.invokeExact(out, desc, dnnl.engine(), MemorySegment.NULL),
                "dnnl_memory_create");
        return owned(dnnl, arena, out.get(ADDRESS, 0), dnnl.memoryDestroy);
    }

    /** {@code handle}, destroyed with {@code destroy} when {@code arena} closes. */
    private static MemorySegment owned(Dnnl dnnl, Arena arena, MemorySegment handle, MethodHandle destroy) {
        long address = handle.address();
        return MemorySegment.ofAddress(address).reinterpret(arena, ignored -> {
            try {
                Dnnl.check((int) destroy.invokeExact(MemorySegment.ofAddress(address)), "destroying a oneDNN object");
            } catch (Throwable t) {
                throw Downcalls.unchecked(t);
            }
        });
    }

    private static void argument(MemorySegment arguments, int index, int kind, MemorySegment memory) {
        arguments.set(JAVA_INT, index * 16L, kind);
        arguments.set(ADDRESS, index * 16L + 8, memory);
    }
}
