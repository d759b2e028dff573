package org.yalis.bindings;

import java.nio.file.Path;

/**
 * A native library was found but cannot be used: the loader refused it (a missing dependency, a
 * wrong architecture) or it lacks a symbol Yalis-J binds (a version older than we support).
 */
public final class NativeLibraryLoadException extends RuntimeException {
    private final KnownLibrary library;
    private final Path path;

    public NativeLibraryLoadException(KnownLibrary library, Path path, String problem) {
        super(library.description() + " library at " + path + " cannot be used: " + problem);
        this.library = library;
        this.path = path;
    }

    public KnownLibrary library() {
        return library;
    }

    public Path path() {
        return path;
    }
}
