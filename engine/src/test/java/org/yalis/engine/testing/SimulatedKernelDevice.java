package org.yalis.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.sim.KernelSimulator;

/**
 * A {@link KernelDevice} whose launches run in the CPU kernel simulator (native/src/test/cpp): the
 * kernels' own CUDA source, every thread a fiber. Device memory is simulator buffers behind fake
 * device addresses (never dereferenced by the host); a launch's {@link KernelArguments} are decoded
 * against the kernel's C signature in native/kernels/KERNELS.md, pointers back into buffers, and handed
 * to {@link KernelSimulator}, which checks the count and types again against the compiled signature and
 * guards every buffer against stray writes. So code that launches kernels (the CUDA backend's
 * operations, the cuda attention backend) is tested here, without a GPU, down to its argument lists
 * and offsets.
 *
 * <p>Launches are queued and run together when results are read ({@link #bytes}) or indices copied in.
 * New and scratch buffers start as 0xFF bytes (NaN in every float type), so unwritten output shows.
 */
public final class SimulatedKernelDevice implements TestDevice {
    /** Fake device addresses start here, 256-byte aligned like cudaMalloc's. */
    private static final long FIRST_ADDRESS = 0x10_0000_0000L;
    private static final Pattern SIGNATURE = Pattern.compile("`void (yalis_\\w+)\\(([^)]*)\\)`");
    private static volatile Map<String, List<Parameter>> signatures;

    private enum Parameter { POINTER, INT, LONG, FLOAT }

    /** One allocation: its buffer is replaced when the host copies new contents in. */
    private static final class Allocation {
        final long address;
        final long bytes;
        KernelSimulator.Buffer buffer;

        Allocation(long address, long bytes, KernelSimulator.Buffer buffer) {
            this.address = address;
            this.bytes = bytes;
            this.buffer = buffer;
        }
    }

    private final KernelSimulator simulator = new KernelSimulator();
    private final Arena scope = Arena.ofShared();
    private final TreeMap<Long, Allocation> allocations = new TreeMap<>();
    private long nextAddress = FIRST_ADDRESS;
    private boolean queued;
    private int launches;
    /**
     * While {@link #capture} runs: what it recorded instead of running, in order: launches (their argument
     * bytes copied, decoded against the memory of the time of each replay) and host steps.
     */
    private List<Runnable> recording;

    private SimulatedKernelDevice() {
    }

    /** A simulated device, or the test is skipped (saying why) where the simulator cannot be built. */
    public static SimulatedKernelDevice create() {
        if (!KernelSimulator.replaying() && KernelSimulator.runner().isEmpty()) {
            System.err.println("SKIPPED: " + KernelSimulator.unavailableReason());
            Assumptions.abort(KernelSimulator.unavailableReason());
        }
        return new SimulatedKernelDevice();
    }

    // ---- memory ----------------------------------------------------------------------------------

    @Override
    public Tensor allocateScratch(DType dtype, int rows, int cols) {
        return allocate(dtype, rows, cols, null);
    }

    @Override
    public String name() {
        return "simulator";
    }

    @Override
    public Tensor upload(DType dtype, int rows, int cols, byte[] bytes) {
        if (bytes.length != (long) rows * cols * dtype.byteSize()) {
            throw new IllegalArgumentException(bytes.length + " bytes for " + rows + "x" + cols + " " + dtype);
        }
        return allocate(dtype, rows, cols, bytes);
    }




    private Tensor allocate(DType dtype, int rows, int cols, byte[] contents) {
        refuseWhileCapturing("allocating device memory");
        long bytes = Math.max(1, (long) rows * cols * dtype.byteSize());
        KernelSimulator.Buffer buffer = contents == null ? simulator.poisoned(Math.toIntExact(bytes))
                : simulator.buffer(contents);
        long address = nextAddress;
        nextAddress += Math.ceilDiv(bytes, 256) * 256 + 256;   // a gap: a pointer one past the end is no other buffer
        allocations.put(address, new Allocation(address, bytes, buffer));
        MemorySegment memory = MemorySegment.ofAddress(address).reinterpret(bytes, scope, null);
        return new Tensor(memory, dtype, rows, cols);
    }

