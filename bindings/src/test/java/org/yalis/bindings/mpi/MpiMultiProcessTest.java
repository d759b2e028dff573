package org.yalis.bindings.mpi;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real multi-process MPI: {@code mpirun -np N java ... MpiCollectiveCheck} and every rank's checks
 * of all-reduce, all-gather and broadcast (f32 and int, in place and not, 1 to 2^22 elements).
 * Skipped, with the reason printed, where no launcher is installed ({@code .ci/run} installs them).
 */
class MpiMultiProcessTest {
    /** Generous for 2 slow cores; a hang is killed (with its whole process tree) at this point. */
    private static final long TIMEOUT_SECONDS = 150;
    private static final String CHECK = MpiCollectiveCheck.class.getName();

    @Test
    void twoOpenMpiRanksAgreeOnEveryCollective() throws Exception {
        MpiLauncher launcher = launcher(MpiFlavor.OPEN_MPI, "SKIPPED: mpirun not found; .ci/run installs openmpi-bin");
        assertAllRanksPassed(launcher.run(2, TIMEOUT_SECONDS, CHECK, "collectives", "22", "full"), 2, "Open MPI");
    }

    @Test
    void fourOpenMpiRanksAgreeOnEveryCollective() throws Exception {
        MpiLauncher launcher = launcher(MpiFlavor.OPEN_MPI, "SKIPPED: mpirun not found; .ci/run installs openmpi-bin");
        // Fewer sizes than with 2 ranks (powers of two only), still up to 2^22: 4 JVMs share 2 cores.
        assertAllRanksPassed(launcher.run(4, TIMEOUT_SECONDS, CHECK, "collectives", "22", "sparse"), 4, "Open MPI");
    }

    @Test
    void abortOnOneRankEndsTheWholeJobFast() throws Exception {
        MpiLauncher launcher = launcher(MpiFlavor.OPEN_MPI, "SKIPPED: mpirun not found; .ci/run installs openmpi-bin");
        MpiLauncher.Result result = launcher.run(2, 60, CHECK, "abort");
        assertFalse(result.timedOut(), "abort did not end the job:\n" + result.output());
        assertEquals(7, result.exitCode(), result.output());
        assertTrue(result.output().contains("ABORTING rank=1"), result.output());
        assertFalse(result.output().contains("UNREACHABLE"), result.output());
        assertTrue(result.seconds() < 30, result.seconds() + " s\n" + result.output());
    }

    @Test
    void aHungJobIsKilledWithAllItsRanksAtTheTimeout() throws Exception {
        MpiLauncher launcher = launcher(MpiFlavor.OPEN_MPI, "SKIPPED: mpirun not found; .ci/run installs openmpi-bin");
        MpiLauncher.Result result = launcher.run(2, 12, CHECK, "hang");
        assertTrue(result.timedOut(), result.output());
        assertTrue(result.output().contains("HANGING rank=1"), result.output());
        assertEquals(0, result.survivors(), "processes left alive after the kill");
        assertTrue(result.seconds() < 30, result.seconds() + " s");
    }

    @Test
    void twoMpichRanksAgreeOnEveryCollective() throws Exception {
        MpiLauncher launcher = launcher(MpiFlavor.MPICH,
                "SKIPPED: MPICH's launcher (mpirun.mpich) not found; .ci/run installs mpich");
        // The ranks pick libmpich.so.12 themselves: Hydra's environment (HYDI_CONTROL_FD) selects MPICH.
        assertAllRanksPassed(launcher.run(2, TIMEOUT_SECONDS, CHECK, "collectives", "22", "full"), 2, "MPICH");
    }

    private static MpiLauncher launcher(MpiFlavor flavor, String skipReason) {
        Optional<MpiLauncher> launcher = MpiLauncher.find(flavor);
        if (launcher.isEmpty()) {
            System.out.println(skipReason);
        }
        Assumptions.assumeTrue(launcher.isPresent(), skipReason);
        return launcher.orElseThrow();
    }

    private static void assertAllRanksPassed(MpiLauncher.Result result, int ranks, String flavor) {
        String output = result.output();
        assertFalse(result.timedOut(), "mpirun did not finish in " + TIMEOUT_SECONDS + " s (killed):\n" + output);
        assertFalse(output.contains("MISMATCH"), output);
        assertEquals(0, result.exitCode(), "mpirun exit code; output:\n" + output);
        for (int rank = 0; rank < ranks; rank++) {
            assertTrue(output.contains("START rank=" + rank + " size=" + ranks + " flavor=" + flavor + " "),
                    "rank " + rank + " did not start as " + flavor + ":\n" + output);
            Matcher ok = Pattern.compile("CHECKS-OK rank=" + rank + " size=" + ranks + " checks=(\\d+) counts=\\d+"
                    + " max=4194304 ").matcher(output);
            assertTrue(ok.find(), "rank " + rank + " did not pass its checks:\n" + output);
            assertNotEquals("0", ok.group(1));
            assertTrue(output.contains("DONE rank=" + rank + "\n"), "rank " + rank + " did not finalize:\n" + output);
        }
        System.out.printf("%s, %d ranks: all checks passed in %.1f s%n", flavor, ranks, result.seconds());
    }
}
