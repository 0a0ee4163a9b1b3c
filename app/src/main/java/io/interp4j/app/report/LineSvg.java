package io.interp4j.app.report;

import static io.interp4j.app.report.Html.escape;
import static io.interp4j.app.report.Svg.n;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import java.util.List;

/**
 * A line chart as inline SVG: one {@code <polyline>} per series (the chart's y column) over the x
 * column, on a linear axis when every x is a finite number and as evenly spaced categories in table
 * order otherwise; a point with a {@code <title>} tooltip for every finite value (non-finite values are
 * skipped, so the line joins their neighbours); round ticks on both axes, grid lines, the axis names and
 * a legend.
 */
final class LineSvg {
    private static final int TOP = 14;
    private static final int PLOT_HEIGHT = 300;
    private static final int MAX_SERIES_CHARS = 26;
    private static final int MAX_X_LABEL_CHARS = 20;
    private static final int LEGEND_ROW = 18;

    private LineSvg() {}

    static String render(Chart chart, ChartData d) {
        int nx = d.x.size();
        int ny = d.y.size();
        if (!d.hasFinite()) {
            return Svg.empty(nx == 0 ? "No rows to draw." : "No finite values to draw.");
        }
        double[] yDomain = Svg.niceDomain(d.min, d.max, 6);
        double[] yTicks = Svg.ticks(yDomain[0], yDomain[1], 6);
        String[] yTickLabels = Svg.tickLabels(yTicks);
        double yLabelWidth = 0;
        for (String label : yTickLabels) {
            yLabelWidth = Math.max(yLabelWidth, Svg.textWidth(label));
        }
        double legendLabelWidth = 0;
        for (String label : d.y.labels()) {
            legendLabelWidth = Math.max(legendLabelWidth, Svg.textWidth(Svg.cut(label, MAX_SERIES_CHARS)));
        }
        legendLabelWidth = Math.max(legendLabelWidth, Svg.textWidth(Svg.cut(chart.y(), MAX_SERIES_CHARS)));
        double legendWidth = 30 + legendLabelWidth + 12;
        double x0 = 26 + yLabelWidth + 8;
        double x1 = Svg.WIDTH - legendWidth - 20;
        double plotW = x1 - x0;
        double y0 = TOP;
        double y1 = TOP + PLOT_HEIGHT;

        // x positions of the categories, and the ticks to label
        double[] px = new double[nx];
        StringBuilder xAxis = new StringBuilder();
        double xLabelsHeight = 20;
        if (d.x.isNumeric()) {
            double[] xs = d.x.numeric();
            double lo = xs[0];
            double hi = xs[nx - 1];
            if (!(hi > lo)) {
                lo -= 1;
                hi += 1;
            }
            for (int i = 0; i < nx; i++) {
                px[i] = x0 + scale(xs[i], lo, hi) * plotW;
            }
            boolean integral = true;
            for (double v : xs) {
                integral &= v == Math.rint(v);
            }
            int target = (int) Math.max(2, Math.min(plotW / 70, integral ? hi - lo + 1 : Double.MAX_VALUE));
            double[] xTicks = Svg.ticks(lo, hi, target);
            String[] xTickLabels = Svg.tickLabels(xTicks);
            for (int k = 0; k < xTicks.length; k++) {
                double x = x0 + scale(xTicks[k], lo, hi) * plotW;
                xAxis.append("<line class=\"tickmark\" x1=\"").append(n(x)).append("\" y1=\"").append(n(y1)).append("\" x2=\"")
                        .append(n(x)).append("\" y2=\"").append(n(y1 + 4)).append("\"/>")
                        .append("<text class=\"tick\" x=\"").append(n(x)).append("\" y=\"").append(n(y1 + 17))
                        .append("\" text-anchor=\"middle\">").append(escape(xTickLabels[k])).append("</text>\n");
            }
        } else {
            double slot = plotW / Math.max(1, nx);
            double labelWidth = 0;
            for (int i = 0; i < nx; i++) {
                px[i] = x0 + (i + 0.5) * slot;
                labelWidth = Math.max(labelWidth, Svg.textWidth(Svg.cut(d.x.labels().get(i), MAX_X_LABEL_CHARS)));
            }
            boolean rotate = labelWidth > slot - 4 && labelWidth > 4 * Svg.CHAR_WIDTH;
            int step = Math.max(1, rotate ? (int) Math.ceil(16 / slot) : (int) Math.ceil((labelWidth + 8) / slot));
            if (rotate) {
                xLabelsHeight = labelWidth * 0.71 + 20;
            }
            for (int i = 0; i < nx; i += step) {
                String full = d.x.labels().get(i);
                xAxis.append("<line class=\"tickmark\" x1=\"").append(n(px[i])).append("\" y1=\"").append(n(y1)).append("\" x2=\"")
                        .append(n(px[i])).append("\" y2=\"").append(n(y1 + 4)).append("\"/>");
                if (rotate) {
                    xAxis.append("<text class=\"tick\" x=\"").append(n(px[i])).append("\" y=\"").append(n(y1 + 14))
                            .append("\" text-anchor=\"end\" transform=\"rotate(-45 ").append(n(px[i])).append(' ')
                            .append(n(y1 + 14)).append(")\">");
                } else {
                    xAxis.append("<text class=\"tick\" x=\"").append(n(px[i])).append("\" y=\"").append(n(y1 + 17))
                            .append("\" text-anchor=\"middle\">");
                }
                xAxis.append("<title>").append(escape(full)).append("</title>").append(escape(Svg.cut(full, MAX_X_LABEL_CHARS)))
                        .append("</text>\n");
            }
        }

        double xTitleY = y1 + xLabelsHeight + 14;
        double height = Math.max(xTitleY + 12, TOP + 24 + (ny + 1) * LEGEND_ROW);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"chart line\" width=\"").append(Svg.WIDTH).append("\" height=\"").append(n(height))
                .append("\" viewBox=\"0 0 ").append(Svg.WIDTH).append(' ').append(n(height)).append("\" role=\"img\" aria-label=\"")
                .append(escape(chart.title())).append("\">\n");

