package org.yalis.nativelib.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.RelativeError;

/** Helpers of the simulated differential tests. */
final class SimTesting {
    private SimTesting() {
    }

    /** A simulator, or the test is skipped (printing why) when g++ is missing. */
    static KernelSimulator simulator() {
        if (!KernelSimulator.replaying() && KernelSimulator.runner().isEmpty()) {
            System.out.println("skipped: " + KernelSimulator.unavailableReason());
            Assumptions.abort(KernelSimulator.unavailableReason());
        }
        return new KernelSimulator();
    }

    /** For checks only the simulator makes (it knows the kernels' C signatures; a GPU does not). */
    static void simulatorOnly() {
        if (KernelSimulator.recordingOrReplaying()) {
            Assumptions.abort("a check of the simulator only: not recorded for, or replayed from, a GPU");
        }
    }

    static short[] randomBf16(Random random, int n, double scale) {
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            out[i] = Bf16.fromFloat((float) (random.nextGaussian() * scale));
        }
        return out;
    }

    static float[] randomFloats(Random random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * scale);
        }
        return out;
    }

    /** Asserts {@code ||actual - expected|| / ||expected|| <= bound} and prints the error. */
    static void assertClose(String what, double[] actual, double[] expected, double bound) {
        double error = RelativeError.of(actual, expected);
        System.out.printf("%-60s relative error %.3e (bound %.0e)%n", what, error, bound);
        assertTrue(error <= bound, what + ": relative error " + error + " > " + bound);
    }

    static void assertCloseBf16(String what, short[] actual, double[] expected, double bound) {
        assertClose(what, Bf16.toDoubles(actual), expected, bound);
    }

    static void assertCloseF32(String what, float[] actual, double[] expected, double bound) {
        double[] widened = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            widened[i] = actual[i];
        }
        assertClose(what, widened, expected, bound);
    }

    static short[] slice(short[] a, int from, int length) {
        short[] out = new short[length];
        System.arraycopy(a, from, out, 0, length);
        return out;
    }
}
