package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies between device memory and host memory for a collective that only understands host memory
 * ({@link HostStagedCommunicator}). Implemented with the CUDA runtime ({@link CudaDeviceCopier}) and,
 * in tests, with plain host memory standing in for the device.
 */
public interface DeviceCopier {

    /** Host memory of {@code bytes} that copies run fastest from (pinned), freed when {@code arena} closes. */
    MemorySegment allocateHost(long bytes, Arena arena);

    /**
     * Copies {@code bytes} of {@code device} into {@code host} after the work queued before it on the
     * backend's stream; returns when the bytes are on the host.
     */
    void toHost(MemorySegment device, MemorySegment host, long bytes);

    /**
     * Copies {@code bytes} of {@code host} into {@code device}, ordered on the backend's stream;
     * returns when the copy is done (the host buffer is reused by the next collective).
     */
    void toDevice(MemorySegment host, MemorySegment device, long bytes);

    /** Waits for the work queued on the backend's stream: before MPI reads device memory itself. */
    void awaitDevice();

    /** The backend's stream to order on; until one is given, copies wait for the whole device. */
    void useStream(DeviceStream stream);
}
