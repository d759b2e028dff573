package org.yalis.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.mpi.MpiLibrary;
import org.yalis.bindings.mpi.MpiLibraryInfo;
import org.yalis.bindings.cuda.CudaAvailability;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.bindings.dnnl.Dnnl;
import org.yalis.engine.Sizes;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionBackends;
import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.tensor.ComputeBackendProvider;
import org.yalis.engine.tensor.ComputeBackends;
import org.yalis.engine.cpu.CpuTopology;
import org.yalis.nativelib.YalisKernels;

/** {@code yalis info}: what this machine and this build offer. */
@Command(name = "info", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Print the JDK, CPU, vector width, compute, collective and attention backends and native "
                + "libraries found.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Runtime.Version version = Runtime.version();
        out.printf(Locale.ROOT, "JDK            %s (%s, %s)%n", version, System.getProperty("java.vendor"),
                System.getProperty("java.home"));
        out.printf(Locale.ROOT, "OS             %s %s %s%n", System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch"));
        out.printf(Locale.ROOT, "CPU cores      %d physical, %d logical (--threads defaults to the physical count)%n",
                CpuTopology.physicalCores(), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "vector width   %d bits (%d float lanes, jdk.incubator.vector)%n",
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED.length());
        out.printf(Locale.ROOT, "memory         %s available%n", memoryAvailable());
        out.printf(Locale.ROOT, "huge pages     %s%n", firstLine(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")));
        out.println("compute        " + ComputeBackends.names() + " (--device; cuda needs the GPU below, cuBLAS and this "
                + "build's kernels: "
                + (YalisKernels.fatbin().isPresent() ? YalisKernels.manifest().size() + " in the jar" : "none, built without nvcc")
                + ")");
        Dnnl.Availability oneDnn = Dnnl.availability();
        out.printf(Locale.ROOT, "CPU matmul     %s%n", oneDnn.available()
                ? "prefill (8+ tokens) on " + oneDnn.description() + ", decode on the Vector API kernels; "
                + "--batch-invariant puts every product on the Vector API kernels"
                : "Vector API kernels for every product (oneDNN not usable: " + oneDnn.description()
                + "; on Debian, apt-get install libdnnl2 for a faster prefill)");
        out.println("compute backends (--device):");
        for (ComputeBackendProvider backend : ComputeBackends.available()) {
            out.printf(Locale.ROOT, "  %-12s %s memory: %s%n", backend.name(), backend.deviceMemory() ? "device" : "host",
                    backend.description());
        }
        out.println("collective backends (--collective):");
        for (CollectiveBackend backend : CollectiveBackends.available()) {
            out.printf(Locale.ROOT, "  %-12s ranks as %s, %s buffers: %s%n", backend.name(),
                    backend.ranks() == CollectiveBackend.Ranks.THREADS ? "threads" : "processes",
                    backend.movesHostBuffers() && backend.movesDeviceBuffers() ? "host and device"
                            : backend.movesDeviceBuffers() ? "device" : "host", backend.description());
        }
        out.println("attention backends (--attention):");
        for (AttentionBackend backend : AttentionBackends.available()) {
            out.printf(Locale.ROOT, "  %-12s devices %s: %s%n", backend.name(),
                    String.join(",", backend.capabilities().devices()), backend.description());
        }
        out.println("native libraries:");
        NativeLibraryLocator locator = NativeLibraryLocator.fromEnvironment();
        for (KnownLibrary library : KnownLibrary.values()) {
            LibraryLocation location = locator.locate(library);
            out.printf(Locale.ROOT, "  %-16s %s%n", library.description(), location.found()
                    ? location.path().orElseThrow() + " (" + location.source() + ")"
                    : "not found (" + String.join(" or ", library.fileNames()) + "; set YALIS_NATIVE_PATH)");
        }
        out.printf(Locale.ROOT, "  %-16s %s%n", "MPI flavor", mpiFlavor());
        printCuda(out);
        out.flush();
        return 0;
    }

    /**
     * The MPI library a rank would load (launcher and YALIS_MPI_LIBRARY considered), its handle ABI
     * from symbol probing and MPI_Get_library_version, which MPI allows before MPI_Init: MPI itself
     * is not initialised.
     */
    private static String mpiFlavor() {
        try {
            LibraryLocation location = MpiLibrary.locate();
            if (!location.found()) {
                return "none (not found in: " + String.join(", ", location.searched()) + ")";
            }
            return describe(MpiLibrary.probe(location.require(), location.source()));
        } catch (RuntimeException e) {
            return "cannot probe the MPI library: " + e.getMessage();
        }
    }

    private static String describe(MpiLibraryInfo info) {
        return info.flavor().displayName() + " (" + info.flavor().handleModel() + "), "
                + info.version().replaceAll("\\s+", " ") + " [" + info.path() + ", " + info.source()
                + "; MPI not initialised]";
    }

    /**
     * The "cuda" section: versions and GPUs, or one line saying why there is no GPU. The probe
     * never throws for a missing library, driver or device; anything else it hits is still one
     * line here, because {@code info} is what users run when CUDA is broken.
     */
    private static void printCuda(PrintWriter out) {
        out.println("cuda:");
        CudaAvailability cuda;
        try {
            cuda = GpuProbe.probe();
        } catch (RuntimeException | LinkageError e) {
            out.printf(Locale.ROOT, "  no GPU: the CUDA probe failed: %s%n", e);
            return;
        }
        out.printf(Locale.ROOT, "  runtime        %s%n", cuda.runtimeLibrary()
                .map(path -> CudaAvailability.formatVersion(cuda.runtimeVersion()) + " (" + path + ")")
                .orElse("not loaded"));
        out.printf(Locale.ROOT, "  driver         %s%n", cuda.driverVersion() == 0 ? "none"
                : "supports CUDA " + CudaAvailability.formatVersion(cuda.driverVersion()));
        if (!cuda.usable()) {
            out.printf(Locale.ROOT, "  no GPU: %s%n", cuda.reason());
            return;
        }
        for (CudaAvailability.Gpu gpu : cuda.gpus()) {
            out.printf(Locale.ROOT, "  GPU %-10d compute %d.%d, %d SMs, %s total, %s free%n", gpu.ordinal(),
                    gpu.computeCapabilityMajor(), gpu.computeCapabilityMinor(), gpu.multiprocessors(),
                    Sizes.format(gpu.totalBytes()), Sizes.format(gpu.freeBytes()));
        }
    }

    private static String memoryAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Sizes.format(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux.
        }
        return "unknown";
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).getFirst();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
