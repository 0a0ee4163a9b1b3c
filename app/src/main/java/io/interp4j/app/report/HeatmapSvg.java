package io.interp4j.app.report;

import static io.interp4j.app.report.Html.escape;
import static io.interp4j.app.report.Svg.n;

import io.interp4j.api.experiment.StepResult.Chart;

/**
 * A heatmap as inline SVG: one {@code <rect class="cell">} per (x, y) that has data, coloured on the
 * viridis scale between the smallest and largest finite value (linearly, or logarithmically when the
 * values span orders of magnitude: {@link ColourScale}), grey for a non-finite value, with its value in a
 * {@code <title>} tooltip (and printed in the cell when the grid is small enough); category labels on
 * both axes, the axis names, and a legend with the scale's kind, minimum and maximum.
 */
final class HeatmapSvg {
    private static final int MAX_LABEL_CHARS = 28;
    private static final int MAX_X_LABEL_CHARS = 20;
    private static final int TOP = 26;
    /** Estimated width of a character of the 10 px cell values. */
    private static final double VALUE_CHAR_WIDTH = 6.2;

    private HeatmapSvg() {}

    static String render(Chart chart, ChartData d, String id) {
        int nx = d.x.size();
        int ny = d.y.size();
        if (nx == 0 || ny == 0) {
            return Svg.empty("No rows to draw.");
        }
        double yLabelWidth = Svg.textWidth(chart.y());
        for (String label : d.y.labels()) {
            yLabelWidth = Math.max(yLabelWidth, Svg.textWidth(Svg.cut(label, MAX_LABEL_CHARS)));
        }
        double left = 12 + yLabelWidth + 8;
        double cellW = Math.max(4, Math.min(56, Math.floor((Svg.WIDTH - left - 16) / nx)));
        double cellH = Math.max(14, Math.min(30, Math.min(cellW, Math.floor(720.0 / ny))));
        double plotW = cellW * nx;
        double plotH = cellH * ny;
        double bottom = TOP + plotH;

        double xLabelWidth = 0;
        for (String label : d.x.labels()) {
            xLabelWidth = Math.max(xLabelWidth, Svg.textWidth(Svg.cut(label, MAX_X_LABEL_CHARS)));
        }
        boolean rotate = xLabelWidth > cellW - 2 && xLabelWidth > 4 * Svg.CHAR_WIDTH;
        int xStep = rotate ? (int) Math.ceil(16 / cellW) : (int) Math.ceil((xLabelWidth + 6) / cellW);
        double xLabelsHeight = rotate ? xLabelWidth * 0.71 + 18 : 18;

        ColourScale scale = ColourScale.of(d.values, d.counts);
        // values are printed in the cells only when every one fits: some printed and some not reads as a pattern
        boolean printValues = nx * ny <= 400 && cellH >= 16;
        for (int j = 0; j < ny && printValues; j++) {
            for (int i = 0; i < nx && printValues; i++) {
                printValues = d.counts[j][i] == 0 || Format.number(d.values[j][i]).length() * VALUE_CHAR_WIDTH <= cellW - 4;
            }
        }
        StringBuilder cells = new StringBuilder();
        for (int j = 0; j < ny; j++) {
            for (int i = 0; i < nx; i++) {
                if (d.counts[j][i] == 0) {
                    continue;
                }
                double v = d.values[j][i];
                boolean finite = Double.isFinite(v);
                double t = finite ? scale.position(v) : 0.5;
                double x = left + i * cellW;
                double y = TOP + j * cellH;
                cells.append("<rect class=\"cell\" x=\"").append(n(x)).append("\" y=\"").append(n(y))
                        .append("\" width=\"").append(n(Math.max(1, cellW - 1))).append("\" height=\"").append(n(cellH - 1))
                        .append("\" fill=\"").append(finite ? Svg.sequential(t) : Svg.NON_FINITE_FILL).append("\"><title>")
                        .append(escape(d.tooltip(chart, i, j))).append("</title></rect>\n");
                String label = Format.number(v);
                if (printValues) {
                    cells.append("<text class=\"cellv ").append(finite && !Svg.darkTextOn(t) ? "light" : "dark").append("\" x=\"")
                            .append(n(x + (cellW - 1) / 2)).append("\" y=\"").append(n(y + (cellH - 1) / 2 + 3.5)).append("\">")
                            .append(escape(label))
                            .append("</text>\n");
                }
            }
        }

        // a grid wider than the page (hundreds of positions at the smallest cell) widens the drawing, which then scrolls
        int width = (int) Math.max(Svg.WIDTH, Math.ceil(left + plotW + 16));
        double titleY = bottom + xLabelsHeight + 14;
        double legendY = titleY + 16;
        double height = legendY + 36;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"chart heatmap").append(width > Svg.WIDTH ? " wide" : "").append("\" width=\"").append(width)
                .append("\" height=\"").append(n(height)).append("\" viewBox=\"0 0 ").append(width).append(' ').append(n(height))
                .append("\" role=\"img\" aria-label=\"").append(escape(chart.title())).append("\">\n");
        svg.append("<defs><linearGradient id=\"").append(id).append("-scale\">");
        for (int k = 0; k <= 8; k++) {
            svg.append("<stop offset=\"").append(k * 100 / 8).append("%\" stop-color=\"").append(Svg.sequential(k / 8.0)).append("\"/>");
        }
        svg.append("</linearGradient></defs>\n");
        svg.append("<rect class=\"frame\" x=\"").append(n(left - 0.5)).append("\" y=\"").append(n(TOP - 0.5)).append("\" width=\"")
                .append(n(plotW)).append("\" height=\"").append(n(plotH)).append("\"/>\n");
        svg.append(cells);