    @Override
    public void releaseScratch(Tensor scratch) {
        refuseWhileCapturing("releasing device memory");
        if (allocations.remove(scratch.data().address()) == null) {
            throw new IllegalArgumentException(scratch + " is not an allocation of this device");
        }
    }

    @Override
    public void copyFromHost(int[] values, Tensor destination) {
        refuseWhileCapturing("a copy from the host");
        if (values.length > destination.elementCount()) {
            throw new IndexOutOfBoundsException(values.length + " ints into " + destination);
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(values);
        writeBytes(destination, bytes.array());
    }

    /** Puts {@code bytes} at the start of {@code destination}, after every launch queued so far. */
    public void write(Tensor destination, byte[] bytes) {
        refuseWhileCapturing("a copy from the host");
        writeBytes(destination, bytes);
    }

    private void writeBytes(Tensor destination, byte[] bytes) {
        Allocation allocation = allocationAt(destination.data().address());
        long offset = destination.data().address() - allocation.address;
        if (offset + bytes.length > allocation.bytes || bytes.length > destination.byteSize()) {
            throw new IndexOutOfBoundsException(bytes.length + " bytes into " + destination);
        }
        byte[] contents = currentBytes(allocation);
        System.arraycopy(bytes, 0, contents, Math.toIntExact(offset), bytes.length);
        // Later launches read a new buffer with these contents; earlier ones already ran on the old.
        allocation.buffer = simulator.buffer(contents);
    }

    /**
     * Work done on the host between launches, such as a matrix product that a test device computes
     * itself: run now, or, while capturing, recorded to run at its place in every replay.
     */
    public void hostStep(Runnable step) {
        if (recording != null) {
            recording.add(step);
        } else {
            step.run();
        }
    }

    /** Runs every queued launch, as a stream synchronize waits for them; refused while capturing, as CUDA does. */
    public void waitForLaunches() {
        refuseWhileCapturing("waiting for the device");
        if (queued) {
            simulator.run();
            queued = false;
        }
    }

    /** The bytes of {@code tensor}, for a host step (also while replaying a graph). */
    public byte[] read(Tensor tensor) {
        Allocation allocation = allocationAt(tensor.data().address());
        int offset = Math.toIntExact(tensor.data().address() - allocation.address);
        byte[] out = new byte[Math.toIntExact(tensor.byteSize())];
        System.arraycopy(currentBytes(allocation), offset, out, 0, out.length);
        return out;
    }

    /** Writes {@code bytes} into {@code destination} from a host step (also while replaying a graph). */
    public void store(Tensor destination, byte[] bytes) {
        writeBytes(destination, bytes);
    }

    @Override
    public byte[] bytes(Tensor tensor) {
        refuseWhileCapturing("a copy to the host");
        return read(tensor);
    }




    private byte[] currentBytes(Allocation allocation) {
        if (queued) {
            simulator.run();
            queued = false;
        }
        return allocation.buffer.bytes();
    }

    private Allocation allocationAt(long address) {
        Map.Entry<Long, Allocation> entry = allocations.floorEntry(address);
        if (entry == null || address > entry.getValue().address + entry.getValue().bytes) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not memory of this device");
        }
        return entry.getValue();
    }

    // ---- launches --------------------------------------------------------------------------------

    @Override
    public void launch(String kernel, KernelLaunch config, Consumer<KernelArguments> arguments) {
        List<Parameter> signature = signatures().get(kernel);
        if (signature == null) {
            throw new AssertionError("KERNELS.md documents no kernel named " + kernel);
        }
        try (RecordingArena arena = new RecordingArena()) {
            arguments.accept(new KernelArguments(arena));
            List<MemorySegment> values = arena.values;
            if (values.size() != signature.size()) {
                throw new AssertionError(kernel + " takes " + signature.size() + " parameters, the launch passed "
                        + values.size());
            }
            if (recording != null) {
                List<MemorySegment> copies = new ArrayList<>();
                for (MemorySegment value : values) {
                    copies.add(scope.allocate(value.byteSize(), 8).copyFrom(value));
                }
                List<MemorySegment> frozen = List.copyOf(copies);
                recording.add(() -> submit(kernel, config, frozen));
                return;
            }
            submit(kernel, config, values);
        }
    }

