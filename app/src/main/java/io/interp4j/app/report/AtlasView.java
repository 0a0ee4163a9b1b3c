package io.interp4j.app.report;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Headline;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The seed-style comparison table of a study: the headline tables of all steps ({@link Headline}: one
 * row per headline number, protocol and model) pivoted into "Dimension | model A | model B | Δ" per
 * protocol, and their flags (where the protocols disagree, which artefacts were seen).
 * Rows of protocol {@code both} appear in each protocol's table. Δ is the last model's value minus the
 * first's where both are numbers; where a step's table of deltas resampled that difference, Δ
 * carries its 95% bootstrap interval and whether the models were paired by prompt.
 *
 * <p>The tests of all steps ("the published number is what the corrected protocol measures", two-sided,
 * and "the vector does no better than its random controls", one-sided, each with its bootstrap p-value)
 * are one family: their p-values are Holm-adjusted together ({@link Holm}, family-wise error rate
 * {@value Holm#ALPHA}); a published-versus-corrected test that still rejects becomes a {@code
 * disagreement} flag, a vector-versus-control test that does not reject a {@code not-above-control}
 * flag, each carrying both p-values; {@code testing} states the control and its outcome.
 *
 * @param models the models in column order (study order, those that occur)
 * @param protocols the protocols in order (published first)
 * @param rows per protocol, the rows in first-seen order
 * @param flags the flags, in step order, then the rejected tests
 * @param testing the multiple-comparison statement, or empty where the study tested nothing
 */
record AtlasView(List<String> models, List<String> protocols, Map<String, List<Row>> rows, List<Flag> flags, String testing) {
    /** One line of the table: a measure and its value per model. */
    record Row(String dimension, String key, Map<String, Cell> byModel, String delta) {}

    /** One model's value: how it is shown and its 95% interval, if any. */
    record Cell(Object value, String display, Object ciLow, Object ciHigh) {
        String shown() {
            String text = display == null || display.isBlank() ? Format.cell(value) : display;
            return ciLow == null || ciHigh == null ? text : text + " [" + Format.cell(ciLow) + ", " + Format.cell(ciHigh) + "]";
        }
    }

    /** A disagreement or artefact flag. */
    record Flag(String step, String dimension, String protocol, String model, String kind, String message) {}

    boolean isEmpty() {
        return rows.isEmpty() && flags.isEmpty() && testing.isEmpty();
    }

    static AtlasView of(StudyResults results) {
        Set<String> models = new LinkedHashSet<>();
        results.models().forEach(m -> models.add(m.name()));
        Set<String> seenModels = new LinkedHashSet<>();
        Map<String, Map<String, Row>> byProtocol = new LinkedHashMap<>();
        byProtocol.put("published", new LinkedHashMap<>());
        byProtocol.put("corrected", new LinkedHashMap<>());
        List<Flag> flags = new ArrayList<>();
        List<Flag> tests = new ArrayList<>();
        List<Double> pValues = new ArrayList<>();
        List<Boolean> controlTests = new ArrayList<>();
        Map<List<String>, String> deltaIntervals = new LinkedHashMap<>();
        for (StepRecord step : results.steps()) {
            StepResult result = step.result();
            if (result.headline().isEmpty()) {
                continue;
            }
            Headline headline = result.headline().get();
            headline.table(result).ifPresent(table -> {
                for (List<Object> r : table.rows()) {
                    String protocol = string(table, r, "protocol");
                    String model = string(table, r, "model");
                    seenModels.add(model);
                    Cell cell = new Cell(get(table, r, "value"), string(table, r, "display"), get(table, r, "ci_low"), get(table, r, "ci_high"));
                    List<String> targets = protocol.equals("both") ? List.copyOf(byProtocol.keySet()) : List.of(protocol);
                    for (String p : targets) {
                        Map<String, Row> rows = byProtocol.computeIfAbsent(p, k -> new LinkedHashMap<>());
                        String key = string(table, r, "key");
                        Row row = rows.computeIfAbsent(key, k -> new Row(string(table, r, "dimension"), k, new LinkedHashMap<>(), null));
                        row.byModel().put(model, cell);
                    }
                }
            });
            Table flagTable = headline.flags(result);
            for (List<Object> r : flagTable.rows()) {
                flags.add(new Flag(step.id(), string(flagTable, r, "dimension"), string(flagTable, r, "protocol"), string(flagTable, r, "model"),
                        string(flagTable, r, "kind"), string(flagTable, r, "message")));
            }
            headline.deltas(result).ifPresent(table -> {
                for (List<Object> r : table.rows()) {
                    deltaIntervals.put(List.of(string(table, r, "protocol"), string(table, r, "key"), string(table, r, "model_a"),
                            string(table, r, "model_b")), " [" + Format.cell(get(table, r, "ci_low")) + ", "
                            + Format.cell(get(table, r, "ci_high")) + "] " + string(table, r, "pairing"));
                }
            });
            headline.tests(result).ifPresent(table -> {
                for (List<Object> r : table.rows()) {
                    // tests written before the hypothesis column are all published versus corrected
                    boolean control = Headline.VECTOR_NOT_ABOVE_CONTROL.equals(string(table, r, "hypothesis"));
                    tests.add(new Flag(step.id(), string(table, r, "dimension"), control ? "corrected" : "both", string(table, r, "model"),
                            control ? "not-above-control" : "disagreement", string(table, r, "message")));
                    pValues.add(get(table, r, "p_value") instanceof Number n ? n.doubleValue() : Double.NaN);
                    controlTests.add(control);
                }
            });
        }
        List<String> order = new ArrayList<>();
        models.stream().filter(seenModels::contains).forEach(order::add);
        seenModels.stream().filter(m -> !order.contains(m)).forEach(order::add);
        Map<String, List<Row>> rows = new LinkedHashMap<>();
        byProtocol.forEach((protocol, map) -> {
            if (!map.isEmpty()) {
                rows.put(protocol, map.values().stream().map(row -> withDelta(row, order, protocol, deltaIntervals)).toList());
            }
        });
        String testing = adjust(tests, pValues, controlTests, flags);
        return new AtlasView(List.copyOf(order), List.copyOf(rows.keySet()), rows, List.copyOf(flags), testing);
    }

    /**
     * Holm-adjusts the tests, all hypotheses one family; adds to the flags the published-versus-corrected tests
     * that reject and the vector-versus-control tests that do not (the vector not shown to beat its control);
     * states the control.
     */
    private static String adjust(List<Flag> tests, List<Double> pValues, List<Boolean> controlTests, List<Flag> flags) {
        if (tests.isEmpty()) {
            return "";
        }
        double[] p = pValues.stream().mapToDouble(Double::doubleValue).toArray();
        double[] adjusted = Holm.adjust(p);
        long family = Arrays.stream(p).filter(v -> !Double.isNaN(v)).count();
        int published = 0;
        int controls = 0;
        int rejected = 0;
        int beaten = 0;
        for (int i = 0; i < p.length; i++) {
            boolean control = controlTests.get(i);
            boolean rejects = adjusted[i] <= Holm.ALPHA;
            if (control) {
                controls++;
                beaten += rejects ? 1 : 0;
            } else {
                published++;
                rejected += rejects ? 1 : 0;
            }
            if (rejects != control && !Double.isNaN(p[i])) {
                Flag t = tests.get(i);
                flags.add(new Flag(t.step(), t.dimension(), t.protocol(), t.model(), t.kind(), t.message() + (control ? "; not shown to"
                        + " beat the control: one-sided" : ";") + " bootstrap p = " + Format.number(p[i]) + ", Holm-adjusted p = "
                        + Format.number(adjusted[i]) + " over " + family + " tests"));
            }
        }
        String what = controls == 0
                ? String.format(Locale.ROOT, "the %d published-versus-corrected tests of this study (each published number against its"
                        + " corrected number's bootstrap distribution, every step and model) are one family", published)
                : String.format(Locale.ROOT, "the %d tests of this study are one family: %d published-versus-corrected (each published"
                        + " number against its corrected number's bootstrap distribution, two-sided) and %d vector-versus-control (one-sided:"
                        + " \"the vector does no better than its random control directions\", on the bootstrap distribution of vector −"
                        + " control), every step and model", p.length, published, controls);
        String outcome = String.format(Locale.ROOT, "%d%s rejected (flagged as disagreements)", rejected, controls == 0 ? ""
                : " published-versus-corrected");
        if (controls > 0) {
            outcome += String.format(Locale.ROOT, "; %d of %d vector-versus-control rejected (the vector beats its control; the rest are"
                    + " flagged not-above-control)", beaten, controls);
        }
        return String.format(Locale.ROOT, "Multiple-comparison control: %s, Holm-adjusted at a family-wise error rate of %s; %s%s.", what,
                Format.number(Holm.ALPHA), outcome, family < p.length ? String.format(Locale.ROOT, "; %d more could not be tested (a"
                        + " NaN number)", p.length - family) : "");
    }

    private static Row withDelta(Row row, List<String> models, String protocol, Map<List<String>, String> intervals) {
        String delta = "";
        if (models.size() >= 2) {
            Cell first = row.byModel().get(models.get(0));
            Cell last = row.byModel().get(models.get(models.size() - 1));
            if (first != null && last != null && first.value() instanceof Number a && last.value() instanceof Number b) {
                delta = Format.number(b.doubleValue() - a.doubleValue())
                        + intervals.getOrDefault(List.of(protocol, row.key(), models.get(0), models.get(models.size() - 1)), "");
            }
        }
        return new Row(row.dimension(), row.key(), row.byModel(), delta);
    }

    private static Object get(Table table, List<Object> row, String column) {
        int i = table.columns().indexOf(column);
        return i < 0 ? null : row.get(i);
    }

    private static String string(Table table, List<Object> row, String column) {
        Object v = get(table, row, column);
        return v == null ? "" : v.toString();
    }
}