        // y: the axis name over the labels, one label a row
        svg.append("<text class=\"axis-title\" x=\"").append(n(left - 8)).append("\" y=\"").append(n(TOP - 9))
                .append("\" text-anchor=\"end\">").append(escape(chart.y())).append("</text>\n");
        for (int j = 0; j < ny; j++) {
            String full = d.y.labels().get(j);
            svg.append("<text class=\"tick\" x=\"").append(n(left - 8)).append("\" y=\"").append(n(TOP + j * cellH + cellH / 2 + 4))
                    .append("\" text-anchor=\"end\"><title>").append(escape(full)).append("</title>")
                    .append(escape(Svg.cut(full, MAX_LABEL_CHARS))).append("</text>\n");
        }
        // x: labels under the columns (every xStep-th when they would overlap), then the axis name
        for (int i = 0; i < nx; i += Math.max(1, xStep)) {
            String full = d.x.labels().get(i);
            double cx = left + i * cellW + cellW / 2;
            if (rotate) {
                svg.append("<text class=\"tick\" x=\"").append(n(cx)).append("\" y=\"").append(n(bottom + 12))
                        .append("\" text-anchor=\"end\" transform=\"rotate(-45 ").append(n(cx)).append(' ').append(n(bottom + 12))
                        .append(")\">");
            } else {
                svg.append("<text class=\"tick\" x=\"").append(n(cx)).append("\" y=\"").append(n(bottom + 15))
                        .append("\" text-anchor=\"middle\">");
            }
            svg.append("<title>").append(escape(full)).append("</title>").append(escape(Svg.cut(full, MAX_X_LABEL_CHARS)))
                    .append("</text>\n");
        }
        svg.append("<text class=\"axis-title\" x=\"").append(n(left + plotW / 2)).append("\" y=\"").append(n(titleY))
                .append("\" text-anchor=\"middle\">").append(escape(chart.x())).append("</text>\n");

        legend(svg, chart, d, scale, id, left, legendY);
        svg.append("</svg>");
        return svg.toString();
    }

    private static void legend(StringBuilder svg, Chart chart, ChartData d, ColourScale scale, String id, double left, double y) {
        double x = left;
        svg.append("<text class=\"legend\" x=\"").append(n(x)).append("\" y=\"").append(n(y + 10)).append("\">")
                .append(escape(chart.value())).append("</text>\n");
        x += Svg.textWidth(chart.value()) + 10;
        if (d.hasFinite()) {
            svg.append("<rect class=\"scale\" x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"240\" height=\"12\" fill=\"url(#")
                    .append(id).append("-scale)\"/>\n");
            svg.append("<text class=\"legend\" x=\"").append(n(x)).append("\" y=\"").append(n(y + 27)).append("\">min ")
                    .append(escape(Format.number(d.min))).append("</text>\n");
            svg.append("<text class=\"legend\" x=\"").append(n(x + 240)).append("\" y=\"").append(n(y + 27))
                    .append("\" text-anchor=\"end\">max ").append(escape(Format.number(d.max))).append("</text>\n");
            x += 250;
            String words = scale.describe();
            svg.append("<text class=\"legend scale-kind\" x=\"").append(n(x)).append("\" y=\"").append(n(y + 10)).append("\">")
                    .append(escape(words)).append("</text>\n");
            x += Svg.textWidth(words) + 16;
        } else {
            svg.append("<text class=\"legend\" x=\"").append(n(x)).append("\" y=\"").append(n(y + 10)).append("\">no finite values</text>\n");
            x += 130;
        }
        if (d.hasNonFinite()) {
            svg.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(Svg.NON_FINITE_FILL).append("\"/>\n");
            svg.append("<text class=\"legend\" x=\"").append(n(x + 18)).append("\" y=\"").append(n(y + 10))
                    .append("\">NaN or ±∞</text>\n");
        }
    }
}
