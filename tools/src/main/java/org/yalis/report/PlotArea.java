package org.yalis.report;

/** The rectangle inside a chart's axes, in SVG pixels (y grows downwards). */
record PlotArea(double left, double top, double width, double height) {

    double right() {
        return left + width;
    }

    double bottom() {
        return top + height;
    }
}
