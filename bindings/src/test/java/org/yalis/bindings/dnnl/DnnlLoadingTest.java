package org.yalis.bindings.dnnl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeLibraryNotFoundException;

/** oneDNN is optional: where it is absent or broken, loading fails with a message that names it and where it looked. */
class DnnlLoadingTest {

    @Test
    void anAbsentLibraryIsNamedWithTheFoldersSearched(@TempDir Path empty) {
        NativeLibraryNotFoundException failure = assertThrows(NativeLibraryNotFoundException.class,
                () -> Dnnl.load(NativeLibraryLocator.inFolders(List.of(empty))));
        assertTrue(failure.getMessage().startsWith("oneDNN library ("), failure.getMessage());
        assertTrue(failure.getMessage().contains("libdnnl.so.2"), failure.getMessage());
        assertTrue(failure.getMessage().contains(empty.toString()), failure.getMessage());
    }

    @Test
    void aFileThatIsNotALibraryIsRefusedByTheLoader(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("libdnnl.so.2"), "not an ELF file");
        NativeLibraryLoadException failure = assertThrows(NativeLibraryLoadException.class,
                () -> Dnnl.load(NativeLibraryLocator.inFolders(List.of(folder))));
        assertTrue(failure.getMessage().contains("libdnnl.so.2"), failure.getMessage());
    }
}
