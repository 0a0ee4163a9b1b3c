package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.PromptSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The detail tables of per-layer rows, over all models and methods: {@code profile} (the mean of family
 * means per layer, with its 95% interval where the method is reported with one, and in how many
 * families the layer is the argmax), {@code families} and {@code prompts}; and per model and method a
 * heatmap (layer × family), per model a line chart (one line per method). Each profile's tables hold the families
 * and prompts it averages over.
 */
public final class ProfileTables {
    private final String title;
    private final String column;
    private final String measure;
    private final List<List<Object>> profile = new ArrayList<>();
    private final List<List<Object>> families = new ArrayList<>();
    private final List<List<Object>> prompts = new ArrayList<>();
    private final List<Table> chartTables = new ArrayList<>();
    private final List<Chart> charts = new ArrayList<>();

    /**
     * Starts the tables.
     *
     * @param title the row's name in chart titles, e.g. {@code Universal hub}
     * @param column the name of the values' column, e.g. {@code kl}
     * @param measure what the values are, for chart titles, e.g. {@code KL(clean ‖ ablated)}
     */
    public ProfileTables(String title, String column, String measure) {
        this.title = title;
        this.column = column;
        this.measure = measure;
    }

    /**
     * Adds one method's profile of one model.
     *
     * @param prompts the model's prompts
     * @param protocol the protocol the method belongs to ({@code published}, {@code corrected} or {@code both})
     * @param method the method's id
     * @param values the profile
     * @param seed the bootstrap seed, or null for no intervals
     */
    public void add(PromptSet prompts, String protocol, String method, LayerProfile values, Long seed) {
        String model = prompts.name();
        // the prompts the profile averages over (the published protocol's may be a subset), by family
        List<String> names = prompts.familyNames(values.families());
        int[] members = PromptSet.members(values.families());
        List<List<Object>> heatmap = new ArrayList<>();
        for (int layer = 0; layer < values.layers(); layer++) {
            double[] ci = seed == null ? null : values.interval(layer, seed);
            profile.add(Arrays.asList(model, protocol, method, layer, values.mean(layer), ci == null ? null : ci[0],
                    ci == null ? null : ci[1], values.familiesWithArgmax(layer)));
            for (int f = 0; f < names.size(); f++) {
                heatmap.add(List.of(layer, names.get(f), values.familyMean(layer, f)));
                families.add(List.of(model, method, layer, names.get(f), values.familyMean(layer, f)));
            }
            for (int p : members) {
                Task task = prompts.tasks().get(p);
                this.prompts.add(List.of(model, method, layer, task.id(), task.family(), values.value(layer, p)));
            }
        }
        String table = "families-" + model + "-" + method;
        chartTables.add(new Table(table, List.of("layer", "family", column), heatmap));
        charts.add(new Chart(title + " (" + model + ", " + method + "): " + measure + " by layer and family", ChartType.HEATMAP, table,
                "layer", "family", column));
    }

    /**
     * Adds a model's line chart of its methods' profiles.
     *
     * @param model the model's name
     * @param byMethod the profiles by method id, in line order
     */
    public void lines(String model, Map<String, LayerProfile> byMethod) {
        List<List<Object>> rows = new ArrayList<>();
        int layers = byMethod.values().iterator().next().layers();
        for (int layer = 0; layer < layers; layer++) {
            for (Map.Entry<String, LayerProfile> e : byMethod.entrySet()) {
                rows.add(List.of(layer, e.getKey(), e.getValue().mean(layer)));
            }
        }
        String table = "profile-" + model;
        chartTables.add(new Table(table, List.of("layer", "method", column), rows));
        charts.add(new Chart(title + " (" + model + "): family-mean " + measure + " by layer", ChartType.LINE, table, "layer", "method",
                column));
    }

    /**
     * Returns the tables: {@code profile}, {@code families}, {@code prompts}, then the charts' tables.
     *
     * @return the tables
     */
    public List<Table> tables() {
        List<Table> out = new ArrayList<>();
        out.add(new Table("profile", List.of("model", "protocol", "method", "layer", column, "ci_low", "ci_high", "families_argmax"),
                profile));
        out.add(new Table("families", List.of("model", "method", "layer", "family", column), families));
        out.add(new Table("prompts", List.of("model", "method", "layer", "task", "family", column), prompts));
        out.addAll(chartTables);
        return out;
    }

    /**
     * Returns the charts.
     *
     * @return the charts
     */
    public List<Chart> charts() {
        return List.copyOf(charts);
    }
}
