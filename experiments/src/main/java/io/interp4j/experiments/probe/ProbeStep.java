package io.interp4j.experiments.probe;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.experiments.common.Cells;
import io.interp4j.experiments.common.CountingModel;
import io.interp4j.experiments.common.PluginRef;
import io.interp4j.experiments.common.Scope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a probe over the step's prompt sets. The forward count is an estimate made before running: one
 * per prompt of the step's split, as most probes run each prompt of one set once; probes reading two
 * sets (mean-difference) or none (adapter-norms) run more or fewer, and the summary reports the count
 * actually run.
 */
final class ProbeStep implements Experiment {
    private final Scope scope;
    private final PluginRef probe;

    ProbeStep(Scope scope, PluginRef probe) {
        this.scope = scope;
        this.probe = probe;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        Set<Problem> problems = new LinkedHashSet<>(scope.validate(context));
        String root = context.path();
        List<Problem> unknownId = context.checkPlugin(PluginKind.PROBE, probe.id(), ConfigFactory.empty(), probe.path(root, "id"));
        if (!unknownId.isEmpty()) {
            problems.addAll(unknownId);
            return List.copyOf(problems);
        }
        String settingsPath = probe.path(root, "settings");
        List<Problem> settingsProblems = context.checkPlugin(PluginKind.PROBE, probe.id(), probe.settings(), settingsPath);
        problems.addAll(settingsProblems);
        if (settingsProblems.isEmpty()) {
            String prefix = PluginKind.PROBE.problemPath(probe.id());
            try {
                Probe created = context.probe(probe.id(), probe.settings());
                // what the settings ask of the model (top-k against its vocabulary, layers it has), before anything runs
                if (context.modelNames().contains(scope.model())) {
                    problems.addAll(probe.modelProblems(PluginKind.PROBE, created.checkAgainst(context.modelConfig(scope.model())), root,
                            scope.model()));
                }
            } catch (Interp4jException e) {
                problems.addAll(Problem.rebased(e.problemsAt(settingsPath), prefix, settingsPath));
            }
        }
        return List.copyOf(problems);
    }

    @Override
    public long forwardPasses(StudyContext context) {
        return scope.tasks(context).size();
    }

    @Override
    public String describe() {
        String settings = probe.settings().isEmpty() ? "" : " " + probe.settings().root().render(ConfigRenderOptions.concise());
        return "probe: " + probe.id() + settings + " over " + scope.describe();
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        long budget = forwardPasses(context);
        Scope.Prompts prompts = scope.prepare(context);
        long[] counted = {0};
        CountingModel model = new CountingModel(prompts::model, prompts.model().config(), n -> {
            long reported = Math.min(n, Math.max(0, budget - counted[0]));
            counted[0] += n;
            if (reported > 0) {
                progress.advance(reported);
            }
        });
        Probe created = context.probe(probe.id(), probe.settings());
        ProbeResult result;
        try {
            result = created.run(ProbeContext.of(model, prompts.sets()));
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), context.path() + ".probe: probe '" + probe.id() + "': " + e.getMessage(), e);
        }
        if (counted[0] < budget) {
            progress.advance(budget - counted[0]);
        }
        List<Table> tables = new ArrayList<>();
        List<Chart> charts = new ArrayList<>();
        Table rows = rows(result.rows());
        tables.add(rows);
        tables.add(tensors(result.tensors()));
        byLayer(rows).ifPresent(table -> {
            tables.add(table);
            charts.add(new Chart(probe.id() + ": mean over rows, by layer", ChartType.LINE_PER_SERIES, table.name(), "layer", "measure", "mean"));
        });
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("probe", probe.id());
        summary.put("prompts", prompts.tasks().size());
        summary.put("rows", result.rows().size());
        summary.put("tensors", result.tensors().size());
        summary.put("forward-passes", counted[0]);
        return new StepResult(tables, charts, summary);
    }

    /** The probe's rows; the columns are the union of the rows' keys in order of first appearance. */
    private static Table rows(List<Map<String, Object>> rows) {
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> columns.addAll(r.keySet()));
        List<List<Object>> cells = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            List<Object> line = new ArrayList<>();
            for (String column : columns) {
                line.add(Cells.of(row.get(column)));
            }
            cells.add(line);
        }
        return new Table("rows", List.copyOf(columns), cells);
    }

    private static Table tensors(Map<String, TensorData> tensors) {
        List<List<Object>> rows = new ArrayList<>();
        tensors.forEach((name, t) -> rows.add(List.of(name, Arrays.toString(t.shape()), t.size(), t.norm())));
        return new Table("tensors", List.of("name", "shape", "size", "norm"), rows);
    }

    /**
     * When the rows have a {@code layer} column, the mean per layer of every column holding
     * floating-point numbers (integer columns are counts and indices such as heads, not measurements),
     * as a long table (layer, measure, mean) that a line chart reads.
     */
    private static Optional<Table> byLayer(Table rows) {
        int layer = rows.columns().indexOf("layer");
        if (layer < 0) {
            return Optional.empty();
        }
        List<Integer> measures = new ArrayList<>();
        for (int c = 0; c < rows.columns().size(); c++) {
            int column = c;
            if (c != layer && rows.rows().stream().anyMatch(r -> r.get(column) instanceof Double || r.get(column) instanceof Float)) {
                measures.add(c);
            }
        }
        if (measures.isEmpty()) {
            return Optional.empty();
        }
        Map<Object, List<List<Object>>> byLayer = new LinkedHashMap<>();
        for (List<Object> row : rows.rows()) {
            if (row.get(layer) instanceof Number) {
                byLayer.computeIfAbsent(row.get(layer), k -> new ArrayList<>()).add(row);
            }
        }
        List<List<Object>> out = new ArrayList<>();
        byLayer.forEach((value, members) -> {
            for (int c : measures) {
                double sum = 0;
                int n = 0;
                for (List<Object> row : members) {
                    if (row.get(c) instanceof Number number) {
                        sum += number.doubleValue();
                        n++;
                    }
                }
                if (n > 0) {
                    out.add(List.of(value, rows.columns().get(c), sum / n));
                }
            }
        });
        return Optional.of(new Table("by-layer", List.of("layer", "measure", "mean"), out));
    }
}
