package org.yalis.attention.cuda;

import org.yalis.engine.testing.SimulatedKernelDevice;
import org.yalis.engine.testing.TestDevice;

/** {@link CudaAttentionChecks} in the CPU kernel simulator: the GPU checks' own code, proven here first. */
class CudaAttentionSimTest extends CudaAttentionChecks {
    @Override
    TestDevice openDevice() {
        return SimulatedKernelDevice.create();
    }
}
