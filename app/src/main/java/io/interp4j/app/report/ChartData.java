package io.interp4j.app.report;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A chart's table as a grid: x categories × y categories, each cell the mean of the values of the rows
 * that fall in it (a duplicate (x, y) is rare, but a mean is what a reader expects; a non-finite value
 * makes the mean non-finite). Rows whose x or y is missing cannot be placed and are left out; a value
 * that is not a number counts as missing.
 */
final class ChartData {
    /**
     * One axis: its categories in display order.
     *
     * @param labels the labels
     * @param numeric the categories' numbers when every one is a number (then sorted ascending), else null
     */
    record Axis(List<String> labels, double[] numeric) {
        int size() {
            return labels.size();
        }

        boolean isNumeric() {
            return numeric != null;
        }
    }

    final Axis x;
    final Axis y;
    /** Mean per cell, [y][x]; meaningful where {@link #counts} is positive. */
    final double[][] values;
    /** Rows per cell, [y][x]; 0 where there is no data. */
    final int[][] counts;
    /** Smallest and largest finite cell value; NaN when there is none. */
    final double min;
    final double max;

    private ChartData(Axis x, Axis y, double[][] values, int[][] counts) {
        this.x = x;
        this.y = y;
        this.values = values;
        this.counts = counts;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < y.size(); j++) {
            for (int i = 0; i < x.size(); i++) {
                if (counts[j][i] > 0 && Double.isFinite(values[j][i])) {
                    lo = Math.min(lo, values[j][i]);
                    hi = Math.max(hi, values[j][i]);
                }
            }
        }
        this.min = lo <= hi ? lo : Double.NaN;
        this.max = lo <= hi ? hi : Double.NaN;
    }

    boolean hasFinite() {
        return !Double.isNaN(min);
    }

    boolean hasNonFinite() {
        for (int j = 0; j < y.size(); j++) {
            for (int i = 0; i < x.size(); i++) {
                if (counts[j][i] > 0 && !Double.isFinite(values[j][i])) {
                    return true;
                }
            }
        }
        return false;
    }

    static ChartData of(Chart chart, Table table) {
        int xc = table.columns().indexOf(chart.x());
        int yc = table.columns().indexOf(chart.y());
        int vc = table.columns().indexOf(chart.value());
        List<List<Object>> rows = table.rows().stream().filter(r -> r.get(xc) != null && r.get(yc) != null).toList();
        Axis x = axis(rows.stream().map(r -> r.get(xc)).toList());
        Axis y = axis(rows.stream().map(r -> r.get(yc)).toList());
        Map<String, Integer> xIndex = index(x);
        Map<String, Integer> yIndex = index(y);
        double[][] sums = new double[y.size()][x.size()];
        int[][] counts = new int[y.size()][x.size()];
        for (List<Object> row : rows) {
            Double v = Format.toDouble(row.get(vc));
            if (v == null) {
                continue;
            }
            int i = xIndex.get(key(row.get(xc), x));
            int j = yIndex.get(key(row.get(yc), y));
            sums[j][i] += v;
            counts[j][i]++;
        }
        for (int j = 0; j < y.size(); j++) {
            for (int i = 0; i < x.size(); i++) {
                if (counts[j][i] > 0) {
                    sums[j][i] /= counts[j][i];
                }
            }
        }
        return new ChartData(x, y, sums, counts);
    }

    /** Finite numbers sorted ascending (3 and 3.0 are one category), anything else in order of first appearance. */
    private static Axis axis(List<Object> values) {
        boolean numeric = values.stream().allMatch(v -> v instanceof Number n && Double.isFinite(n.doubleValue()));
        if (numeric) {
            TreeMap<Double, String> sorted = new TreeMap<>();
            for (Object v : values) {
                sorted.putIfAbsent(((Number) v).doubleValue(), Format.cell(v));
            }
            return new Axis(List.copyOf(sorted.values()), sorted.keySet().stream().mapToDouble(Double::doubleValue).toArray());
        }
        LinkedHashMap<String, Boolean> seen = new LinkedHashMap<>();
        for (Object v : values) {
            seen.putIfAbsent(Format.cell(v), Boolean.TRUE);
        }
        return new Axis(List.copyOf(seen.keySet()), null);
    }

    private static Map<String, Integer> index(Axis axis) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < axis.size(); i++) {
            index.put(axis.isNumeric() ? Double.toString(axis.numeric()[i]) : axis.labels().get(i), i);
        }
        return index;
    }

    private static String key(Object value, Axis axis) {
        return axis.isNumeric() ? Double.toString(((Number) value).doubleValue()) : Format.cell(value);
    }

    /** The values of one y category (a line's series) at each x, for charts that need them as a list. */
    List<double[]> points(int j) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < x.size(); i++) {
            if (counts[j][i] > 0 && Double.isFinite(values[j][i])) {
                points.add(new double[] {i, values[j][i]});
            }
        }
        return points;
    }

    /** The tooltip of a cell or point: its categories and its value, and how many rows it averages. */
    String tooltip(Chart chart, int i, int j) {
        String s = chart.y() + " = " + y.labels().get(j) + ", " + chart.x() + " = " + x.labels().get(i) + ": " + chart.value() + " = "
                + Format.number(values[j][i]);
        return counts[j][i] > 1 ? s + " (mean of " + counts[j][i] + " rows)" : s;
    }
}
