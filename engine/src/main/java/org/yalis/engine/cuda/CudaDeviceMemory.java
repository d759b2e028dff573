package org.yalis.engine.cuda;

import java.lang.foreign.MemorySegment;

import org.yalis.bindings.cuda.CudaError;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaRuntimeException;

/**
 * {@link DeviceMemory} of the current device: {@code cudaMalloc} and {@code cudaFree}. The caller
 * makes the device's context current first (cudaMalloc allocates on the calling thread's device).
 */
final class CudaDeviceMemory implements DeviceMemory {
    private final CudaRuntime cuda;

    CudaDeviceMemory(CudaRuntime cuda) {
        this.cuda = cuda;
    }

    @Override
    public long allocate(long bytes) {
        try {
            return cuda.malloc(bytes).address();
        } catch (CudaRuntimeException e) {
            if (e.code() == CudaError.MEMORY_ALLOCATION.value()) {
                // cudaMalloc's failure is sticky in cudaGetLastError: clear it so later launches do not report it.
                cuda.getLastError();
                throw new DeviceOutOfMemoryException(bytes, e);
            }
            throw e;
        }
    }

    @Override
    public void free(long address) {
        cuda.free(MemorySegment.ofAddress(address));
    }
}
