package org.yalis.nativelib.sim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.yalis.nativelib.KernelLaunch;

/**
 * Runs the CUDA kernels of native/kernels on the CPU, through the fiber simulator in
 * native/src/test/cpp (compiled with g++ on first use into native/target/sim). Launches are described
 * the way a CUDA backend makes them, kernel name, grid, block, dynamic shared memory and the parameter
 * list, and the runner checks them against the kernels' real C signatures.
 *
 * <pre>{@code
 * KernelSimulator sim = new KernelSimulator();
 * var acc = sim.buffer(bf16Bits);
 * sim.launch("yalis_add_bf16", KernelLaunch.elementwise(n), acc, addend, (long) n);
 * sim.run();
 * short[] result = acc.shorts();
 * }</pre>
 * Parameters: a {@link Buffer} (its start) or {@link Pointer} is a device pointer, {@code null} is
 * NULL, {@code Integer} an {@code int}, {@code Long} a {@code long long}, {@code Float} a {@code float}.
 * Buffers keep their bytes between runs; each {@link #run} executes the launches queued since the last.
 *
 * <p>The same launches run on a real GPU by record and replay (see native/src/test/cpp/gpu-check.sh):
 * {@code -Dyalis.kernels.record=DIR} saves every launch script, gpu_runner replays them there with the
 * jar's fatbin, and {@code -Dyalis.kernels.replay=DIR} makes the tests read the GPU's results.
 */
public final class KernelSimulator {
    private static final Object BUILD_LOCK = new Object();
    private static final String RECORD = System.getProperty("yalis.kernels.record");
    private static final String REPLAY = System.getProperty("yalis.kernels.replay");
    private static volatile Optional<Path> runner;
    private static volatile String unavailable = "";

    private final List<Buffer> buffers = new ArrayList<>();
    private final List<byte[]> launches = new ArrayList<>();

    /** A device buffer: bytes the simulated kernels read and write. */
    public final class Buffer {
        private final int id;
        private byte[] bytes;

        private Buffer(int id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }

        public Pointer at(long byteOffset) {
            return new Pointer(this, byteOffset);
        }

        public byte[] bytes() {
            return bytes.clone();
        }

        public short[] shorts() {
            short[] out = new short[bytes.length / 2];
            le(bytes).asShortBuffer().get(out);
            return out;
        }

        public float[] floats() {
            float[] out = new float[bytes.length / 4];
            le(bytes).asFloatBuffer().get(out);
            return out;
        }

        public int[] ints() {
            int[] out = new int[bytes.length / 4];
            le(bytes).asIntBuffer().get(out);
            return out;
        }
    }

    /** A device pointer into a buffer. */
    public record Pointer(Buffer buffer, long byteOffset) {
    }

    /** The runner exited with an error: a trap (status 42), a bad launch (3), a stray write (4). */
    public static final class SimulationFailure extends RuntimeException {
        private final int status;

