package org.yalis.engine.cuda;

import org.yalis.bindings.cuda.CuContext;
import org.yalis.bindings.cuda.CudaDriver;
import org.yalis.bindings.cuda.CudaRuntime;

/**
 * One GPU's primary context, retained for a backend's lifetime: the context the runtime
 * ({@code cudaMalloc}, streams, cuBLAS) and the driver (our kernels) share. CUDA binds the current
 * device and context per thread, and the engine may call a backend from any thread (rank threads,
 * test threads), so every operation calls {@link #makeCurrent} first; it costs a thread-local read
 * when the calling thread is already bound to this context.
 */
final class CudaContext implements AutoCloseable {
    /** The context each thread was last bound to through this class. */
    private static final ThreadLocal<CudaContext> BOUND = new ThreadLocal<>();

    private final CudaRuntime cuda;
    private final CudaDriver driver;
    private final int ordinal;
    private final int device;
    private final CuContext context;
    private boolean released;

    private CudaContext(CudaRuntime cuda, CudaDriver driver, int ordinal, int device, CuContext context) {
        this.cuda = cuda;
        this.driver = driver;
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
    }

    /** Retains GPU {@code ordinal}'s primary context (created on first retain) and binds the calling thread to it. */
    static CudaContext retain(CudaRuntime cuda, CudaDriver driver, int ordinal) {
        driver.init();
        cuda.setDevice(ordinal);
        int device = driver.deviceGet(ordinal);
        CuContext context = driver.devicePrimaryCtxRetain(device);
        CudaContext retained = new CudaContext(cuda, driver, ordinal, device, context);
        try {
            retained.makeCurrent();
        } catch (RuntimeException e) {
            driver.devicePrimaryCtxRelease(device);
            throw e;
        }
        return retained;
    }

    int ordinal() {
        return ordinal;
    }

    /** Binds the calling thread to this GPU (runtime device and driver context) unless it already is. */
    void makeCurrent() {
        if (BOUND.get() == this) {
            return;
        }
        cuda.setDevice(ordinal);
        driver.ctxSetCurrent(context);
        BOUND.set(this);
    }

    /** Releases the retain; the last release destroys the context and whatever memory is left in it. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        if (BOUND.get() == this) {
            BOUND.remove();
        }
        driver.devicePrimaryCtxRelease(device);
    }
}
