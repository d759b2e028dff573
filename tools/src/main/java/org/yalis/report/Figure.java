package org.yalis.report;

/**
 * A chart as the page shows it: its SVG and a caption (what every series or bar in it shares).
 */
record Figure(MarkupWriter svg, String caption) {
}