        // y: grid lines with their values, a stronger line at zero, the axis name turned upright
        double yLo = yDomain[0];
        double yHi = yDomain[1];
        for (int k = 0; k < yTicks.length; k++) {
            double t = yTicks[k];
            double y = y1 - scale(t, yLo, yHi) * PLOT_HEIGHT;
            svg.append("<line class=\"").append(t == 0 ? "zero" : "grid").append("\" x1=\"").append(n(x0)).append("\" y1=\"").append(n(y))
                    .append("\" x2=\"").append(n(x1)).append("\" y2=\"").append(n(y)).append("\"/>")
                    .append("<text class=\"tick\" x=\"").append(n(x0 - 6)).append("\" y=\"").append(n(y + 4))
                    .append("\" text-anchor=\"end\">").append(escape(yTickLabels[k])).append("</text>\n");
        }
        svg.append("<line class=\"axis\" x1=\"").append(n(x0)).append("\" y1=\"").append(n(y0)).append("\" x2=\"").append(n(x0))
                .append("\" y2=\"").append(n(y1)).append("\"/>");
        svg.append("<line class=\"axis\" x1=\"").append(n(x0)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x1))
                .append("\" y2=\"").append(n(y1)).append("\"/>\n");
        double yTitleX = 14;
        double yTitleY = y0 + PLOT_HEIGHT / 2.0;
        svg.append("<text class=\"axis-title\" x=\"").append(n(yTitleX)).append("\" y=\"").append(n(yTitleY))
                .append("\" text-anchor=\"middle\" transform=\"rotate(-90 ").append(n(yTitleX)).append(' ').append(n(yTitleY)).append(")\">")
                .append(escape(Svg.cut(chart.value(), 40))).append("</text>\n");
        svg.append(xAxis);
        svg.append("<text class=\"axis-title\" x=\"").append(n((x0 + x1) / 2)).append("\" y=\"").append(n(xTitleY))
                .append("\" text-anchor=\"middle\">").append(escape(chart.x())).append("</text>\n");

        // the series
        for (int j = 0; j < ny; j++) {
            List<double[]> points = d.points(j);
            if (points.isEmpty()) {
                continue;
            }
            String colour = Svg.seriesColour(j);
            String dash = Svg.seriesDash(j);
            svg.append("<g class=\"series\"><polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\"");
            if (!dash.isEmpty()) {
                svg.append(" stroke-dasharray=\"").append(dash).append('"');
            }
            svg.append(" points=\"");
            StringBuilder marks = new StringBuilder();
            // many points: small marks without the white ring, which would bead the line
            boolean dense = points.size() > 40;
            double r = dense ? 1.8 : 3.2;
            for (double[] p : points) {
                int i = (int) p[0];
                double x = px[i];
                double y = y1 - scale(p[1], yLo, yHi) * PLOT_HEIGHT;
                svg.append(n(x)).append(',').append(n(y)).append(' ');
                marks.append(dense ? "<circle class=\"dense\" cx=\"" : "<circle cx=\"").append(n(x)).append("\" cy=\"").append(n(y)).append("\" r=\"").append(n(r))
                        .append("\" fill=\"").append(colour).append("\"><title>").append(escape(d.tooltip(chart, i, j)))
                        .append("</title></circle>");
            }
            svg.setLength(svg.length() - 1);
            svg.append("\"/>\n").append(marks).append("</g>\n");
        }

        // legend: the series' name, then one row per series
        double lx = x1 + 20;
        svg.append("<text class=\"axis-title\" x=\"").append(n(lx)).append("\" y=\"").append(n(TOP + 10)).append("\">")
                .append(escape(Svg.cut(chart.y(), MAX_SERIES_CHARS))).append("</text>\n");
        for (int j = 0; j < ny; j++) {
            double ly = TOP + 10 + (j + 1) * LEGEND_ROW;
            String full = d.y.labels().get(j);
            svg.append("<g class=\"legend-row\"><title>").append(escape(full)).append("</title><line x1=\"").append(n(lx))
                    .append("\" y1=\"").append(n(ly - 4)).append("\" x2=\"").append(n(lx + 22)).append("\" y2=\"").append(n(ly - 4))
                    .append("\" stroke=\"").append(Svg.seriesColour(j)).append("\" stroke-width=\"3\"");
            if (!Svg.seriesDash(j).isEmpty()) {
                svg.append(" stroke-dasharray=\"").append(Svg.seriesDash(j)).append('"');
            }
            svg.append("/><text class=\"legend\" x=\"").append(n(lx + 30)).append("\" y=\"").append(n(ly)).append("\">")
                    .append(escape(Svg.cut(full, MAX_SERIES_CHARS))).append("</text></g>\n");
        }
        svg.append("</svg>");
        return svg.toString();
    }

    /**
     * Draws a {@link io.interp4j.api.experiment.StepResult.ChartType#LINE_PER_SERIES} chart: one line
     * chart per series, each on its own vertical axis titled with the series' name, so that no axis
     * mixes units.
     *
     * @param h where the SVG drawings are appended
     * @param chart the chart
     * @param table its table
     */
    static void panels(StringBuilder h, Chart chart, Table table) {
        int yc = table.columns().indexOf(chart.y());
        for (String series : ChartData.of(chart, table).y.labels()) {
            List<List<Object>> rows = table.rows().stream().filter(r -> r.get(yc) != null && Format.cell(r.get(yc)).equals(series)).toList();
            Table one = new Table(table.name(), table.columns(), rows);
            // the series' name titles the vertical axis: it is what the numbers measure
            Chart drawn = new Chart(chart.title() + ": " + series, ChartType.LINE, chart.table(), chart.x(), chart.y(), series);
            h.append(render(drawn, ChartData.of(chart, one)));
        }
    }

    /** Where v lies between lo and hi, 0 to 1; in halves, so that a range beyond Double.MAX_VALUE does not overflow. */
    private static double scale(double v, double lo, double hi) {
        return (v / 2 - lo / 2) / (hi / 2 - lo / 2);
    }
}
