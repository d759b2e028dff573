package org.yalis.bindings.mpi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeLibraryNotFoundException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which library file gets loaded: override, launcher, default order. Loads nothing. */
class MpiLibrarySelectorTest {
    private static final Path OPEN_MPI = Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40");
    private static final Path MPICH = Path.of("/usr/lib/x86_64-linux-gnu/libmpich.so.12");

    @Test
    void theLauncherTellsTheFlavor() {
        assertEquals(Optional.of(MpiFlavor.OPEN_MPI), MpiLibrarySelector.launcherFlavor(
                Map.of("OMPI_COMM_WORLD_SIZE", "2", "PMIX_RANK", "0")));
        assertEquals(Optional.of(MpiFlavor.MPICH), MpiLibrarySelector.launcherFlavor(
                Map.of("HYDI_CONTROL_FD", "7", "PMI_RANK", "0", "PMI_SIZE", "2")));
        assertEquals(Optional.empty(), MpiLibrarySelector.launcherFlavor(Map.of("HOME", "/root")));
        assertEquals(OptionalInt.of(4), MpiLibrarySelector.launcherSize(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(OptionalInt.of(2), MpiLibrarySelector.launcherSize(Map.of("PMI_SIZE", "2")));
        assertEquals(OptionalInt.empty(), MpiLibrarySelector.launcherSize(Map.of()));
    }

    @Test
    void aMissingOverrideFileIsAClearNotFound() {
        LibraryLocation location = MpiLibrarySelector.select(NativeLibraryLocator.fromEnvironment(),
                Map.of(MpiLibrarySelector.OVERRIDE_ENV, "/nonexistent/libmpi.so.40"), null);
        assertFalse(location.found());
        NativeLibraryNotFoundException error = assertThrows(NativeLibraryNotFoundException.class, location::require);
        assertTrue(error.getMessage().contains("/nonexistent/libmpi.so.40 (YALIS_MPI_LIBRARY)"), error.getMessage());
        assertTrue(error.getMessage().startsWith("MPI library (libmpi.so.40 or libmpich.so.12"), error.getMessage());
    }

    @Test
    void anOverrideFileWinsAndThePropertyBeatsTheEnvironment() {
        Assumptions.assumeTrue(Files.isRegularFile(MPICH), "no " + MPICH);
        LibraryLocation location = MpiLibrarySelector.select(NativeLibraryLocator.fromEnvironment(),
                Map.of(MpiLibrarySelector.OVERRIDE_ENV, "/nonexistent"), MPICH.toString());
        assertEquals(Optional.of(MPICH), location.path());
        assertEquals("YALIS_MPI_LIBRARY", location.source());
    }

    @Test
    void openMpiFirstUnlessTheLauncherOrTheOverrideSaysMpich() {
        Assumptions.assumeTrue(Files.isRegularFile(OPEN_MPI) && Files.isRegularFile(MPICH),
                "needs both Debian Open MPI and MPICH installed");
        NativeLibraryLocator locator = NativeLibraryLocator.fromEnvironment();
        assertEquals("libmpi.so.40", fileName(MpiLibrarySelector.select(locator, Map.of(), null)));
        assertEquals("libmpi.so.40", fileName(MpiLibrarySelector.select(locator,
                Map.of("OMPI_COMM_WORLD_SIZE", "2"), null)));
        LibraryLocation underHydra = MpiLibrarySelector.select(locator, Map.of("HYDI_CONTROL_FD", "7"), null);
        assertEquals("libmpich.so.12", fileName(underHydra));
        assertTrue(underHydra.source().startsWith("launcher is MPICH, "), underHydra.source());
        assertEquals("libmpich.so.12", fileName(MpiLibrarySelector.select(locator,
                Map.of(MpiLibrarySelector.OVERRIDE_ENV, "mpich"), null)));
        assertEquals("libmpi.so.40", fileName(MpiLibrarySelector.select(locator,
                Map.of(MpiLibrarySelector.OVERRIDE_ENV, "openmpi", "HYDI_CONTROL_FD", "7"), null)));
    }

    @Test
    void probingTellsTheFlavorWithoutInitialising() {
        Assumptions.assumeTrue(Files.isRegularFile(OPEN_MPI), "no " + OPEN_MPI);
        MpiLibraryInfo info = MpiLibrary.probe(OPEN_MPI, "test");
        assertEquals(MpiFlavor.OPEN_MPI, info.flavor());
        assertTrue(info.version().startsWith("Open MPI v"), info.version());
        if (Files.isRegularFile(MPICH)) {
            MpiLibraryInfo mpich = MpiLibrary.probe(MPICH, "test");
            assertEquals(MpiFlavor.MPICH, mpich.flavor());
        }
    }

    private static String fileName(LibraryLocation location) {
        return location.require().getFileName().toString();
    }
}
