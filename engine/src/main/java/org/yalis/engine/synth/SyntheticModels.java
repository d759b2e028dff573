package org.yalis.engine.synth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

import org.yalis.engine.Sizes;
import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;

/**
 * Where synthetic models come from: {@code yalis synth}, and {@code --model synth:PRESET[:DTYPE]},
 * which builds the folder in a cache on first use ({@code -Dyalis.cache} or {@code $YALIS_CACHE}, else
 * {@code ~/.cache/yalis}).
 */
public final class SyntheticModels {
    public static final String PREFIX = "synth:";
    /** Presets bigger than this need an explicit --force. */
    private static final long FORCE_BYTES = 40L << 30;

    private SyntheticModels() {
    }

    public static void checkSize(ModelPreset preset, DType dtype, boolean force) {
        long bytes = preset.parameters() * dtype.byteSize();
        if (bytes > FORCE_BYTES && !force) {
            throw new YalisException("preset " + preset.name() + " takes " + Sizes.format(bytes) + " as " + dtype
                    + "; pass --force if you mean it");
        }
    }

    /**
     * Writes atomically: into a sibling temporary folder, renamed into place when complete. An existing
     * {@code folder} is refused unless it is an empty folder: this never deletes anything it did not
     * create (only its own temporary folder, when writing fails).
     */
    public static void write(ModelPreset preset, DType dtype, long seed, Path folder) throws IOException {
        requireNothingToOverwrite(folder);
        Path parent = folder.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path partial = Files.createTempDirectory(parent, folder.getFileName() + ".partial-");
        try {
            SyntheticModel.write(preset, dtype, seed, partial);
            requireNothingToOverwrite(folder);   // nothing appeared there while writing
            Files.deleteIfExists(folder);        // an empty folder only: checked just above
            Files.move(partial, folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(partial)) {
                deleteTree(partial);
            }
        }
    }

    /** {@code folder} does not exist, or is an empty folder; anything else is an error naming it. */
    public static void requireNothingToOverwrite(Path folder) throws IOException {
        if (!Files.exists(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new YalisException(folder + " already exists and is not a folder; a synthetic model is written to a "
                    + "new folder: give another --out");
        }
        try (Stream<Path> entries = Files.list(folder)) {
            if (entries.findAny().isPresent()) {
                throw new YalisException(folder + " already exists and is not empty; a synthetic model is written to a "
                        + "new (or empty) folder and never replaces one: give another --out, or remove it yourself");
            }
        }
    }

    /**
     * The folder a {@code --model} argument names: itself, or for {@code synth:PRESET[:DTYPE]} a cached
     * synthetic model (bf16 unless named), written on first use.
     */
    public static Path resolve(String model) {
        if (!model.startsWith(PREFIX)) {
            return Path.of(model);
        }
        String[] parts = model.substring(PREFIX.length()).split(":");
        ModelPreset preset = ModelPreset.named(parts[0]).orElseThrow(() -> new YalisException(
                "unknown synthetic model '" + model + "'; use synth:PRESET with PRESET one of " + ModelPreset.names()));
        DType dtype = parts.length > 1 ? DType.parse(parts[1]).orElseThrow(() -> new YalisException(
                "unknown dtype in '" + model + "'; use synth:PRESET:bf16, :f32 or :f16")) : DType.BF16;
        checkSize(preset, dtype, false);
        String cacheRoot = System.getProperty("yalis.cache", System.getenv("YALIS_CACHE"));
        Path cache = cacheRoot != null ? Path.of(cacheRoot) : Path.of(System.getProperty("user.home"), ".cache", "yalis");
        Path folder = cache.resolve("synth").resolve(preset.name() + "-" + dtype.name().toLowerCase(Locale.ROOT));
        if (!Files.isRegularFile(folder.resolve("model.safetensors")) && Files.isDirectory(folder)
                && !isEmpty(folder)) {
            throw new YalisException("the synthetic model cache folder " + folder + " holds files but no "
                    + "model.safetensors; remove that folder (or set YALIS_CACHE elsewhere) and run again");
        }
        if (!Files.isRegularFile(folder.resolve("model.safetensors"))) {
            System.err.printf(Locale.ROOT, "writing synthetic %s (%s) to %s (once)%n", preset.name(),
                    Sizes.format(preset.parameters() * dtype.byteSize()), folder);
            try {
                write(preset, dtype, 0, folder);
            } catch (IOException e) {
                throw new YalisException(UserFiles.cannotWrite(folder, "the synthetic model cache", e)
                        + "; or set YALIS_CACHE (or -Dyalis.cache) to a writable folder");
            }
        }
        return folder;
    }

    private static boolean isEmpty(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new YalisException("cannot list " + folder + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
