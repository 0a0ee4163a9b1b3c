package io.interp4j.app.report;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Results shaped like a real study's, for the report tests and for looking at a rendered report. */
final class SampleResults {
    static final ThreadPolicy THREADS = new ThreadPolicy(2, "physical cores", "PASSIVE");
    static final List<String> FAMILIES = List.of("copy", "induction", "previous-token", "successor", "name-mover", "<script>x</script>");
    static final int LAYERS = 24;

    private SampleResults() {}

    static List<Object> row(Object... cells) {
        return Arrays.asList(cells);
    }

    /** A layer × family sweep with one NaN and one infinity, charted as a heatmap and as lines. */
    static StepResult sweep() {
        List<List<Object>> rows = new ArrayList<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int f = 0; f < FAMILIES.size(); f++) {
                double peak = 4 + 3 * f;
                double effect = Math.exp(-Math.pow(layer - peak, 2) / 18.0) * (1 + 0.3 * f) - 0.05 * f;
                if (layer == 5 && f == 1) {
                    effect = Double.NaN;
                } else if (layer == 7 && f == 2) {
                    effect = Double.POSITIVE_INFINITY;
                }
                rows.add(row(layer, FAMILIES.get(f), effect, 120L + layer));
            }
        }
        Table effects = new Table("effects", List.of("layer", "family", "effect", "prompts"), rows);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("hub-layer", 13);
        summary.put("best-family", "name-mover");
        summary.put("max-effect", 2.4999876);
        summary.put("tiny", 1.5e-7);
        summary.put("undefined", Double.NaN);
        return new StepResult(List.of(effects), List.of(
                new Chart("Effect of ablating each layer, by family", ChartType.HEATMAP, "effects", "layer", "family", "effect"),
                new Chart("Effect by layer", ChartType.LINE, "effects", "layer", "family", "effect")), summary);
    }

    /**
     * The unit of each quantity the sample's line charts draw, for checking that no chart axis mixes units:
     * the sweep's effect and its families share one, the metrics by condition each have their own. A
     * column holding several quantities (by-condition's {@code value}) has none.
     */
    static final Map<String, String> UNITS = Map.of("effect", "logit difference", "accuracy", "fraction", "logit-diff/4",
            "logits / 4", "kl", "nats");
    /** The atlas's text row: its value is its text, so it has no Δ. */
    static final String TEXT_ROW = "architecture.summary";
    /** A numeric atlas row beside it, and its Δ (last model − first, 3,085,938,688 − 494,032,768) as the report shows it. */
    static final String NUMERIC_ROW = "architecture.parameters";
    static final String NUMERIC_ROW_DELTA = "2.592e9";
    private static final List<Long> PARAMETERS = List.of(494_032_768L, 1_543_714_304L, 3_085_938_688L);

    /** A long table (capped in the reports) and line charts over categorical x, one panel per metric. */
    static StepResult tokens() {
        return tokens(ChartType.LINE_PER_SERIES);
    }

    /**
     * As {@link #tokens()}, the metrics charted as {@code metricsChart}: {@link ChartType#LINE} draws
     * accuracy, logits and nats on one axis (the rough edge of issue 19).
     */
    static StepResult tokens(ChartType metricsChart) {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < 450; i++) {
            rows.add(row("prompt-" + i, i % 3 == 0 ? null : i * 0.001, i % 2 == 0, "tok|" + i));
        }
        Table perPrompt = new Table("per-prompt", List.of("prompt", "loss", "correct", "token"), rows);
        List<List<Object>> metrics = new ArrayList<>();
        List<String> conditions = List.of("clean", "corrupted", "patched-resid", "patched-attn", "patched-mlp");
        double[][] values = {{0.91, 0.12, 0.55, 0.61, 0.35}, {0.85, 0.2, 0.5, 0.58, 0.31}, {1.3, -0.4, 0.8, 1.1, 0.2}};
        String[] metricNames = {"accuracy", "logit-diff/4", "kl"};
        for (int m = 0; m < metricNames.length; m++) {
            for (int c = 0; c < conditions.size(); c++) {
                metrics.add(row(conditions.get(c), metricNames[m], values[m][c]));
            }
        }
        Table byCondition = new Table("by-condition", List.of("condition", "metric", "value"), metrics);
        return new StepResult(List.of(perPrompt, byCondition),
                List.of(new Chart("Metrics by condition", metricsChart, "by-condition", "condition", "metric", "value"),
                        new Chart("Metrics by condition, as a grid", ChartType.HEATMAP, "by-condition", "condition", "metric", "value")),
                Map.of("prompts", 450L));
    }

    /**
     * A step whose heatmap holds contributions from 1e-5 to 0.9 (a geometric spread over 4 layers × 5
     * heads): on a linear colour scale every cell below 0.01 would be one colour.
     */
    static StepResult contributions() {
        List<List<Object>> rows = new ArrayList<>();
        int cells = 20;
        for (int k = 0; k < cells; k++) {
            rows.add(row(k / 5, "head " + k % 5, 1e-5 * Math.pow(0.9 / 1e-5, k / (cells - 1.0))));
        }
        Table table = new Table("contributions", List.of("layer", "head", "contribution"), rows);
        return new StepResult(List.of(table),
                List.of(new Chart("Contribution to the logit, by head and layer", ChartType.HEATMAP, "contributions", "head", "layer",
                        "contribution")), Map.of());
    }

    static StudyResults study() {
        return study(ChartType.LINE_PER_SERIES);
    }

    private static StudyResults study(ChartType metricsChart) {
        Map<String, String> hashes = new LinkedHashMap<>();
        hashes.put("config.json", "3f2a9c1d0e4b5a6978877665544332211ffeeddccbbaa99887766554433221100");
        hashes.put("model.safetensors", "aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899");
        ModelInfo model = new ModelInfo("qwen-tiny", "/models/qwen2-0.5b", "djl",
                "24 layers, 14 heads / 2 kv heads, d_model 896, tied, 494,032,768 parameters", hashes);
        StepRecord sweep = new StepRecord("layer-sweep", "ablation-sweep", "Zero-ablates each layer's attention output\nand measures the effect.",
                "{\"ablation\":\"zero\",\"layers\":\"all\"}", "9c1d0e4b5a69788776655443", 12.345, 1440, false, sweep());
        StepRecord tokens = new StepRecord("per-prompt", "patching", "Activation patching, per prompt.", "{}", "0011223344556677",
                75.2, 2250, true, tokens(metricsChart));
        return new StudyResults("induction heads in <Qwen2>", "study {\n  name = \"induction heads\"\n  seed = 42\n}\n",
                Map.of("interp4j", "0.1.0-SNAPSHOT", "java", "17.0.12", "djl", "0.36.0", "pytorch", "2.7.1"), THREADS, 42L,
                List.of(model), List.of(sweep, tokens), "2025-06-01T10:15:30Z", 93.6);
    }

    /**
     * A study whose report opens with an atlas of three models: 40 rows with long cell texts (intervals,
     * layer lists) and flags whose messages are long sentences holding unbroken paths, which a table in
     * a scroll box or a cell that does not wrap would cut off.
     */
    static StudyResults atlasStudy() {
        return atlasStudy(false);
    }

    /**
     * The atlas study, with an architecture text row ({@link #TEXT_ROW}) and the parameter count
     * ({@link #NUMERIC_ROW}) first and a contributions heatmap step ({@link #contributions()}) after
     * the atlas; with {@code roughEdges}, two of the rough edges issue 19 found in real reports: the
     * text row holds the parameter count as its value (so a Δ is computed for it) and the metrics by
     * condition share one axis.
     */
    static StudyResults atlasStudy(boolean roughEdges) {
        List<String> columns = List.of("dimension", "key", "protocol", "model", "value", "display", "ci_low", "ci_high");
        List<String> models = List.of("qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct");
        List<List<Object>> rows = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            long parameters = PARAMETERS.get(m);
            String shape = (24 + 12 * m) + " layers · 14 heads (GQA, 2 KV) · d_model=" + (896 + 640 * m) + " · ~" + parameters / 1_000_000
                    + "M params";
            rows.add(row("Architecture", TEXT_ROW, "both", models.get(m), roughEdges ? parameters : shape, shape, null, null));
            rows.add(row("Architecture", NUMERIC_ROW, "both", models.get(m), parameters, String.format(Locale.ROOT, "%,d", parameters), null,
                    null));
        }
        List<List<Object>> flags = new ArrayList<>();
        for (int d = 0; d < 20; d++) {
            for (String protocol : List.of("published", "corrected")) {
                for (int m = 0; m < models.size(); m++) {
                    double v = 0.01 * (d + 1) * (m + 1);
                    rows.add(row("Dimension " + d + " with a descriptive name", "dimension" + d + ".measure-with-a-long-key", protocol,
                            models.get(m), v, "L" + (3 * m + d) + ", " + v + " (layers 3, 7, 11, 15, 19 and 23 above the threshold)",
                            v * 0.9, v * 1.1));
                }
            }
            flags.add(row("Dimension " + d + " with a descriptive name", "both", models.get(d % 3), "disagreement",
                    "published and corrected protocols disagree on the layer: the published protocol reads the hub at L2 while the"
                            + " corrected one reads it at L14; see /work/studies/out/atlas/steps/universal-hub/partial/"
                            + "per-prompt-kl-divergence-by-layer-and-family.json for the per-prompt values behind both"));
        }
        // a numeric table as wide as the toy atlas's layer-skipping one: at a printed page's width it overflowed its box (issue #19's
        // audit) while its snake_case headers kept to one line
        List<List<Object>> layers = new ArrayList<>();
        for (int l = 0; l < 16; l++) {
            layers.add(row("a", "corrected", l, 1 + l / 16.0, 0.9 - l / 100.0, 0.8312 - l / 100.0, 0.9688 - l / 100.0, 0.1653 + l / 10.0,
                    0.1319 + l / 10.0, 0.1986 + l / 10.0, 0.07639));
        }
        StepResult atlas = new StepResult(List.of(new Table("atlas", columns, rows),
                new Table("atlas-flags", StepResult.Headline.FLAG_COLUMNS, flags),
                new Table("layers", List.of("model", "protocol", "layer", "speedup", "agreement", "agreement_ci_low", "agreement_ci_high",
                        "kl", "kl_ci_low", "kl_ci_high", "top_k_overlap"), layers)), List.of(), Map.of()).withHeadline(StepResult.Headline.standard());
        StudyResults base = study(roughEdges ? ChartType.LINE : ChartType.LINE_PER_SERIES);
        List<ModelInfo> infos = models.stream().map(m -> new ModelInfo(m, "/models/" + m, "djl", "24 layers", Map.of())).toList();
        List<StepRecord> steps = new ArrayList<>();
        steps.add(new StepRecord("atlas", "universal-hub", "The atlas rows.", "{}", "feed", 600, 1000, true, atlas));
        steps.add(new StepRecord("contributions", "logit-attribution", "Direct logit attribution per head.", "{}", "c0ffee", 4.5, 12, false,
                contributions()));
        steps.addAll(base.steps());
        return new StudyResults(base.name(), base.resolvedConfig(), base.versions(), THREADS, base.seed(), infos, steps, base.startedAt(),
                base.totalSeconds());
    }
}
