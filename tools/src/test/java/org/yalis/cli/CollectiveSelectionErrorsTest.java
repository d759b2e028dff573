package org.yalis.cli;

import static org.yalis.cli.GenerateErrorsTest.assertCleanError;
import static org.yalis.cli.GenerateErrorsTest.generate;
import static org.yalis.cli.GenerateErrorsTest.yalis;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.testing.Gpus;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tensor.DType;

/**
 * Choosing collective backends ({@code --collective}, per phase, and comm-bench's buffers and
 * dtype) wrongly: each is one {@code error:} line, found before MPI starts or a GPU is touched.
 */
class CollectiveSelectionErrorsTest {
    @TempDir
    static Path shared;

    private static Path tiny;

    @BeforeAll
    static void writeTinyModel() throws IOException {
        tiny = TestModels.writeTinyModel(shared.resolve("tiny"), DType.F32, 42);
    }

    @Test
    void ncclWithoutTheCudaDeviceIsRefused() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective", "nccl"),
                "the nccl collective moves device buffers; use --device cuda");
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective-prefill", "nccl", "--collective-decode", "mpi"),
                "the nccl collective moves device buffers; use --device cuda");
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective", "mpi", "--collective-decode", "nccl",
                "--device", "cpu"), "the nccl collective moves device buffers; use --device cuda");
    }

    @Test
    void unknownCollectivesNameTheAvailableOnes() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective", "gloo"),
                "unknown collective backend 'gloo'", "available: auto, hier, local, mpi, nccl");
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective-decode", "ucc"),
                "unknown collective backend 'ucc'", "available: auto, hier, local, mpi, nccl");
    }

    @Test
    void autoNeedsItsMeasurements() {
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective", "auto"),
                "the auto collective picks a backend per message size from measurements: give --comm-profile FILE");
        assertCleanError(generate(tiny, "--prompt", "hi", "--collective", "auto", "--comm-profile",
                        shared.resolve("no-such-profile.jsonl").toString()), "--comm-profile ",
                "is not a file; give the output of yalis comm-bench --json");
        assertCleanError(yalis("comm-bench", "--collective", "auto"), "comm-bench measures one backend at a time");
    }

    @Test
    void theInProcessCollectiveCannotBeMixedWithAnother() {
        for (String other : new String[] {"mpi", "nccl"}) {
            assertCleanError(generate(tiny, "--prompt", "hi", "--collective-prefill", "local", "--collective-decode",
                    other, "--device", "cuda"), "the local collective runs ranks as threads of one process",
                    "cannot be combined with local/" + other);
        }
    }

    @Test
    void ncclWithoutAGpuSaysWhyThereIsNone() {
        Assumptions.assumeTrue(Gpus.none(), "a GPU is usable here");
        assertCleanError(generate(tiny, "--prompt", "hi", "--device", "cuda", "--collective", "nccl"),
                "the nccl collective needs a GPU: ");
        assertCleanError(generate(tiny, "--prompt", "hi", "--device", "cuda", "--collective-prefill", "nccl",
                "--collective-decode", "mpi"), "the nccl collective needs a GPU: ");
    }

    @Test
    void commBenchRefusesCollectivesBuffersAndTypesThatDoNotGoTogether() {
        assertCleanError(yalis("comm-bench", "--collective", "gloo"), "unknown --collective 'gloo'",
                "available: auto, hier, local, mpi, nccl");
        assertCleanError(yalis("comm-bench", "--device-buffers"),
                "--device-buffers needs --collective mpi or nccl");
        assertCleanError(yalis("comm-bench", "--dtype", "bf16"), "--dtype bf16 needs GPU buffers");
        assertCleanError(yalis("comm-bench", "--collective", "mpi", "--dtype", "bf16"), "--dtype bf16 needs GPU buffers");
        assertCleanError(yalis("comm-bench", "--dtype", "fp8"), "unknown --dtype 'fp8'", "available: f32, bf16");
    }

    @Test
    void commBenchOnGpuBuffersWithoutAGpuSaysWhyThereIsNone() {
        Assumptions.assumeTrue(Gpus.none(), "a GPU is usable here");
        assertCleanError(yalis("comm-bench", "--collective", "nccl"), "the nccl collective needs a GPU: ");
        assertCleanError(yalis("comm-bench", "--collective", "mpi", "--device-buffers", "--dtype", "bf16"),
                "the mpi collective on device buffers needs a GPU: ");
    }
}
