package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.posix.Libc;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.checkpoint.SafetensorsWriter;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** How the CPU backend places checkpoint weights: each source byte once, and the checkpoint's pages let go. */
class WeightPlacementTest {

    @Test
    void aBlockAskedForAgainIsTheSamePlacedMemory() {
        Random random = new Random(5);
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor table = HostTensors.hostTensor(host, DType.BF16, 64, 48, HostTensors.uniform(random, 64 * 48));
            Tensor embedding = backend.loadWeight(table);
            long afterFirst = backend.allocatedBytes();
            // A tied model's LM head is the same table: no second copy.
            Tensor head = backend.loadWeight(table);
            assertEquals(embedding.data().address(), head.data().address());
            // A tensor-parallel rank's vocabulary slice is a row range of it.
            Tensor slice = backend.loadWeight(table.rowSlice(16, 32));
            assertEquals(embedding.data().address() + 16 * embedding.rowBytes(), slice.data().address());
            assertEquals(32, slice.rows());
            assertEquals(afterFirst, backend.allocatedBytes(), "no new weight memory for blocks already placed");

            // A different column block of the same rows is different data: it is placed anew.
            Tensor columns = backend.loadWeightColumns(table, 8, 16);
            assertNotEquals(embedding.data().address(), columns.data().address());
            for (int row = 0; row < 64; row++) {
                for (int col = 0; col < 16; col++) {
                    assertEquals(table.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * 48 + 8 + col),
                            columns.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) row * 16 + col));
                }
            }
            // Its own row range is found as such.
            Tensor columnRows = backend.loadWeightColumns(table.rowSlice(40, 8), 8, 16);
            assertEquals(columns.data().address() + 40 * columns.rowBytes(), columnRows.data().address());
        }
    }

    @Test
    void aCopiedCheckpointTensorsPagesAreLetGoAndItsValuesKept(@TempDir Path folder) throws IOException {
        int rows = 512;
        int cols = 1024;   // 2 MiB of f32: many whole pages
        float[] values = HostTensors.uniform(new Random(6), rows * cols);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment bytes = scratch.allocate((long) values.length * 4);
            MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
            SafetensorsWriter.write(folder.resolve(Checkpoint.SINGLE_FILE), List.of(SafetensorsWriter.Entry.of("w",
                    DType.F32, new long[] {rows, cols}, bytes)), Map.of());
        }
        try (Arena mapping = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Checkpoint checkpoint = Checkpoint.open(folder, mapping);
            CheckpointTensor tensor = checkpoint.find("w").orElseThrow();
            tensor.bytes().load();
            long mapped = residentBytes(tensor.bytes());
            assertTrue(mapped >= tensor.bytes().byteSize(), "the mapping is resident before the copy: " + mapped);
            Tensor weight = backend.loadWeight(tensor.asMatrix());
            assertFalse(backend.readsCheckpointMemory());
            checkpoint.releasePages(tensor);
            assertTrue(residentBytes(tensor.bytes()) <= 2 * 4096,
                    "only the partial pages at the ends stay: " + residentBytes(tensor.bytes()));
            float[] copied = new float[values.length];
            MemorySegment.copy(weight.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, copied, 0, copied.length);
            assertArrayEquals(values, copied);
            // The file's data is intact: reading the mapping again faults it back in.
            assertEquals(values[123457], tensor.bytes().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 123457));
        }
    }

    /** The resident bytes of the mapping that holds {@code segment}'s first byte, from /proc/self/smaps. */
    private static long residentBytes(MemorySegment segment) throws IOException {
        long address = segment.address();
        boolean inMapping = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inMapping = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inMapping && line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no mapping holds " + Long.toHexString(address) + " in /proc/self/smaps");
    }

    @Test
    void theSameAddressInAnotherMemoryScopeIsNotTakenForAPlacedBlock() {
        try (Arena first = Arena.ofShared(); Arena second = Arena.ofShared();
             CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor source = HostTensors.hostTensor(first, DType.F32, 8, 16, HostTensors.uniform(new Random(8), 128));
            Tensor placed = backend.loadWeight(source);
            // As if the first source's memory had been freed and reused by another allocation.
            Tensor reused = new Tensor(source.data().reinterpret(second, null), DType.F32, 8, 16);
            assertNotEquals(placed.data().address(), backend.loadWeight(reused).data().address());
        }
    }

    @Test
    void mappedWeightsAreReadWhereTheyAre() {
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.MMAP)) {
            Tensor source = HostTensors.hostTensor(host, DType.F32, 8, 8, HostTensors.uniform(new Random(7), 64));
            assertEquals(source.data().address(), backend.loadWeight(source).data().address());
            assertTrue(backend.readsCheckpointMemory());
        }
    }

    @Test
    void releasingPagesOfAnEmptyOrSubPageRangeIsANoOp() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(100, 8);
            small.set(ValueLayout.JAVA_BYTE, 10, (byte) 7);
            Libc.releaseFilePages(small);
            assertEquals(7, small.get(ValueLayout.JAVA_BYTE, 10), "no whole page inside: nothing was dropped");
        }
    }
}
