package org.yalis.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.parallel.LinearRole;
import org.yalis.engine.parallel.ShardingPlan;
import org.yalis.engine.parallel.SingleRankPlan;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.TestModels;

/**
 * Loading a tied model (the LM head is the embedding table) never brings the embedding's pages of the
 * mapped checkpoint back after they were let go: reading them again for the head (as a second finiteness
 * check once did) made the resident memory of Llama 3.2 1B half a GiB larger at its peak.
 */
class TiedWeightsLoadTest {
    private static final long PAGE = 4096;
    /**
     * Pages among the whole pages of {@code segment} that are mapped into this process now (the present bit
     * of /proc/self/pagemap): what counts in its resident memory. (mincore(2) would not do: it says whether
     * a file's page is in the page cache, mapped here or not.)
     */
    private static long residentWholePages(MemorySegment segment) throws IOException {
        long first = (segment.address() + PAGE - 1) / PAGE;
        long end = (segment.address() + segment.byteSize()) / PAGE;
        long resident = 0;
        try (java.io.RandomAccessFile pagemap = new java.io.RandomAccessFile("/proc/self/pagemap", "r")) {
            byte[] entries = new byte[(int) Math.max(0, end - first) * 8];
            pagemap.seek(first * 8);
            pagemap.readFully(entries);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(entries).order(java.nio.ByteOrder.nativeOrder());
            for (long page = first; page < end; page++) {
                resident += buffer.getLong() >>> 63;
            }
        }
        return resident;
    }

    @Test
    void theLmHeadOfATiedModelDoesNotReadTheEmbeddingsPagesAgain(@TempDir Path folder) throws Exception {
        Path model = TestModels.writeTinyModel(folder.resolve("tiny"), DType.F32, 5);
        LlamaConfig config = ModelFolder.open(model).config();
        assertTrue(config.tieWordEmbeddings(), "the tiny preset is tied");
        long[] residentWhenTheHeadIsPlaced = {-1};
        try (Arena mapping = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Checkpoint checkpoint = Checkpoint.open(model, mapping);
            CheckpointTensor embedding = checkpoint.find("model.embed_tokens.weight").orElseThrow();
            ShardingPlan single = new SingleRankPlan();
            ShardingPlan watching = new ShardingPlan() {
                @Override
                public LocalShape localShape(LlamaConfig c) {
                    return single.localShape(c);
                }

                @Override
                public Linear linear(LinearRole role, CheckpointTensor weight, org.yalis.engine.tensor.ComputeBackend b) {
                    if (role == LinearRole.LM_HEAD) {
                        try {
                            residentWhenTheHeadIsPlaced[0] = residentWholePages(embedding.bytes());
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                    return single.linear(role, weight, b);
                }

                @Override
                public Norm norm(CheckpointTensor weight, float eps, org.yalis.engine.tensor.ComputeBackend b) {
                    return single.norm(weight, eps, b);
                }

                @Override
                public org.yalis.engine.tensor.Tensor embedding(CheckpointTensor table,
                                                                org.yalis.engine.tensor.ComputeBackend b) {
                    return single.embedding(table, b);
                }
            };
            LlamaModel.load(config, checkpoint, backend, watching, 64, 16, 1, null);
            long wholePages = embedding.bytes().byteSize() / PAGE - 1;
            assertTrue(wholePages >= 32, "the table spans many pages: " + wholePages);
            assertEquals(0, residentWhenTheHeadIsPlaced[0], "of the embedding's " + wholePages
                    + " whole pages, none is resident again when the head is placed");
        }
    }
}
