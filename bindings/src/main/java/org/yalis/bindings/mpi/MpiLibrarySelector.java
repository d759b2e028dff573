package org.yalis.bindings.mpi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLocator;

/**
 * Decides which MPI library file to load, without loading anything:
 * <ol>
 *   <li>{@code YALIS_MPI_LIBRARY} (or {@code -Dyalis.mpi.library}): a path to the library file, or
 *       {@code openmpi} / {@code mpich} to prefer that flavor's file names;</li>
 *   <li>otherwise the launcher's flavor: Open MPI's {@code mpirun} sets {@code OMPI_COMM_WORLD_SIZE},
 *       MPICH's Hydra ({@code mpirun.mpich}, {@code mpiexec.hydra}, Intel MPI) sets
 *       {@code HYDI_CONTROL_FD} / {@code PMI_FD}: a rank must load the library its launcher speaks to,
 *       or it comes up as a singleton of size 1;</li>
 *   <li>otherwise Open MPI ({@code libmpi.so.40}) before MPICH ({@code libmpich.so.12},
 *       {@code libmpi.so.12}), then the unversioned {@code libmpi.so}.</li>
 * </ol>
 * Each flavor's names are looked for in every folder of {@link NativeLibraryLocator}'s order before
 * the next flavor's.
 */
final class MpiLibrarySelector {
    static final String OVERRIDE_ENV = "YALIS_MPI_LIBRARY";
    static final String OVERRIDE_PROPERTY = "yalis.mpi.library";

    static final List<String> OPEN_MPI_NAMES = List.of("libmpi.so.40");
    static final List<String> MPICH_NAMES = List.of("libmpich.so.12", "libmpi.so.12");
    static final List<String> GENERIC_NAMES = List.of("libmpi.so");

    private MpiLibrarySelector() {
    }

    /** The library to load for this process. */
    static LibraryLocation select(NativeLibraryLocator locator, Map<String, String> env, String overrideProperty) {
        String override = overrideProperty != null && !overrideProperty.isBlank() ? overrideProperty
                : env.getOrDefault(OVERRIDE_ENV, "");
        Optional<MpiFlavor> preferred = launcherFlavor(env);
        String source = "";
        if (!override.isBlank()) {
            String word = override.trim().toLowerCase(Locale.ROOT).replace(" ", "").replace("-", "");
            if (word.equals("openmpi") || word.equals("ompi")) {
                preferred = Optional.of(MpiFlavor.OPEN_MPI);
                source = OVERRIDE_ENV + "=" + override.trim() + ", ";
            } else if (word.equals("mpich")) {
                preferred = Optional.of(MpiFlavor.MPICH);
                source = OVERRIDE_ENV + "=" + override.trim() + ", ";
            } else {
                Path file = Path.of(override.trim()).toAbsolutePath();
                return new LibraryLocation(KnownLibrary.MPI,
                        Files.isRegularFile(file) ? Optional.of(file) : Optional.empty(),
                        OVERRIDE_ENV, List.of(file + " (" + OVERRIDE_ENV + ")"));
            }
        } else if (preferred.isPresent()) {
            source = "launcher is " + preferred.get().displayName() + ", ";
        }
        List<List<String>> order = new ArrayList<>();
        if (preferred.orElse(MpiFlavor.OPEN_MPI) == MpiFlavor.OPEN_MPI) {
            order.add(OPEN_MPI_NAMES);
            order.add(MPICH_NAMES);
        } else {
            order.add(MPICH_NAMES);
            order.add(OPEN_MPI_NAMES);
        }
        order.add(GENERIC_NAMES);
        for (List<String> names : order) {
            LibraryLocation location = locator.locate(KnownLibrary.MPI, names);
            if (location.found()) {
                return new LibraryLocation(location.library(), location.path(), source + location.source(),
                        location.searched());
            }
        }
        return locator.locate(KnownLibrary.MPI);
    }

    /** The MPI flavor whose launcher started this process, if one did. */
    static Optional<MpiFlavor> launcherFlavor(Map<String, String> env) {
        if (env.containsKey("OMPI_COMM_WORLD_SIZE")) {
            return Optional.of(MpiFlavor.OPEN_MPI);
        }
        if (env.containsKey("HYDI_CONTROL_FD") || env.containsKey("PMI_FD")) {
            return Optional.of(MpiFlavor.MPICH);
        }
        return Optional.empty();
    }

    /** The number of ranks the launcher started ({@code OMPI_COMM_WORLD_SIZE} or {@code PMI_SIZE}), if known. */
    static OptionalInt launcherSize(Map<String, String> env) {
        for (String name : new String[] {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
            String value = env.get(name);
            if (value != null) {
                try {
                    return OptionalInt.of(Integer.parseInt(value.trim()));
                } catch (NumberFormatException e) {
                    // Not ours to judge: ignore.
                }
            }
        }
        return OptionalInt.empty();
    }
}
