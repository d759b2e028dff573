package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.bindings.cuda.CudaMemcpyKind;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.engine.YalisException;

/** {@link DeviceCopier} with the CUDA runtime: pinned host buffers and copies on the backend's stream. */
public final class CudaDeviceCopier implements DeviceCopier {
    private final CurrentDevice device;
    private volatile CudaStream stream;

    public CudaDeviceCopier(CudaRuntime cuda, int device) {
        this.device = new CurrentDevice(cuda, device);
    }

    @Override
    public MemorySegment allocateHost(long bytes, Arena arena) {
        device.ensureCurrent();
        return device.cuda().mallocHost(bytes, arena);
    }

    @Override
    public void toHost(MemorySegment deviceMemory, MemorySegment host, long bytes) {
        copy(host, deviceMemory, bytes, CudaMemcpyKind.DEVICE_TO_HOST);
    }

    @Override
    public void toDevice(MemorySegment host, MemorySegment deviceMemory, long bytes) {
        copy(deviceMemory, host, bytes, CudaMemcpyKind.HOST_TO_DEVICE);
    }

    @Override
    public void awaitDevice() {
        device.ensureCurrent();
        CudaStream ordered = stream;
        if (ordered == null) {
            device.cuda().deviceSynchronize();
        } else {
            device.cuda().streamSynchronize(ordered);
        }
    }

    @Override
    public void useStream(DeviceStream backend) {
        if (backend.device() != device.ordinal()) {
            throw new YalisException("the compute backend runs on GPU " + backend.device() + " but the mpi collective"
                    + " stages its buffers through GPU " + device.ordinal() + "; both must use LocalGpu.ordinal");
        }
        stream = backend.stream();
    }

    private void copy(MemorySegment destination, MemorySegment source, long bytes, CudaMemcpyKind kind) {
        device.ensureCurrent();
        CudaStream ordered = stream;
        if (ordered == null) {
            // No stream to order on: wait for all the device's work, then copy synchronously.
            device.cuda().deviceSynchronize();
            device.cuda().memcpy(destination, source, bytes, kind);
        } else {
            device.cuda().memcpyAsync(destination, source, bytes, kind, ordered);
            device.cuda().streamSynchronize(ordered);
        }
    }
}
