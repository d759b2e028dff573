package org.yalis.bindings.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls the engine needs for host memory it streams at full bandwidth: anonymous
 * mappings that can be backed by 2 MiB pages ({@code mmap}, {@code madvise}, {@code munmap}).
 *
 * <p>Why not {@code Arena.allocate}: it zero-fills on 4 KiB pages before we could ask for huge
 * pages, and on this project's machines 4 KiB-page memory streams 2-7x slower than huge-page
 * memory for the first passes (see shared/reference/cpu-performance-notes.md).
 */
public final class Libc {
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_DONTNEED = 4;
    private static final long PAGE_BYTES = 4096;
    private static final long MAP_FAILED = -1L;

    /** 2 MiB: the x86-64 huge page, and the alignment that lets the kernel back a range with them. */
    public static final long HUGE_PAGE_BYTES = 2L << 20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /**
     * Maps {@code bytes} of fresh anonymous memory whose lifetime is {@code arena}'s: closing the
     * arena unmaps it. With {@code hugePages} the range is 2 MiB-aligned and advised
     * {@code MADV_HUGEPAGE}, so first touch faults in huge pages (where the kernel's THP mode is
     * {@code madvise} or {@code always}; elsewhere the advice is a harmless no-op).
     */
    public static MemorySegment mapAnonymous(long bytes, boolean hugePages, Arena arena) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("mapping size must be positive: " + bytes);
        }
        long alignment = hugePages ? HUGE_PAGE_BYTES : 4096;
        long rounded = (bytes + alignment - 1) / alignment * alignment;
        // Over-map by one alignment unit, then trim both ends so the kept range starts aligned.
        long mapped = hugePages ? rounded + alignment : rounded;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            MemorySegment base = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, mapped,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (base.address() == MAP_FAILED) {
                throw new OutOfMemoryError("mmap of " + mapped + " bytes failed: " + errnoMessage(state));
            }
            long start = (base.address() + alignment - 1) / alignment * alignment;
            long head = start - base.address();
            long tail = mapped - head - rounded;
            if (head > 0) {
                unmap(base.address(), head);
            }
            if (tail > 0) {
                unmap(start + rounded, tail);
            }
            if (hugePages) {
                int rc = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(start), rounded, MADV_HUGEPAGE);
                // EINVAL means a kernel without THP: the memory still works, on small pages.
                if (rc != 0 && (int) ERRNO.get(state, 0L) != 22) {
                    throw new IllegalStateException("madvise(MADV_HUGEPAGE) failed: " + errnoMessage(state));
                }
            }
            return MemorySegment.ofAddress(start).reinterpret(rounded, arena, segment -> unmap(start, rounded));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
    }

    /**
     * Drops this process's page-table entries for the whole pages inside {@code segment}
     * ({@code madvise(MADV_DONTNEED)}), so they stop counting in its resident set. Meant for a
     * read-only file mapping whose bytes were copied elsewhere: the data stays in the page cache and
     * a later read faults it back in unchanged. Never use it on anonymous memory that must keep its
     * contents (it would read back as zeros).
     */
    public static void releaseFilePages(MemorySegment segment) {
        long start = (segment.address() + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES;
        long end = (segment.address() + segment.byteSize()) / PAGE_BYTES * PAGE_BYTES;
        if (end <= start) {
            return;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            int rc = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
            if (rc != 0) {
                throw new IllegalStateException("madvise(MADV_DONTNEED) failed: " + errnoMessage(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise failed", t);
        }
    }

    private static void unmap(long address, long bytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            int rc = (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), bytes);
            if (rc != 0) {
                throw new IllegalStateException("munmap failed: " + errnoMessage(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }

    private static String errnoMessage(MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(Long.MAX_VALUE).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