        SimulationFailure(int status, String message) {
            super("kernel simulator exited with status " + status + ": " + message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The runner binary, built if needed; empty (see {@link #unavailableReason}) without g++. */
    public static Optional<Path> runner() {
        if (runner == null) {
            synchronized (BUILD_LOCK) {
                if (runner == null) {
                    runner = build();
                }
            }
        }
        return runner;
    }

    /** Why {@link #runner} is empty. */
    public static String unavailableReason() {
        return unavailable;
    }

    public Buffer buffer(byte[] bytes) {
        Buffer b = new Buffer(buffers.size(), bytes.clone());
        buffers.add(b);
        return b;
    }

    public Buffer buffer(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(values);
        return buffer(b.array());
    }

    public Buffer buffer(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return buffer(b.array());
    }

    public Buffer buffer(int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return buffer(b.array());
    }

    /** A buffer of {@code bytes} bytes all 0xFF (NaN in every float type): shows what a kernel left unwritten. */
    public Buffer poisoned(int bytes) {
        byte[] b = new byte[bytes];
        java.util.Arrays.fill(b, (byte) 0xFF);
        return buffer(b);
    }

    public void launch(String kernel, KernelLaunch config, Object... parameters) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] name = kernel.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(le(2).putShort((short) name.length).array());
        out.writeBytes(name);
        ByteBuffer header = le(4 * 7 + 4);
        header.putInt(config.gridX()).putInt(config.gridY()).putInt(config.gridZ());
        header.putInt(config.blockX()).putInt(1).putInt(1);
        header.putInt(config.sharedBytes());
        header.putInt(parameters.length);
        out.writeBytes(header.array());
        for (Object p : parameters) {
            switch (p) {
                case null -> out.write(1);
                case Buffer b -> pointer(out, b, 0);
                case Pointer ptr -> pointer(out, ptr.buffer(), ptr.byteOffset());
                case Integer i -> {
                    out.write(2);
                    out.writeBytes(le(4).putInt(i).array());
                }
                case Long l -> {
                    out.write(3);
                    out.writeBytes(le(8).putLong(l).array());
                }
                case Float f -> {
                    out.write(4);
                    out.writeBytes(le(4).putFloat(f).array());
                }
                default -> throw new IllegalArgumentException("unsupported kernel parameter " + p.getClass());
            }
        }
        launches.add(out.toByteArray());
    }

    /**
     * Runs the queued launches; buffers then hold the kernels' results. With
     * {@code -Dyalis.kernels.record=DIR} the launch script is also saved as {@code DIR/<sha256>.in}; with
     * {@code -Dyalis.kernels.replay=DIR} nothing is simulated: the results come from
     * {@code DIR/<sha256>.out} (or the failure from {@code .status}) that gpu-check.sh wrote on a GPU.
     */
    public void run() {
        ByteArrayOutputStream script = new ByteArrayOutputStream();
        script.writeBytes("YSIM".getBytes(StandardCharsets.US_ASCII));
        script.writeBytes(le(8).putInt(1).putInt(buffers.size()).array());
        for (Buffer b : buffers) {
            script.writeBytes(le(8).putLong(b.bytes.length).array());
            script.writeBytes(b.bytes);
        }
        script.writeBytes(le(4).putInt(launches.size()).array());
        launches.forEach(script::writeBytes);
        launches.clear();
        byte[] bytes = script.toByteArray();
        try {
            if (RECORD != null) {  // before running: a script that fails is recorded too (the trap tests)
                Path dir = Path.of(RECORD);
                Files.createDirectories(dir);
                Files.write(dir.resolve(key(bytes) + ".in"), bytes);
            }
            byte[] result = REPLAY != null ? replay(bytes) : simulate(bytes);
            ByteBuffer in = ByteBuffer.wrap(result).order(ByteOrder.LITTLE_ENDIAN);
            int count = in.getInt();
            for (int i = 0; i < count; i++) {
                byte[] buffer = new byte[Math.toIntExact(in.getLong())];
                in.get(buffer);
                buffers.get(i).bytes = buffer;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when launches are recorded for, or replayed from, a GPU: checks only the simulator can make are off. */
    public static boolean recordingOrReplaying() {
        return RECORD != null || REPLAY != null;
    }

    /** True when results come from a GPU replay rather than the simulator. */
    public static boolean replaying() {
        return REPLAY != null;
    }

    private static byte[] replay(byte[] script) throws IOException {
        Path dir = Path.of(REPLAY);
        String key = key(script);
        Path status = dir.resolve(key + ".status");
        if (Files.exists(status)) {
            String text = Files.readString(status);
            int newline = text.indexOf('\n');
            throw new SimulationFailure(Integer.parseInt(text.substring(0, newline).strip()),
                    "on the GPU: " + text.substring(newline + 1).strip());
        }
        Path out = dir.resolve(key + ".out");
        if (!Files.exists(out)) {
            throw new IllegalStateException("launch script " + key + " was not replayed on a GPU: record with"
                    + " -Dyalis.kernels.record, run native/src/test/cpp/gpu-check.sh there, then replay");
        }
        return Files.readAllBytes(out);
    }

    private static byte[] simulate(byte[] script) throws IOException {
        Path binary = runner().orElseThrow(() -> new IllegalStateException(unavailable));
        Path dir = Files.createTempDirectory("yalis-sim");
        try {
            Path in = dir.resolve("launches.bin");
            Path outFile = dir.resolve("buffers.bin");
            Files.write(in, script);
            Process process = new ProcessBuilder(binary.toString(), in.toString(), outFile.toString())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("kernel simulator timed out");
            }
            if (process.exitValue() != 0) {
                throw new SimulationFailure(process.exitValue(), output.strip());
            }
            return Files.readAllBytes(outFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static String key(byte[] script) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(script));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The kernel names the runner knows (its table of C signatures). */
    public static List<String> runnerKernels() {
        Path binary = runner().orElseThrow(() -> new IllegalStateException(unavailable));
        try {
            Process process = new ProcessBuilder(binary.toString(), "--list").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return output.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** native/ of this checkout: the working directory under Maven, else yalis.project.dir/native. */
    public static Path nativeDir() {
        Path here = Path.of("").toAbsolutePath();
        if (Files.isDirectory(here.resolve("kernels")) && Files.isDirectory(here.resolve("src/test/cpp"))) {
            return here;
        }
        String project = System.getProperty("yalis.project.dir");
        if (project != null && Files.isDirectory(Path.of(project, "native", "kernels"))) {
            return Path.of(project, "native");
        }
        throw new IllegalStateException("cannot find native/ (kernels and src/test/cpp) from " + here);
    }

    private static Optional<Path> build() {
        Path dir = nativeDir();
        String compiler = System.getenv().getOrDefault("CXX", "g++");
        Path binary = dir.resolve("target/sim/sim_runner");
        try {
            List<Path> sources = new ArrayList<>();
            try (Stream<Path> kernels = Files.list(dir.resolve("kernels"));
                 Stream<Path> cpp = Files.list(dir.resolve("src/test/cpp"))) {
                Stream.concat(kernels, cpp).filter(p -> p.toString().matches(".*\\.(cu|cuh|h|cpp)$"))
                        .forEach(sources::add);
            }
            if (Files.exists(binary)) {
                FileTime built = Files.getLastModifiedTime(binary);
                boolean fresh = true;
                for (Path s : sources) {
                    fresh &= Files.getLastModifiedTime(s).compareTo(built) < 0;
                }
                if (fresh) {
                    return Optional.of(binary);
                }
            }
            Files.createDirectories(binary.getParent());
            Path partial = binary.resolveSibling("sim_runner.partial");
            List<String> command = List.of(compiler, "-std=c++20", "-O2", "-ffp-contract=off", "-Wall",
                    "-Wno-unknown-pragmas", "-I", dir.resolve("kernels").toString(), "-o", partial.toString(),
                    dir.resolve("src/test/cpp/sim_runner.cpp").toString());
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                unavailable = compiler + " not found: the CPU kernel simulator tests are skipped (" + e.getMessage()
                        + ")";
                System.out.println(unavailable);
                return Optional.empty();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("the kernel simulator does not compile:\n" + output);
            }
            Files.move(partial, binary, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(binary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void pointer(ByteArrayOutputStream out, Buffer b, long offset) {
        out.write(0);
        out.writeBytes(le(12).putInt(b.id).putLong(offset).array());
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
