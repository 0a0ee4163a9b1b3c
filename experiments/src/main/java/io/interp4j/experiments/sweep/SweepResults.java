package io.interp4j.experiments.sweep;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns a sweep's per-prompt values into its tables, charts and summary. Aggregation follows the
 * published study: a family's value is the mean over its prompts, and the overall value is the mean of
 * the family means (families weigh equally whatever their size); the plain mean over prompts is given
 * beside it.
 */
final class SweepResults {
    /** Column names the sweep's tables use besides the axes and metrics; axes and metric names may not take them. */
    static final List<String> RESERVED = List.of("task", "family", "metric", "mean", "n", "prompt-mean", "families", "prompts");

    private final List<Axis> axes;
    private final List<Point> points;
    private final List<Task> tasks;
    private final List<String> metrics;
    private final double[][][] values;
    private final Map<String, List<Integer>> families = new LinkedHashMap<>();
    /** [point][family][metric] mean over the family's prompts. */
    private final double[][][] familyMeans;

    /**
     * Aggregates.
     *
     * @param axes the swept keys
     * @param points the points, in sweep order
     * @param tasks the tasks, in suite order
     * @param metrics the metric names, in settings order
     * @param values {@code [point][task][metric]}
     */
    SweepResults(List<Axis> axes, List<Point> points, List<Task> tasks, List<String> metrics, double[][][] values) {
        this.axes = axes;
        this.points = points;
        this.tasks = tasks;
        this.metrics = metrics;
        this.values = values;
        for (int t = 0; t < tasks.size(); t++) {
            families.computeIfAbsent(tasks.get(t).family(), f -> new ArrayList<>()).add(t);
        }
        familyMeans = new double[points.size()][families.size()][metrics.size()];
        for (int p = 0; p < points.size(); p++) {
            int f = 0;
            for (List<Integer> members : families.values()) {
                for (int m = 0; m < metrics.size(); m++) {
                    double sum = 0;
                    for (int t : members) {
                        sum += values[p][t][m];
                    }
                    familyMeans[p][f][m] = sum / members.size();
                }
                f++;
            }
        }
    }

    /**
     * Returns the mean of the family means of one metric at one point.
     *
     * @param p the point
     * @param m the metric
     * @return the mean over families
     */
    double overallMean(int p, int m) {
        double sum = 0;
        for (double[] family : familyMeans[p]) {
            sum += family[m];
        }
        return sum / familyMeans[p].length;
    }

    private double promptMean(int p, int m) {
        double sum = 0;
        for (double[] task : values[p]) {
            sum += task[m];
        }
        return sum / values[p].length;
    }

    /**
     * Builds the step result.
     *
     * @param summary headline values to add after the argmax
     * @return the tables, charts and summary
     */
    StepResult result(Map<String, Object> summary) {
        List<Table> tables = new ArrayList<>(List.of(perPrompt(), perFamily(), overall()));
        List<Chart> charts = new ArrayList<>();
        chartsOver("layer", true, tables, charts);
        chartsOver("scale", false, tables, charts);
        Map<String, Object> headline = new LinkedHashMap<>();
        headline.put("metric", metrics.get(0));
        headline.putAll(argmax());
        headline.putAll(summary);
        return new StepResult(tables, charts, headline);
    }

    private List<String> axisColumns() {
        return axes.stream().map(Axis::name).toList();
    }

    private Table perPrompt() {
        List<String> columns = new ArrayList<>(axisColumns());
        columns.addAll(List.of("task", "family"));
        columns.addAll(metrics);
        List<List<Object>> rows = new ArrayList<>();
        for (int p = 0; p < points.size(); p++) {
            for (int t = 0; t < tasks.size(); t++) {
                List<Object> row = new ArrayList<>(points.get(p).cells());
                row.add(tasks.get(t).id());
                row.add(tasks.get(t).family());
                for (int m = 0; m < metrics.size(); m++) {
                    row.add(values[p][t][m]);
                }
                rows.add(row);
            }
        }
        return new Table("per-prompt", columns, rows);
    }

