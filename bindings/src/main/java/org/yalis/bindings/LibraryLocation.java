package org.yalis.bindings;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a native library was found, or everywhere it was looked for when it was not.
 *
 * @param path    the file, when found
 * @param source  which rule of the search order found it ("YALIS_NATIVE_PATH", "loader cache", ...)
 * @param searched the folders (and rules) tried, in order, for error messages and {@code yalis info}
 */
public record LibraryLocation(KnownLibrary library, Optional<Path> path, String source, List<String> searched) {

    public boolean found() {
        return path.isPresent();
    }

    /** The file, or a {@link NativeLibraryNotFoundException} that says where we looked and how to help. */
    public Path require() {
        return path.orElseThrow(() -> new NativeLibraryNotFoundException(this));
    }
}
