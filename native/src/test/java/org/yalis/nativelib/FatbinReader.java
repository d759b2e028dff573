package org.yalis.nativelib;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the images of an uncompressed CUDA fatbin and the kernel entry points each defines, without
 * cuobjdump (not installed here). Layout, as nvcc 13 writes it: a 16-byte header (magic 0xBA55ED50,
 * u16 version, u16 header size, u64 size of what follows), then entries: u16 kind (1 PTX, 2 ELF),
 * u16 version, u32 header size, u64 payload size, ..., u32 architecture at +0x1C (80 = sm_80), u64
 * flags at +0x28 (0x2000 or 0x8000: compressed), payload after the entry header.
 * Kernels of an ELF image are its global FUNC symbols marked as CUDA entries (st_other 0x10); those
 * of a PTX image are its {@code .entry} directives.
 */
final class FatbinReader {
    static final int MAGIC = 0xBA55ED50;
    static final int KIND_PTX = 1;
    static final int KIND_ELF = 2;
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_$]*)");

    record Image(int kind, int arch, boolean compressed, Set<String> kernels) {
        String describe() {
            return (kind == KIND_ELF ? "sm_" : kind == KIND_PTX ? "compute_" : "kind" + kind + "_") + arch;
        }
    }

    private FatbinReader() {
    }

    static List<Image> read(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != MAGIC) {
            throw new IllegalArgumentException("not a fatbin: magic " + Integer.toHexString(b.getInt(0)));
        }
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long end = headerSize + b.getLong(8);
        if (end > fatbin.length) {
            throw new IllegalArgumentException("fatbin truncated: " + end + " > " + fatbin.length);
        }
        List<Image> images = new ArrayList<>();
        int at = headerSize;
        while (at < end) {
            int kind = Short.toUnsignedInt(b.getShort(at));
            int entryHeader = b.getInt(at + 4);
            int size = Math.toIntExact(b.getLong(at + 8));
            int arch = b.getInt(at + 0x1C);
            long flags = b.getLong(at + 0x28);
            boolean compressed = (flags & 0xA000L) != 0;
            int payload = at + entryHeader;
            Set<String> kernels = compressed ? Set.of()
                    : kind == KIND_ELF ? elfKernels(b.slice(payload, size).order(ByteOrder.LITTLE_ENDIAN))
                    : kind == KIND_PTX ? ptxKernels(new String(fatbin, payload, size, StandardCharsets.ISO_8859_1))
                    : Set.of();
            images.add(new Image(kind, arch, compressed, kernels));
            at = payload + size;
        }
        return images;
    }

    private static Set<String> ptxKernels(String ptx) {
        Set<String> names = new TreeSet<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Set<String> elfKernels(ByteBuffer elf) {
        if (elf.getInt(0) != 0x464C457F || elf.get(4) != 2) {
            throw new IllegalArgumentException("not an ELF64 image");
        }
        long sectionOffset = elf.getLong(0x28);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x3A));
        int count = Short.toUnsignedInt(elf.getShort(0x3C));
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            int header = Math.toIntExact(sectionOffset + (long) i * entrySize);
            if (elf.getInt(header + 4) != 2) {  // SHT_SYMTAB
                continue;
            }
            int symbols = Math.toIntExact(elf.getLong(header + 0x18));
            long symbolsSize = elf.getLong(header + 0x20);
            int link = elf.getInt(header + 0x28);
            int strings = Math.toIntExact(elf.getLong(Math.toIntExact(sectionOffset + (long) link * entrySize) + 0x18));
            for (int s = 0; s < symbolsSize / 24; s++) {
                int symbol = symbols + s * 24;
                int info = Byte.toUnsignedInt(elf.get(symbol + 4));
                int other = Byte.toUnsignedInt(elf.get(symbol + 5));
                if ((info & 0xF) == 2 && (info >> 4) == 1 && (other & 0x10) != 0) {  // FUNC, GLOBAL, CUDA entry
                    names.add(cString(elf, strings + elf.getInt(symbol)));
                }
            }
        }
        return names;
    }

    private static String cString(ByteBuffer b, int at) {
        StringBuilder s = new StringBuilder();
        for (int i = at; b.get(i) != 0; i++) {
            s.append((char) b.get(i));
        }
        return s.toString();
    }
}
