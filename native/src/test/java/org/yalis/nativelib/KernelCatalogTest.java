package org.yalis.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yalis.nativelib.sim.KernelSimulator;

/**
 * One list of kernels everywhere: the YALIS_KERNEL declarations in kernels/*.cu, the sections of
 * KERNELS.md, {@link YalisKernels#ALL}, and (when g++ is there) the simulator's table of signatures.
 * Runs with or without nvcc.
 */
class KernelCatalogTest {
    private static final Pattern DECLARATION =
            Pattern.compile("YALIS_KERNEL\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s+)?(yalis_\\w+)\\s*\\(");
    private static final Pattern HEADING = Pattern.compile("(?m)^### `(yalis_\\w+)`");

    static Set<String> declaredInSources() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(KernelSimulator.nativeDir().resolve("kernels"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".cu")).toList()) {
                Matcher m = DECLARATION.matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    static Set<String> documented() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = HEADING.matcher(Files.readString(KernelSimulator.nativeDir().resolve("kernels/KERNELS.md")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void sourcesDocumentationAndConstantsAgree() throws IOException {
        Set<String> sources = declaredInSources();
        assertEquals(22, sources.size(), "kernels declared in kernels/*.cu: " + sources);
        assertEquals(sources, documented(), "### `name` sections of KERNELS.md");
        assertEquals(sources, new TreeSet<>(YalisKernels.ALL), "YalisKernels.ALL");
    }

    @Test
    void theSimulatorKnowsEveryKernel() throws IOException {
        if (KernelSimulator.runner().isEmpty()) {
            System.out.println("skipped: " + KernelSimulator.unavailableReason());
            org.junit.jupiter.api.Assumptions.abort(KernelSimulator.unavailableReason());
        }
        assertEquals(declaredInSources(), new TreeSet<>(KernelSimulator.runnerKernels()),
                "kernels registered in src/test/cpp/sim_runner.cpp");
    }
}
