package org.yalis.bindings.cuda;

/**
 * A Java constant that stands for a C enumerator or flag: its name in the C header and its
 * value. The ABI tests compile a C program that prints every such constant from the real headers
 * and compare, so a value copied wrongly here fails a test instead of a GPU run.
 */
public interface NativeEnum {
    /** The enumerator's spelling in the C header, e.g. {@code cudaMemcpyHostToDevice}. */
    String cName();

    /** The value passed to or returned by the library (every enum here is a 4-byte C int). */
    int value();

    /** ORs the values of {@code flags} (0 for none): for flag enums such as event flags. */
    static int combine(NativeEnum... flags) {
        int bits = 0;
        for (NativeEnum flag : flags) {
            bits |= flag.value();
        }
        return bits;
    }
}