    private Table perFamily() {
        List<String> columns = new ArrayList<>(axisColumns());
        columns.addAll(List.of("family", "metric", "mean", "n"));
        List<List<Object>> rows = new ArrayList<>();
        for (int p = 0; p < points.size(); p++) {
            int f = 0;
            for (Map.Entry<String, List<Integer>> family : families.entrySet()) {
                for (int m = 0; m < metrics.size(); m++) {
                    List<Object> row = new ArrayList<>(points.get(p).cells());
                    row.addAll(List.of(family.getKey(), metrics.get(m), familyMeans[p][f][m], family.getValue().size()));
                    rows.add(row);
                }
                f++;
            }
        }
        return new Table("per-family", columns, rows);
    }

    private Table overall() {
        List<String> columns = new ArrayList<>(axisColumns());
        columns.addAll(List.of("metric", "mean", "prompt-mean", "families", "prompts"));
        List<List<Object>> rows = new ArrayList<>();
        for (int p = 0; p < points.size(); p++) {
            for (int m = 0; m < metrics.size(); m++) {
                List<Object> row = new ArrayList<>(points.get(p).cells());
                row.addAll(List.of(metrics.get(m), overallMean(p, m), promptMean(p, m), families.size(), tasks.size()));
                rows.add(row);
            }
        }
        return new Table("overall", columns, rows);
    }

    /**
     * Adds charts over one axis, if it is swept: one set per combination of the other axes' values.
     * Each chart reads a table of its own, as a chart cannot filter the shared tables.
     */
    private void chartsOver(String axisName, boolean heatmap, List<Table> tables, List<Chart> charts) {
        int a = axisColumns().indexOf(axisName);
        if (a < 0) {
            return;
        }
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int p = 0; p < points.size(); p++) {
            StringJoiner others = new StringJoiner(", ", " [", "]").setEmptyValue("");
            for (int i = 0; i < axes.size(); i++) {
                if (i != a) {
                    others.add(axes.get(i).name() + " = " + points.get(p).cells().get(i));
                }
            }
            groups.computeIfAbsent(others.toString(), k -> new ArrayList<>()).add(p);
        }
        String first = metrics.get(0);
        groups.forEach((suffix, members) -> {
            if (heatmap) {
                List<List<Object>> rows = new ArrayList<>();
                for (int p : members) {
                    int f = 0;
                    for (String family : families.keySet()) {
                        rows.add(Arrays.asList(points.get(p).cells().get(a), family, familyMeans[p][f][0]));
                        f++;
                    }
                }
                String name = axisName + "-family" + suffix;
                tables.add(new Table(name, List.of(axisName, "family", first), rows));
                charts.add(new Chart(first + ": mean over each family's prompts, by " + axisName + suffix, ChartType.HEATMAP, name,
                        axisName, "family", first));
            }
            List<List<Object>> rows = new ArrayList<>();
            for (int p : members) {
                for (int m = 0; m < metrics.size(); m++) {
                    rows.add(Arrays.asList(points.get(p).cells().get(a), metrics.get(m), overallMean(p, m)));
                }
            }
            String name = axisName + "-metrics" + suffix;
            tables.add(new Table(name, List.of(axisName, "metric", "mean"), rows));
            charts.add(new Chart("mean over families, by " + axisName + suffix, ChartType.LINE_PER_SERIES, name, axisName, "metric", "mean"));
        });
    }

    /**
     * Finds the point where the first metric's mean over families is largest (NaN ignored, +∞ counts;
     * the first point wins ties): the published "hub layer" when the layer is swept.
     */
    private Map<String, Object> argmax() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (axes.isEmpty()) {
            out.put("mean", overallMean(0, 0));
            return out;
        }
        int best = -1;
        for (int p = 0; p < points.size(); p++) {
            double v = overallMean(p, 0);
            if (!Double.isNaN(v) && (best < 0 || v > overallMean(best, 0))) {
                best = p;
            }
        }
        if (best < 0) {
            return out;
        }
        for (int i = 0; i < axes.size(); i++) {
            out.put("argmax-" + axes.get(i).name(), points.get(best).cells().get(i));
        }
        out.put("argmax-mean", overallMean(best, 0));
        return out;
    }
}
