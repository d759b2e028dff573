package org.yalis.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * A logarithmic axis whose domain runs from the power of {@code base} at or below the smallest
 * value to the power at or above the largest: message sizes (base 2, one tick per doubling) and
 * latencies (base 10) span several orders of magnitude, which a linear axis would crush into one
 * corner. When there would be more than {@value #MAX_LABELS} ticks, only every n-th power is
 * labelled.
 */
public final class LogScale implements Scale {
    private static final int MAX_LABELS = 10;

    private final int base;
    private final int lowExponent;
    private final int highExponent;
    private final double pixelAtLow;
    private final double pixelAtHigh;
    private final DoubleFunction<String> labels;

    /**
     * @param smallestValue the smallest value drawn, positive
     * @param largestValue  the largest value drawn
     * @param labels        the text of a tick at a power of {@code base}
     */
    public LogScale(int base, double smallestValue, double largestValue, double pixelAtLow, double pixelAtHigh,
                    DoubleFunction<String> labels) {
        if (base < 2) {
            throw new IllegalArgumentException("log base " + base);
        }
        if (!(smallestValue > 0) || largestValue < smallestValue) {
            throw new IllegalArgumentException("a log axis needs 0 < smallest <= largest, got " + smallestValue
                    + " .. " + largestValue);
        }
        this.base = base;
        int low = (int) Math.floor(log(smallestValue) + 1e-9);
        int high = (int) Math.ceil(log(largestValue) - 1e-9);
        // A single power alone still gets an axis one power wide (upwards: 1 rank must not grow a 0.5 tick).
        this.lowExponent = low;
        this.highExponent = high == low ? high + 1 : high;
        this.pixelAtLow = pixelAtLow;
        this.pixelAtHigh = pixelAtHigh;
        this.labels = labels;
    }

    @Override
    public double toPixel(double value) {
        double fraction = (log(value) - lowExponent) / (highExponent - lowExponent);
        return pixelAtLow + (pixelAtHigh - pixelAtLow) * fraction;
    }

    @Override
    public List<Tick> ticks() {
        int powers = highExponent - lowExponent;
        int every = (powers + MAX_LABELS - 1) / MAX_LABELS;
        // Two decades or less of base 10 would leave too few ticks to read a value: add 2x and 5x.
        double[] multiples = base == 10 && powers <= 2 ? new double[] {1, 2, 5} : new double[] {1};
        List<Tick> ticks = new ArrayList<>();
        for (int exponent = lowExponent; exponent <= highExponent; exponent += every) {
            for (double multiple : multiples) {
                double value = multiple * Math.pow(base, exponent);
                if (exponent < highExponent || multiple == 1) {
                    ticks.add(new Tick(value, labels.apply(value)));
                }
            }
        }
        return ticks;
    }

    private double log(double value) {
        return Math.log(value) / Math.log(base);
    }
}
