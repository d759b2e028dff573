package org.yalis.attention.cuda;

import org.junit.jupiter.api.Tag;

import org.yalis.engine.testing.CudaTestDevice;
import org.yalis.engine.testing.TestDevice;

/** {@link CudaAttentionChecks} on GPU 0 with the jar's fatbin; skipped, saying why, without a GPU. */
@Tag("gpu")
class CudaAttentionGpuTest extends CudaAttentionChecks {
    @Override
    TestDevice openDevice() {
        return CudaTestDevice.open();
    }
}
