package org.yalis.engine.comm;

import org.yalis.bindings.cuda.CudaEvent;

/** {@link QueuedCollectives.Events} as CUDA events recorded on a family's {@link CollectiveStream}. */
final class CudaCollectiveEvents implements QueuedCollectives.Events<CudaEvent> {
    private final CurrentDevice device;
    private final CollectiveStream stream;

    CudaCollectiveEvents(CurrentDevice device, CollectiveStream stream) {
        this.device = device;
        this.stream = stream;
    }

    @Override
    public CudaEvent create() {
        // Timing enabled (the default flags); blocking sync would only matter to await, which is rare.
        return device.cuda().eventCreateWithFlags();
    }

    @Override
    public void record(CudaEvent event) {
        device.cuda().eventRecord(event, stream.current());
    }

    @Override
    public boolean isDone(CudaEvent event) {
        return device.cuda().eventQuery(event);
    }

    @Override
    public void await(CudaEvent event) {
        device.cuda().eventSynchronize(event);
    }

    @Override
    public float elapsedMillis(CudaEvent start, CudaEvent end) {
        return device.cuda().eventElapsedTime(start, end);
    }

    @Override
    public void destroy(CudaEvent event) {
        device.cuda().eventDestroy(event);
    }
}
