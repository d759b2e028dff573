package org.yalis.engine.cuda;

import org.junit.jupiter.api.Tag;

import org.yalis.engine.testing.CudaTestDevice;
import org.yalis.engine.testing.TestDevice;

/** {@link KernelChecks} on GPU 0 with the jar's fatbin; skipped, saying why, without a GPU. */
@Tag("gpu")
class KernelChecksGpuTest extends KernelChecks {
    @Override
    TestDevice openDevice() {
        return CudaTestDevice.open();
    }
}
