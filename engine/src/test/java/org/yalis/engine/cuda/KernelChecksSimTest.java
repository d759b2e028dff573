package org.yalis.engine.cuda;

import org.yalis.engine.testing.SimulatedKernelDevice;
import org.yalis.engine.testing.TestDevice;

/** {@link KernelChecks} in the CPU kernel simulator: the GPU checks' own code, proven here first. */
class KernelChecksSimTest extends KernelChecks {
    @Override
    TestDevice openDevice() {
        return SimulatedKernelDevice.create();
    }
}
