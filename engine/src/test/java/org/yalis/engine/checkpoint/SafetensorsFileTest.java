package org.yalis.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;

/** Reading {@code .safetensors} files: a valid file round-trips, every kind of corruption is a clear error. */
class SafetensorsFileTest {

    @TempDir
    Path dir;

    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    // --- helpers -------------------------------------------------------------------------------

    /** A safetensors file written byte by byte: 8-byte little-endian header length, the header, the data. */
    static Path writeRaw(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(headerLength).put(header).put(data);
        Files.write(file, bytes.array());
        return file;
    }

    /** A well-formed layout around {@code header}: the length field matches the header. */
    static Path writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return writeRaw(file, json.length, json, data);
    }

    static byte[] sequentialBytes(int count) {
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = (byte) (i * 7 + 3);
        }
        return bytes;
    }

    private YalisException openFails(Path file) {
        return assertThrows(YalisException.class, () -> SafetensorsFile.open(file, arena));
    }

    /** The message names the file and says it is corrupt, plus the given cause fragments. */
    private static void assertNamesFileAndCause(YalisException e, Path file, String... causes) {
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), "message should name " + file + ": " + message);
        for (String cause : causes) {
            assertTrue(message.contains(cause), "message should contain '" + cause + "': " + message);
        }
        assertTrue(!message.contains("\n"), "message should be one line: " + message);
    }

    // --- valid files ---------------------------------------------------------------------------

    @Test
    void writtenFileRoundTripsNamesDtypesShapesAndBytes() throws IOException {
        byte[] a = sequentialBytes(2 * 3 * 4);
        byte[] b = sequentialBytes(5 * 2);
        byte[] c = sequentialBytes(4 * 2);
        Path file = dir.resolve("model.safetensors");
        try (Arena source = Arena.ofConfined()) {
            SafetensorsWriter.write(file, List.of(
                    SafetensorsWriter.Entry.of("a.weight", DType.F32, new long[] {2, 3}, source.allocateFrom(ValueLayout.JAVA_BYTE, a)),
                    SafetensorsWriter.Entry.of("b.weight", DType.BF16, new long[] {5}, source.allocateFrom(ValueLayout.JAVA_BYTE, b)),
                    SafetensorsWriter.Entry.of("c.weight", DType.F16, new long[] {2, 2}, source.allocateFrom(ValueLayout.JAVA_BYTE, c))),
                    Map.of("format", "pt"));
        }

        SafetensorsFile read = SafetensorsFile.open(file, arena);

        assertEquals(file, read.path());
        assertEquals(List.of("a.weight", "b.weight", "c.weight"), List.copyOf(read.tensors().keySet()),
                "tensors in header order, __metadata__ left out");
        assertTensor(read.tensors().get("a.weight"), DType.F32, new long[] {2, 3}, a, file);
        assertTensor(read.tensors().get("b.weight"), DType.BF16, new long[] {5}, b, file);
        assertTensor(read.tensors().get("c.weight"), DType.F16, new long[] {2, 2}, c, file);
    }

    private static void assertTensor(CheckpointTensor tensor, DType dtype, long[] shape, byte[] bytes, Path file) {
        assertEquals(dtype, tensor.dtype(), tensor.name());
        assertArrayEquals(shape, tensor.shape(), tensor.name());
        assertArrayEquals(bytes, tensor.bytes().toArray(ValueLayout.JAVA_BYTE), tensor.name());
        assertEquals(file, tensor.file());
    }

    /** The hand-written layout the corruption tests start from is itself valid, so each failure is the corruption's. */
    @Test
    void handWrittenFileIsValid() throws IOException {
        byte[] data = sequentialBytes(16);
        Path file = writeRaw(dir.resolve("hand.safetensors"),
                "{\"__metadata__\":{\"format\":\"pt\"},\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
                data);

        SafetensorsFile read = SafetensorsFile.open(file, arena);

        assertEquals(List.of("x"), List.copyOf(read.tensors().keySet()));
        assertTensor(read.tensors().get("x"), DType.F32, new long[] {2, 2}, data, file);
    }

    @Test
    void missingFileIsAnError() {
        Path file = dir.resolve("absent.safetensors");
        YalisException e = openFails(file);
        assertNamesFileAndCause(e, file, "does not exist");
    }

    // --- corruptions ---------------------------------------------------------------------------

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3, 4, 5});

        assertNamesFileAndCause(openFails(file), file, "corrupt", "5 bytes", "8-byte header length");
    }

    @Test
    void emptyFile() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        Files.write(file, new byte[0]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "0 bytes");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        byte[] header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        Path file = writeRaw(dir.resolve("long-header.safetensors"), 1_000_000, header, new byte[4]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "header claims 1000000 bytes",
                "only " + (header.length + 4));
    }

    @Test
    void negativeHeaderLength() throws IOException {
        Path file = writeRaw(dir.resolve("negative.safetensors"), -1, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "header claims -1 bytes");
    }

    @Test
    void headerIsNotJson() throws IOException {
        Path file = writeRaw(dir.resolve("garbage.safetensors"), "{\"x\": this is not json", new byte[8]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "header is not valid JSON");
    }

    @Test
    void headerIsJsonButNotAnObject() throws IOException {
        Path file = writeRaw(dir.resolve("array.safetensors"), "[1, 2, 3]", new byte[8]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "not a JSON object");
    }

    @Test
    void dataOffsetsOutsideTheData() throws IOException {
        Path file = writeRaw(dir.resolve("offsets.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "data_offsets [8, 24]",
                "outside the 16 data bytes");
    }

    @Test
    void dataOffsetsReversed() throws IOException {
        Path file = writeRaw(dir.resolve("reversed.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "data_offsets [8, 0]");
    }

    @Test
    void missingDataOffsets() throws IOException {
        Path file = writeRaw(dir.resolve("no-offsets.safetensors"), "{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}",
                new byte[8]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "data_offsets");
    }

    @Test
    void offsetsSpanDoesNotMatchShapeTimesDtypeSize() throws IOException {
        // [2, 2] of F32 needs 16 bytes; the offsets give 12.
        Path file = writeRaw(dir.resolve("span.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "spans 12 bytes", "needs 16");
    }

    @Test
    void offsetsSpanDoesNotMatchForHalfPrecision() throws IOException {
        // [4] of BF16 needs 8 bytes, not the 16 that F32 would.
        Path file = writeRaw(dir.resolve("span-bf16.safetensors"),
                "{\"x\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "spans 16 bytes", "needs 8");
    }

    @Test
    void shapeWhoseElementCountOverflows() throws IOException {
        Path file = writeRaw(dir.resolve("overflow.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]}}",
                new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "[4294967296,4294967296]",
                "too large");
    }

    /** 2^62 F32 elements are 2^64 bytes: wrapped to 0, the empty offsets would have matched. */
    @Test
    void shapeWhoseByteSizeOverflows() throws IOException {
        Path file = writeRaw(dir.resolve("overflow-bytes.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}",
                new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "[4611686018427387904]",
                "too large");
    }

    @Test
    void negativeDimension() throws IOException {
        Path file = writeRaw(dir.resolve("negative-dim.safetensors"),
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}", new byte[16]);

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'x'", "invalid shape");
    }

    @ParameterizedTest
    @ValueSource(strings = {"F8_E4M3", "I64", "I32", "BOOL", ""})
    void unsupportedDtype(String dtype) throws IOException {
        Path file = writeRaw(dir.resolve("dtype.safetensors"),
                "{\"x\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);

        YalisException failure = openFails(file);
        assertNamesFileAndCause(failure, file, "tensor 'x' has dtype '" + dtype + "'", "supported: F32, BF16, F16",
                "convert the checkpoint");
        assertTrue(!failure.getMessage().contains("corrupt"), "an unsupported dtype is not corruption: "
                + failure.getMessage());
    }

    @Test
    void tensorsThatShareBytesAreRefusedButGapsAreFine() throws IOException {
        Path overlapping = writeRaw(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[16]);
        assertNamesFileAndCause(openFails(overlapping), overlapping, "corrupt", "tensors 'a' and 'b' share bytes 4 to 8");

        Path gap = writeRaw(dir.resolve("gap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                        + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", new byte[12]);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(3, SafetensorsFile.open(gap, arena).tensors().size());
        }
    }

    @Test
    void truncatedFileWithAValidHeader() throws IOException {
        Path file = dir.resolve("truncated.safetensors");
        try (Arena source = Arena.ofConfined()) {
            MemorySegment first = source.allocate(64 * 4);
            MemorySegment second = source.allocate(64 * 4);
            SafetensorsWriter.write(file, List.of(
                    SafetensorsWriter.Entry.of("first", DType.F32, new long[] {8, 8}, first),
                    SafetensorsWriter.Entry.of("second", DType.F32, new long[] {8, 8}, second)), Map.of());
        }
        long size = Files.size(file);
        SafetensorsFile.open(file, arena);   // intact, it opens
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 100);
        }

        assertNamesFileAndCause(openFails(file), file, "corrupt", "tensor 'second'", "data_offsets [256, 512]",
                "outside the 412 data bytes", "truncated");
    }
}
