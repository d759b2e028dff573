package org.yalis.engine.testing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.checkpoint.SafetensorsWriter;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.synth.ModelPreset;
import org.yalis.engine.synth.SyntheticModel;
import org.yalis.engine.tensor.DType;

/** Models for tests: the shared stories260K folder, synthetic tiny models, and dtype-converted copies. */
public final class TestModels {
    private TestModels() {
    }

    /** The project's {@code ../shared} folder (surefire passes it as {@code yalis.shared.dir}). */
    public static Path sharedDir() {
        String configured = System.getProperty("yalis.shared.dir");
        return configured != null ? Path.of(configured).normalize() : Path.of("..", "shared").toAbsolutePath().normalize();
    }

    public static Optional<Path> stories260K() {
        Path folder = sharedDir().resolve("models").resolve("stories260K");
        return Files.isRegularFile(folder.resolve("model.safetensors")) ? Optional.of(folder) : Optional.empty();
    }

    /**
     * The stories260K folder, or a skipped test that says where it was looked for (printed on stderr
     * too, so the skip is visible in the build log).
     */
    public static Path requireStories260K() {
        Optional<Path> folder = stories260K();
        if (folder.isEmpty()) {
            String message = "stories260K model absent at " + sharedDir().resolve("models/stories260K")
                    + ": skipping this test (set -Dyalis.shared.dir to the folder that holds models/)";
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
        return folder.orElseThrow();
    }

    /**
     * oneDNN loads in this process (the library GEMM path is active by default), or a visibly skipped
     * test naming why not (on Debian: {@code apt-get install libdnnl2}; .ci/run installs it).
     */
    public static void requireOneDnn() {
        org.yalis.bindings.dnnl.Dnnl.Availability oneDnn = org.yalis.bindings.dnnl.Dnnl.availability();
        if (!oneDnn.available()) {
            String message = "oneDNN is not usable here (" + oneDnn.description() + "): skipping this test";
            System.err.println("SKIPPED: " + message);
            Assumptions.abort(message);
        }
    }

    /** A random-weight model with the {@code tiny} preset's shapes, written into {@code folder}. */
    public static Path writeTinyModel(Path folder, DType dtype, long seed) throws IOException {
        SyntheticModel.write(ModelPreset.named("tiny").orElseThrow(), dtype, seed, folder);
        return folder;
    }

    /** Copies every file of a model folder (not recursive). */
    public static Path copyModel(Path source, Path destination) throws IOException {
        Files.createDirectories(destination);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, destination.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return destination;
    }

    /**
     * Copies a model with its weights converted to {@code target}. With {@code roundTripThrough}, the
     * values are first rounded to that dtype and then stored as {@code target}: an f32 model holding
     * exactly the values of a bf16 model, the reference for the bf16 compute path.
     */
    public static Path convertModel(Path source, Path destination, DType target, DType roundTripThrough)
            throws IOException {
        copyModel(source, destination);
        Files.deleteIfExists(destination.resolve(Checkpoint.INDEX_FILE));
        try (Stream<Path> files = Files.list(destination)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                Files.delete(file);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            Checkpoint checkpoint = Checkpoint.open(source, arena);
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (CheckpointTensor tensor : checkpoint.tensors().values()) {
                entries.add(new SafetensorsWriter.Entry(tensor.name(), target, tensor.shape(),
                        out -> convert(tensor, out, target, roundTripThrough)));
            }
            SafetensorsWriter.write(destination.resolve(Checkpoint.SINGLE_FILE), entries, Map.of("format", "pt"));
        }
        return destination;
    }

    private static void convert(CheckpointTensor tensor, MemorySegment out, DType target, DType through) {
        long count = tensor.elementCount();
        var source = tensor.asMatrix();
        for (long i = 0; i < count; i++) {
            float value = Numerics.load(source, i);
            if (through == DType.BF16) {
                value = Numerics.bf16ToFloat(Numerics.floatToBf16(value));
            } else if (through == DType.F16) {
                value = Float.float16ToFloat(Float.floatToFloat16(value));
            }
            switch (target) {
                case F32 -> out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                case BF16 -> out.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Numerics.floatToBf16(value));
                case F16 -> out.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                case I32, Q8_0 -> throw new IllegalArgumentException();
            }
        }
    }
}
