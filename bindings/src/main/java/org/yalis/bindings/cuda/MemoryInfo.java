package org.yalis.bindings.cuda;

/** {@code cudaMemGetInfo}: free and total bytes of the current device. */
public record MemoryInfo(long freeBytes, long totalBytes) {
}
