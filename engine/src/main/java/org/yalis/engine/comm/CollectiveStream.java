package org.yalis.engine.comm;

import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.CudaStreamCaptureStatus;
import org.yalis.bindings.cuda.CudaStreamFlag;
import org.yalis.engine.YalisException;

/**
 * The stream a family of NCCL communicators (a world and the groups split from it) queues its
 * collectives on: the compute backend's once {@link #install installed} (stream-ordered with its
 * kernels), a stream of its own until then, on which collectives must be made synchronous because
 * nothing orders them with the work that produces and consumes their buffers.
 */
final class CollectiveStream implements AutoCloseable {
    private final CurrentDevice device;
    private volatile CudaStream backendStream;
    private CudaStream ownStream;

    CollectiveStream(CurrentDevice device) {
        this.device = device;
    }

    /** Joins the backend's order of work; see {@link DeviceStream}. */
    void install(DeviceStream stream) {
        if (stream.device() != device.ordinal()) {
            throw new YalisException("the compute backend runs on GPU " + stream.device() + " but the nccl collective"
                    + " was created on GPU " + device.ordinal() + "; both must use LocalGpu.ordinal (the local rank's GPU)");
        }
        backendStream = stream.stream();
    }

    /** Whether collectives are ordered with the backend's work by the stream alone. */
    boolean ordered() {
        return backendStream != null;
    }

    /** The stream to queue on now. */
    CudaStream current() {
        CudaStream installed = backendStream;
        if (installed != null) {
            return installed;
        }
        synchronized (this) {
            if (ownStream == null) {
                device.ensureCurrent();
                ownStream = device.cuda().streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            }
            return ownStream;
        }
    }

    /** Whether {@code stream} is being captured into a CUDA graph (events there cannot time anything). */
    boolean capturing(CudaStream stream) {
        return device.cuda().streamIsCapturing(stream) != CudaStreamCaptureStatus.NONE;
    }

    /** Destroys the stream of its own, if one was made; the backend's stream belongs to the backend. */
    @Override
    public synchronized void close() {
        if (ownStream != null) {
            device.ensureCurrent();
            device.cuda().streamSynchronize(ownStream);
            device.cuda().streamDestroy(ownStream);
            ownStream = null;
        }
    }
}
