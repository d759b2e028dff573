package org.yalis.nativelib.reference;

/**
 * The error measure of the differential tests (METHOD.md): {@code ||actual - expected||_2 /
 * ||expected||_2} over the compared elements, computed in double. A NaN or infinity in {@code actual}
 * where {@code expected} is finite makes the error infinite (NaN never passes). An all-zero reference
 * gives the absolute norm of the difference.
 */
public final class RelativeError {
    private RelativeError() {
    }

    public static double of(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("lengths differ: " + actual.length + " and " + expected.length);
        }
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Double.isFinite(expected[i])) {
                throw new IllegalArgumentException("the reference is not finite at " + i + ": " + expected[i]);
            }
            if (!Double.isFinite(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            double d = actual[i] - expected[i];
            difference += d * d;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.sqrt(difference) : Math.sqrt(difference / norm);
    }

    public static double ofBf16(short[] actual, double[] expected) {
        return of(Bf16.toDoubles(actual), expected);
    }

    public static double of(float[] actual, double[] expected) {
        double[] widened = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            widened[i] = actual[i];
        }
        return of(widened, expected);
    }
}
