package org.yalis.engine.comm;

import org.yalis.bindings.cuda.CudaRuntime;

/**
 * Makes one GPU current on whichever thread calls: CUDA's current device is per thread, and a
 * communicator may be driven by a thread that never selected its GPU (the engine's rank thread,
 * a watchdog). Remembers the last thread it set, so the common case costs one comparison.
 */
final class CurrentDevice {
    private final CudaRuntime cuda;
    private final int device;
    private volatile Thread setOn;

    CurrentDevice(CudaRuntime cuda, int device) {
        this.cuda = cuda;
        this.device = device;
    }

    int ordinal() {
        return device;
    }

    CudaRuntime cuda() {
        return cuda;
    }

    /** {@code cudaSetDevice} unless this thread was the last to set it. */
    void ensureCurrent() {
        Thread thread = Thread.currentThread();
        if (setOn != thread) {
            cuda.setDevice(device);
            setOn = thread;
        }
    }
}
