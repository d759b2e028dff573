package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PTX that KernelLaunchGpuTest loads is checked without a GPU: it is what nvcc makes of its
 * .cu source, and ptxas assembles it for the GPUs we target.
 */
class TestKernelPtxTest {

    private static Path requireTool(String name) {
        List<Path> candidates = new ArrayList<>();
        for (String folder : System.getenv().getOrDefault("PATH", "").split(":")) {
            candidates.add(Path.of(folder, name));
        }
        candidates.add(Path.of("/usr/local/cuda/bin", name));
        return candidates.stream().filter(Files::isExecutable).findFirst()
                .orElseGet(() -> CProbe.skip("no " + name + " on PATH or in /usr/local/cuda/bin"));
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    /** Comment lines carry nvcc's build id; the code is what must match. */
    private static List<String> code(String ptx) {
        return ptx.lines().filter(line -> !line.startsWith("//")).toList();
    }

    @Test
    void theResourceDeclaresTheKernelWithItsFourParameters() throws Exception {
        String ptx = TestKernels.ptx();
        assertTrue(ptx.contains(".visible .entry scale_add_index("), ptx);
        assertEquals(4, ptx.lines().filter(line -> line.contains(".param ")).count(), ptx);
    }

    @Test
    void theResourceIsWhatNvccMakesOfTheSource(@TempDir Path work) throws Exception {
        Path nvcc = requireTool("nvcc");
        Path source = Files.writeString(work.resolve("scale_add_index.cu"), TestKernels.resource("scale_add_index.cu"));
        Path ptx = work.resolve("scale_add_index.ptx");
        run(List.of(nvcc.toString(), "-ptx", "-arch=compute_75", source.toString(), "-o", ptx.toString()));
        assertEquals(code(Files.readString(ptx)), code(TestKernels.ptx()),
                "regenerate scale_add_index.ptx as its .cu file says");
    }

    @Test
    void ptxasAssemblesItForAmpereAndHopper(@TempDir Path work) throws Exception {
        Path ptxas = requireTool("ptxas");
        Path ptx = Files.writeString(work.resolve("kernel.ptx"), TestKernels.ptx());
        for (String arch : List.of("sm_80", "sm_90")) {
            Path cubin = work.resolve(arch + ".cubin");
            run(List.of(ptxas.toString(), "-arch=" + arch, ptx.toString(), "-o", cubin.toString()));
            assertTrue(Files.size(cubin) > 0, arch);
        }
    }
}
