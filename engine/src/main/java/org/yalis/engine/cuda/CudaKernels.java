package org.yalis.engine.cuda;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.yalis.bindings.cuda.CuFunction;
import org.yalis.bindings.cuda.CuModule;
import org.yalis.bindings.cuda.CudaDriver;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.Dim3;
import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.YalisException;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;

/**
 * Our kernels ({@code native/kernels}) loaded into the current context: the jar's fatbin, loaded once
 * per backend, every kernel of {@link YalisKernels#ALL} looked up at load (a jar whose fatbin lacks
 * one fails here, not mid-run). Launches take their configuration from {@link KernelLaunch} and their
 * parameters from {@link #arguments()}, whose values live in one reused slab.
 */
final class CudaKernels implements AutoCloseable {
    private final CudaDriver driver;
    private final CuModule module;
    private final Map<String, CuFunction> functions = new HashMap<>();
    private final LaunchArgumentArena argumentMemory = new LaunchArgumentArena(4096);
    private boolean unloaded;

    private CudaKernels(CudaDriver driver, CuModule module) {
        this.driver = driver;
        this.module = module;
    }

    /** Loads the fatbin into the calling thread's current context. */
    static CudaKernels load(CudaDriver driver) {
        byte[] fatbin = YalisKernels.fatbin().orElseThrow(() -> new YalisException("this build of Yalis-J has no CUDA"
                + " kernels (nvcc was not found when native/ was built, so the jar carries no "
                + YalisKernels.FATBIN_RESOURCE + "); rebuild with nvcc on the PATH or NVCC=/path/to/nvcc"));
        CuModule module = driver.moduleLoadData(fatbin);
        CudaKernels kernels = new CudaKernels(driver, module);
        try {
            kernels.lookUp(YalisKernels.ALL);
        } catch (RuntimeException e) {
            kernels.close();
            throw e;
        }
        return kernels;
    }

    private void lookUp(List<String> names) {
        for (String name : names) {
            functions.put(name, driver.moduleGetFunction(module, name));
        }
    }

    /** Empty arguments for the next launch (the previous launch's values are no longer needed). */
    KernelArguments arguments() {
        argumentMemory.reset();
        return new KernelArguments(argumentMemory);
    }

    /** Queues {@code kernel} on {@code stream}; a bad configuration fails here, a fault in the kernel at the next sync. */
    void launch(String kernel, KernelLaunch config, CudaStream stream, KernelArguments arguments) {
        CuFunction function = functions.get(kernel);
        if (function == null) {
            throw new IllegalArgumentException("no kernel named " + kernel + " in " + YalisKernels.FATBIN_RESOURCE);
        }
        driver.launchKernel(function, new Dim3(config.gridX(), config.gridY(), config.gridZ()),
                Dim3.of(config.blockX()), config.sharedBytes(), stream, arguments);
    }

    @Override
    public void close() {
        if (unloaded) {
            return;
        }
        unloaded = true;
        try {
            driver.moduleUnload(module);
        } finally {
            argumentMemory.close();
        }
    }
}
