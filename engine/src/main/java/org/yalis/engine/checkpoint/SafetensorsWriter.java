package org.yalis.engine.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.tensor.DType;

/**
 * Writes a {@code .safetensors} file: the 8-byte header length, the JSON header (padded with
 * spaces to a multiple of 8 bytes, as Hugging Face's writer does, so tensors stay aligned), then
 * the tensors' bytes in order. Data is streamed from each tensor's segment; nothing is buffered
 * whole.
 */
public final class SafetensorsWriter {

    /**
     * One tensor to write. Its bytes are produced on demand by {@code fill} (into a buffer of exactly
     * {@link #byteSize()} bytes), so a writer of a huge checkpoint holds one tensor at a time.
     */
    public record Entry(String name, DType dtype, long[] shape, Consumer<MemorySegment> fill) {

        /** A tensor whose little-endian bytes are already in {@code data}. */
        public static Entry of(String name, DType dtype, long[] shape, MemorySegment data) {
            Entry entry = new Entry(name, dtype, shape, destination -> destination.copyFrom(data));
            if (data.byteSize() != entry.byteSize()) {
                throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for shape "
                        + java.util.Arrays.toString(shape) + " of " + dtype);
            }
            return entry;
        }

        public long byteSize() {
            long elements = 1;
            for (long dimension : shape) {
                elements *= dimension;
            }
            return elements * dtype.byteSize();
        }
    }

    private SafetensorsWriter() {
    }

    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Entry tensor : tensors) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", tensor.dtype().safetensorsName());
            entry.put("shape", tensor.shape());
            entry.put("data_offsets", new long[] {offset, offset + tensor.byteSize()});
            header.put(tensor.name(), entry);
            offset += tensor.byteSize();
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, head);
            for (Entry tensor : tensors) {
                try (Arena buffer = Arena.ofConfined()) {
                    MemorySegment data = buffer.allocate(Math.max(1, tensor.byteSize()), 64)
                            .asSlice(0, tensor.byteSize());
                    tensor.fill().accept(data);
                    long chunk = 64L << 20;
                    for (long at = 0; at < data.byteSize(); at += chunk) {
                        writeFully(channel, data.asSlice(at, Math.min(chunk, data.byteSize() - at)).asByteBuffer());
                    }
                }
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

}
