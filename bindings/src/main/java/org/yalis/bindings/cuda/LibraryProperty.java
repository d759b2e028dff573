package org.yalis.bindings.cuda;

/**
 * {@code libraryPropertyType} from {@code library_types.h}: which part of a library's version {@code cublasGetProperty} returns.
 *
 * <p>Values: native-apis.md §1.5, checked against library_types.h by CudaHeaderAbiTest.
 */
public enum LibraryProperty implements NativeEnum {
    MAJOR_VERSION("MAJOR_VERSION", 0),
    MINOR_VERSION("MINOR_VERSION", 1),
    PATCH_LEVEL("PATCH_LEVEL", 2);

    private final String cName;
    private final int value;

    LibraryProperty(String cName, int value) {
        this.cName = cName;
        this.value = value;
    }

    @Override
    public String cName() {
        return cName;
    }

    @Override
    public int value() {
        return value;
    }
}
