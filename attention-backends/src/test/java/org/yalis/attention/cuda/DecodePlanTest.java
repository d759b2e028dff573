package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import org.yalis.nativelib.KernelLaunch;

/** The split-K decode's fixed partition: splits, workspace and grids as the batch grows. */
class DecodePlanTest {

    @Test
    void aFixedPartitionOf512Positions() {
        assertEquals(512, DecodePlan.PARTITION_SIZE);
        DecodePlan short1 = DecodePlan.of(1, 32, 8, 128, 1);
        assertEquals(1, short1.splits());
        assertEquals(0, short1.workspaceBytes(), "unsplit: no workspace, no reduction");
        assertEquals(new KernelLaunch(1, 8, 1, 128, 160 * 128 + 512), short1.decode());
        assertEquals(1, DecodePlan.of(4, 32, 8, 128, 512).splits());
        assertEquals(2, DecodePlan.of(4, 32, 8, 128, 513).splits());
        assertEquals(16, DecodePlan.of(4, 32, 8, 128, 8192).splits());
    }

    @Test
    void workspaceAsKernelsMdComputesIt() {
        // 256 sequences, 32 heads, head_dim 128, 8K context: 16 splits, 68.2 MB (KERNELS.md's example).
        DecodePlan plan = DecodePlan.of(256, 32, 8, 128, 8192);
        assertEquals(256L * 32 * 16 * (128 + 2) * 4, plan.workspaceBytes());
        assertEquals(68_157_440L, plan.workspaceBytes());
        assertEquals(256L * 32 * 16, DecodePlan.partials(256, 32, 16));
        assertEquals(new KernelLaunch(16, 8, 256, 128, 160 * 128 + 512), plan.decode());
        assertEquals(new KernelLaunch(32, 256, 1, 128, 0), plan.reduce());
    }

    @Test
    void aSequenceResultDependsOnlyOnItsOwnContext() {
        // The partition never depends on the batch: the same context splits the same way in any batch.
        for (int batch : new int[] {1, 7, 300}) {
            DecodePlan plan = DecodePlan.of(batch, 8, 8, 64, 1500);
            assertEquals(3, plan.splits());
        }
    }
}
