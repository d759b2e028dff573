package org.yalis.bindings.cuda;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryLocator;

/**
 * Answers "can this process use a GPU, and which?" without ever throwing: for {@code yalis info},
 * for choosing a compute backend, and for GPU tests that skip with the reason.
 *
 * <p>No driver, no device and the toolkit's stub driver ({@code cudaErrorInsufficientDriver} 35,
 * {@code cudaErrorNoDevice} 100, {@code cudaErrorStubLibrary} 34 from {@code cudaGetDeviceCount})
 * all mean "no GPU", each with its own wording. Probing a GPU creates its primary context (a few
 * hundred MiB of device memory and some time), so call this once, not per operation.
 */
public final class GpuProbe {
    private GpuProbe() {
    }

    /** Probes with the libraries this process's environment points at. */
    public static CudaAvailability probe() {
        return probe(NativeLibraryLocator.fromEnvironment());
    }

    public static CudaAvailability probe(NativeLibraryLocator locator) {
        LibraryLocation location = locator.locate(KnownLibrary.CUDA_RUNTIME);
        if (!location.found()) {
            return CudaAvailability.unusable(Optional.empty(), 0, 0, "no CUDA runtime ("
                    + String.join(" or ", KnownLibrary.CUDA_RUNTIME.fileNames())
                    + " not found; install the CUDA toolkit or the nvidia-cuda-runtime wheel, or set YALIS_NATIVE_PATH)");
        }
        CudaRuntime runtime;
        try {
            runtime = CudaRuntime.load(locator);
        } catch (NativeLibraryLoadException e) {
            return CudaAvailability.unusable(Optional.empty(), 0, 0, "no usable CUDA runtime: " + e.getMessage());
        }
        Optional<Path> library = Optional.of(runtime.libraryPath());
        int runtimeVersion;
        int driverVersion;
        try {
            runtimeVersion = runtime.runtimeGetVersion();
            driverVersion = runtime.driverGetVersion();
        } catch (CudaException e) {
            return CudaAvailability.unusable(library, 0, 0, "CUDA runtime unusable: " + e.getMessage());
        }
        CudaRuntime.StatusAndValue count = runtime.tryGetDeviceCount();
        String noGpu = noGpuReason(runtime, count, runtimeVersion, driverVersion);
        if (noGpu != null) {
            return CudaAvailability.unusable(library, runtimeVersion, driverVersion, noGpu);
        }
        List<CudaAvailability.Gpu> gpus = new ArrayList<>();
        int ordinal = -1;
        try {
            int previous = runtime.getDevice();
            for (ordinal = 0; ordinal < count.value(); ordinal++) {
                gpus.add(describe(runtime, ordinal));
            }
            runtime.setDevice(previous);
        } catch (CudaException e) {
            return CudaAvailability.unusable(library, runtimeVersion, driverVersion,
                    (ordinal >= 0 ? "GPU " + ordinal + " unusable: " : "CUDA unusable: ") + e.getMessage());
        }
        return new CudaAvailability(library, runtimeVersion, driverVersion, true, "", gpus);
    }

    /** Why {@code cudaGetDeviceCount}'s answer means no GPU, or {@code null} when there are GPUs. */
    private static String noGpuReason(CudaRuntime runtime, CudaRuntime.StatusAndValue count, int runtimeVersion,
            int driverVersion) {
        int status = count.status();
        if (status == CudaError.SUCCESS.value()) {
            return count.value() > 0 ? null : "no GPU found (cudaGetDeviceCount: 0 devices)";
        }
        String call = "(cudaGetDeviceCount: " + runtime.getErrorName(status) + ")";
        if (status == CudaError.INSUFFICIENT_DRIVER.value()) {
            return driverVersion == 0 ? "no CUDA driver " + call
                    : "CUDA driver too old: it supports CUDA " + CudaAvailability.formatVersion(driverVersion)
                            + ", the runtime is " + CudaAvailability.formatVersion(runtimeVersion) + " " + call;
        }
        if (status == CudaError.NO_DEVICE.value()) {
            return "no CUDA-capable GPU " + call;
        }
        if (status == CudaError.STUB_LIBRARY.value()) {
            return "the CUDA driver found is the toolkit's stub library, not a real driver " + call;
        }
        return "CUDA unusable: cudaGetDeviceCount failed with " + runtime.getErrorName(status) + " (" + status + "): "
                + runtime.getErrorString(status);
    }

    private static CudaAvailability.Gpu describe(CudaRuntime runtime, int ordinal) {
        runtime.setDevice(ordinal);
        MemoryInfo memory = runtime.memGetInfo();
        return new CudaAvailability.Gpu(ordinal,
                runtime.deviceGetAttribute(CudaDeviceAttribute.COMPUTE_CAPABILITY_MAJOR, ordinal),
                runtime.deviceGetAttribute(CudaDeviceAttribute.COMPUTE_CAPABILITY_MINOR, ordinal),
                runtime.deviceGetAttribute(CudaDeviceAttribute.MULTIPROCESSOR_COUNT, ordinal),
                memory.totalBytes(), memory.freeBytes());
    }
}
