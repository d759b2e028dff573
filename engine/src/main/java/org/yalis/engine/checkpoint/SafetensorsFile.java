package org.yalis.engine.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;

/**
 * A {@code .safetensors} file memory-mapped into a {@link MemorySegment}: an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and {@code [begin, end)} byte
 * offsets into the data that follows. Every claim of the header is checked against the file
 * before a tensor is handed out, so a truncated or corrupt file is an error here, not a crash later.
 */
public final class SafetensorsFile {
    /** Headers larger than this are not model files (the format's own reference reader caps it at 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Map<String, CheckpointTensor> tensors;

    private SafetensorsFile(Path path, Map<String, CheckpointTensor> tensors) {
        this.path = path;
        this.tensors = tensors;
    }

    public Path path() {
        return path;
    }

    public Map<String, CheckpointTensor> tensors() {
        return tensors;
    }

    /** Maps {@code path} for the lifetime of {@code arena} and validates its header. */
    public static SafetensorsFile open(Path path, Arena arena) {
        if (!Files.isRegularFile(path)) {
            throw new YalisException("weights file " + path + " does not exist; re-download the model folder");
        }
        MemorySegment file;
        long size;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            size = channel.size();
            if (size < 8) {
                throw corrupt(path, "it has " + size + " bytes, fewer than the 8-byte header length");
            }
            file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new YalisException(UserFiles.cannotRead(path, "weights file", e));
        }
        return parse(path, file);
    }

    /**
     * The tensors of a safetensors file whose bytes are {@code file} (named {@code path} in messages),
     * every header claim checked against them.
     */
    static SafetensorsFile parse(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw corrupt(path, "it has " + size + " bytes, fewer than the 8-byte header length");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > size - 8) {
            throw corrupt(path, "its header claims " + headerLength + " bytes but the file has only "
                    + (size - 8) + " after the length field (truncated download?)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw corrupt(path, "its header claims " + headerLength + " bytes, more than the 100 MB a model header can be");
        }
        byte[] headerBytes = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            header = new ObjectMapper().readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw corrupt(path, "its header is not valid JSON");
        }
        if (header == null || !header.isObject()) {
            throw corrupt(path, "its header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        MemorySegment data = file.asSlice(dataStart);
        Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            tensors.put(entry.getKey(), tensor(path, entry.getKey(), entry.getValue(), data));
        }
        requireNoOverlap(path, tensors.values(), data);
        return new SafetensorsFile(path, java.util.Collections.unmodifiableMap(tensors));
    }

    private static CheckpointTensor tensor(Path path, String name, JsonNode entry, MemorySegment data) {
        String dtypeName = entry.path("dtype").asText("");
        DType dtype = DType.fromSafetensors(dtypeName).filter(DType::isFloat).orElseThrow(() -> new YalisException(
                "weights file " + path + ": tensor '" + name + "' has dtype '" + dtypeName + "', which Yalis-J does not "
                        + "compute on (supported: F32, BF16, F16); convert the checkpoint to one of those"));
        JsonNode shapeNode = entry.path("shape");
        JsonNode offsets = entry.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw corrupt(path, "tensor '" + name + "' lacks a shape or a [begin, end] data_offsets pair");
        }
        List<Long> dims = new ArrayList<>();
        long elements = 1;
        for (JsonNode dim : shapeNode) {
            if (!dim.isIntegralNumber() || dim.asLong() < 0) {
                throw corrupt(path, "tensor '" + name + "' has an invalid shape " + shapeNode);
            }
            dims.add(dim.asLong());
            elements = multiplyOrCorrupt(path, name, shapeNode, elements, dim.asLong());
        }
        long byteSize = multiplyOrCorrupt(path, name, shapeNode, elements, dtype.byteSize());
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (!offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber() || begin < 0 || end < begin
                || end > data.byteSize()) {
            throw corrupt(path, "tensor '" + name + "' has data_offsets [" + offsets.get(0) + ", " + offsets.get(1)
                    + "] outside the " + data.byteSize() + " data bytes of the file (truncated download?)");
        }
        if (end - begin != byteSize) {
            throw corrupt(path, "tensor '" + name + "' spans " + (end - begin) + " bytes but shape " + shapeNode
                    + " of " + dtypeName + " needs " + byteSize);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return new CheckpointTensor(name, dtype, shape, data.asSlice(begin, end - begin), path);
    }

    /** Tensors may leave gaps between them, but no byte may belong to two of them. */
    private static void requireNoOverlap(Path path, Collection<CheckpointTensor> tensors, MemorySegment data) {
        List<CheckpointTensor> byStart = new ArrayList<>(tensors);
        byStart.sort(Comparator.comparingLong(t -> t.bytes().address()));
        for (int i = 1; i < byStart.size(); i++) {
            CheckpointTensor previous = byStart.get(i - 1);
            CheckpointTensor next = byStart.get(i);
            long previousEnd = previous.bytes().address() + previous.bytes().byteSize();
            if (next.bytes().byteSize() > 0 && previous.bytes().byteSize() > 0 && next.bytes().address() < previousEnd) {
                throw corrupt(path, "tensors '" + previous.name() + "' and '" + next.name() + "' share bytes "
                        + (next.bytes().address() - data.address()) + " to " + (previousEnd - data.address())
                        + " of the data");
            }
        }
    }

    /** {@code a * b}, or a corrupt-file error when a shape's size overflows a long. */
    private static long multiplyOrCorrupt(Path path, String name, JsonNode shapeNode, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw corrupt(path, "tensor '" + name + "' has shape " + shapeNode + ", too large to address");
        }
    }

    private static YalisException corrupt(Path path, String why) {
        return new YalisException("weights file " + path + " is corrupt: " + why + "; re-download it");
    }
}
