package org.yalis.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A linear axis that starts at zero (times and bandwidths are compared by their size, so bars and
 * lines must not start at an arbitrary offset) and ends at the first "nice" tick (1, 2 or 5 times a
 * power of ten) at or above the largest value.
 */
public final class LinearScale implements Scale {
    private static final int TARGET_TICKS = 5;

    private final double pixelAtZero;
    private final double pixelAtMax;
    private final double max;
    private final double step;

    /**
     * @param largestValue the largest value drawn (negative values are not drawn on these charts)
     * @param pixelAtZero  where zero goes (the bottom of a vertical axis)
     * @param pixelAtEnd   where the top of the domain goes
     */
    public LinearScale(double largestValue, double pixelAtZero, double pixelAtEnd) {
        double top = largestValue > 0 && Double.isFinite(largestValue) ? largestValue : 1;
        this.step = niceStep(top / TARGET_TICKS);
        this.max = Math.ceil(top / step - 1e-9) * step;
        this.pixelAtZero = pixelAtZero;
        this.pixelAtMax = pixelAtEnd;
    }

    /** The end of the domain: the last tick. */
    public double max() {
        return max;
    }

    @Override
    public double toPixel(double value) {
        return pixelAtZero + (pixelAtMax - pixelAtZero) * value / max;
    }

    @Override
    public List<Tick> ticks() {
        List<Tick> ticks = new ArrayList<>();
        int count = (int) Math.round(max / step);
        for (int i = 0; i <= count; i++) {
            double value = i * step;
            ticks.add(new Tick(value, label(value)));
        }
        return ticks;
    }

    /** As many decimals as the step needs: 0.25 steps get two, 50 steps none. */
    private String label(double value) {
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (step / Math.pow(10, -decimals) % 1 > 1e-9) {
            decimals++;   // 2.5 x 10^k steps need one more
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** The smallest of 1, 2, 2.5, 5, 10 times a power of ten that is at least {@code rough}. */
    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * power >= rough * (1 - 1e-9)) {
                return factor * power;
            }
        }
        return 10 * power;
    }
}
