package org.yalis.report;

import java.util.List;

/** Maps data values onto pixels along one axis, and says where that axis's labelled ticks go. */
public interface Scale {

    /** The pixel position of {@code value} (values outside the domain land outside the range). */
    double toPixel(double value);

    /** The labelled ticks, in increasing value. */
    List<Tick> ticks();

    /** A tick: the value it marks and the text under (or beside) it. */
    record Tick(double value, String label) {
    }
}