    /** Decodes the arguments against the buffers allocated now (as a GPU reads memory at run time) and queues the launch. */
    private void submit(String kernel, KernelLaunch config, List<MemorySegment> values) {
        List<Parameter> signature = signatures().get(kernel);
        Object[] parameters = new Object[values.size()];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = decode(kernel, i, signature.get(i), values.get(i));
        }
        simulator.launch(kernel, config, parameters);
        queued = true;
        launches++;
    }

    @Override
    public StepGraph capture(Runnable work) {
        refuseWhileCapturing("capturing another graph");
        List<Runnable> recorded = new ArrayList<>();
        recording = recorded;
        try {
            work.run();
        } finally {
            recording = null;
        }
        return new StepGraph() {
            private boolean closed;

            @Override
            public void replay() {
                refuseWhileCapturing("replaying a graph");
                if (closed) {
                    throw new IllegalStateException("this graph was closed");
                }
                recorded.forEach(Runnable::run);
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    private void refuseWhileCapturing(String what) {
        if (recording != null) {
            throw new IllegalStateException(what + " while a graph is being captured: captured work may only "
                    + "queue launches");
        }
    }

    private Object decode(String kernel, int index, Parameter type, MemorySegment value) {
        String where = kernel + " parameter " + index + " (" + type + ")";
        long size = value.byteSize();
        switch (type) {
            case POINTER -> {
                requireSize(where, size, 8);
                long address = value.get(ValueLayout.JAVA_LONG, 0);
                if (address == 0) {
                    return null;
                }
                Allocation allocation = allocationAt(address);
                return allocation.buffer.at(address - allocation.address);
            }
            case LONG -> {
                requireSize(where, size, 8);
                long number = value.get(ValueLayout.JAVA_LONG, 0);
                if (number >= FIRST_ADDRESS) {
                    throw new AssertionError(where + " got what looks like a device address, 0x" + Long.toHexString(number));
                }
                return number;
            }
            case INT -> {
                requireSize(where, size, 4);
                return value.get(ValueLayout.JAVA_INT, 0);
            }
            case FLOAT -> {
                requireSize(where, size, 4);
                return value.get(ValueLayout.JAVA_FLOAT, 0);
            }
            default -> throw new IllegalStateException();
        }
    }

    private static void requireSize(String where, long size, int expected) {
        if (size != expected) {
            throw new AssertionError(where + " got a value of " + size + " bytes, not " + expected);
        }
    }

    /** Launches queued so far. */
    public int launches() {
        return launches;
    }

    @Override
    public boolean owns(Tensor tensor) {
        return tensor.data().scope().equals(scope.scope());
    }

    @Override
    public boolean isOpen() {
        return scope.scope().isAlive();
    }

    @Override
    public int liveAllocations() {
        return allocations.size();
    }

    @Override
    public void close() {
        scope.close();
    }

    /** Kernel name to its parameter types, read from the signatures of KERNELS.md. */
    private static Map<String, List<Parameter>> signatures() {
        if (signatures == null) {
            try {
                String text = Files.readString(KernelSimulator.nativeDir().resolve("kernels/KERNELS.md"));
                Map<String, List<Parameter>> parsed = new HashMap<>();
                Matcher m = SIGNATURE.matcher(text);
                while (m.find()) {
                    List<Parameter> types = new ArrayList<>();
                    for (String parameter : m.group(2).split(",")) {
                        String p = parameter.strip();
                        types.add(p.contains("*") ? Parameter.POINTER : p.startsWith("long long") ? Parameter.LONG
                                : p.startsWith("float") ? Parameter.FLOAT : p.startsWith("int") ? Parameter.INT
                                : failType(m.group(1), p));
                    }
                    parsed.put(m.group(1), List.copyOf(types));
                }
                signatures = parsed;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return signatures;
    }

    private static Parameter failType(String kernel, String parameter) {
        throw new IllegalStateException("KERNELS.md: cannot read the C type of " + kernel + "'s '" + parameter + "'");
    }


    /** An arena that remembers every value a {@link KernelArguments} writes, in order. */
    private static final class RecordingArena implements Arena {
        private final Arena owner = Arena.ofConfined();
        final List<MemorySegment> values = new ArrayList<>();

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            MemorySegment value = owner.allocate(byteSize, byteAlignment);
            values.add(value);
            return value;
        }

        @Override
        public MemorySegment.Scope scope() {
            return owner.scope();
        }

        @Override
        public void close() {
            owner.close();
        }
    }
}
