package org.yalis.bindings;

/** A native library the requested feature needs is not on this machine (or not where we look). */
public final class NativeLibraryNotFoundException extends RuntimeException {
    public NativeLibraryNotFoundException(LibraryLocation location) {
        super(location.library().description() + " library (" + String.join(" or ", location.library().fileNames())
                + ") not found; looked in: " + String.join(", ", location.searched())
                + ". Install it, or point at its folder with YALIS_NATIVE_PATH=DIR");
    }
}
