package io.interp4j.experiments.atlas.knockout;

import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.LoraStudy;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkillKnockoutTest {
    private static final String P = TinyStudy.PATH;
    /** The default scales, then positive ones the hand computation adds. */
    private static final double[] SCALES = {0, -0.25, -0.5, -1, -2, -4, -8, 0.5, 2, 8};
    private static final int DEFAULT_SCALES = 7;
    /** The index of the default read scale, -2. */
    private static final int READ = 4;

    @TempDir
    static Path dir;

    static TinyStudy study;

    @BeforeAll
    static void writeStudy() {
        study = LoraStudy.create(dir);
    }

    @AfterAll
    static void closeStudy() {
        study.close();
    }

    /** The numbers of one model computed by hand, hooks written here, plain double math: p[readout][scale]. */
    private record Expected(int layer, double norm, List<String> ids, double[][] p) {
        /** The mean over the skill (s*) or non-skill readouts of the drop at a scale, or of its absolute value. */
        double mean(boolean skill, int scale, boolean absolute) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < ids.size(); t++) {
                if (ids.get(t).startsWith("s") == skill) {
                    double drop = p[t][0] - p[t][scale];
                    sum += absolute ? Math.abs(drop) : drop;
                    n++;
                }
            }
            return sum / n;
        }
    }

    private static final Map<String, Expected> EXPECTED = new java.util.HashMap<>();

    private static Expected expected(String name) {
        return EXPECTED.computeIfAbsent(name, SkillKnockoutTest::compute);
    }

    private static Expected compute(String name) {
        List<Task> tasks = study.suite("knockout").tasks();
        try (Model model = LoraStudy.trained(study, LoraStudy.STEP, name)) {
            Tokenizer tokenizer = model.requireTokenizer();
            int layer = model.config().numLayers() / 2;
            int d = model.config().hiddenSize();
            double[] v = new double[d];
            for (Task task : tasks) {
                double sign = task.family().equals("positive") ? 1 : task.family().equals("negative") ? -1 : 0;
                if (sign == 0) {
                    continue;
                }
                float[] post = HandRuns.residPost(model, tokenizer.encode(task.prompt()))[layer];
                for (int i = 0; i < d; i++) {
                    v[i] += sign * post[post.length - d + i] / 3;
                }
            }
            double norm = Math.sqrt(java.util.Arrays.stream(v).map(x -> x * x).sum());
            List<String> ids = new ArrayList<>();
            List<double[]> ps = new ArrayList<>();
            for (Task task : tasks) {
                if (!task.family().equals("skill") && !task.family().equals("non-skill")) {
                    continue;
                }
                ids.add(task.id());
                int[] tokens = tokenizer.encode(task.prompt());
                int target = tokenizer.encode(task.target())[0];
                double[] p = new double[SCALES.length];
                for (int s = 0; s < SCALES.length; s++) {
                    double scale = SCALES[s];
                    float[] logits = HandRuns.last(model, tokens, Map.of(layer, (pre, post, positions, hidden) -> {
                        float[] out = post.clone();
                        for (int i = 0; i < hidden; i++) {
                            out[(positions - 1) * hidden + i] += (float) (scale * v[i]);
                        }
                        return out;
                    }));
                    p[s] = Math.exp(Independent.logSoftmax(logits)[target]);
                }
                ps.add(p);
            }
            return new Expected(layer, norm, ids, ps.toArray(double[][]::new));
        }
    }

    private static List<Object> atlasRow(StepResult result, String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol)
                && cell(atlas, r, "model").equals(model)).findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key + " "
                + protocol + " " + model + " in " + atlas.rows()));
    }

    @Test
    void matchesHandComputedDropsAndBothPublishedFormulas() {
        Steps.Counter progress = new Steps.Counter();
        Experiment experiment = Steps.create("skill-knockout", "models = [deep]");
        assertThat(experiment.dependsOn()).containsExactly("lora-training");
        assertThat(experiment.validate(study)).isEmpty();
        study.takeForwards();
        StepResult result = experiment.run(study, progress);
        long perModel = 6 + 5 * 7 + 3 * 5;
        assertThat(experiment.forwardPasses(study)).isEqualTo(perModel);
        assertThat(progress.total()).isEqualTo(perModel);
        assertThat(study.takeForwards()).isEqualTo(perModel);

        Table prompts = table(result, "knockout-prompts");
        Table vectors = table(result, "knockout-vector");
        for (String name : List.of("deep")) {
            Expected e = expected(name);
            List<Object> vector = vectors.rows().stream().filter(r -> r.get(0).equals(name)).findFirst().orElseThrow();
            assertThat(number(vectors, vector, "layer")).isEqualTo(e.layer());
            assertThat(number(vectors, vector, "norm")).isCloseTo(e.norm(), within(1e-4 * e.norm()));
            for (int t = 0; t < e.ids().size(); t++) {
                for (int s = 0; s < DEFAULT_SCALES; s++) {
                    int task = t;
                    double scale = SCALES[s];
                    List<Object> row = prompts.rows().stream().filter(r -> r.get(0).equals(name) && r.get(1).equals(e.ids().get(task))
                            && ((Number) cell(prompts, r, "scale")).doubleValue() == scale).findFirst().orElseThrow();
                    assertThat(number(prompts, row, "p")).as("%s %s s=%s", name, e.ids().get(t), scale)
                            .isCloseTo(e.p()[t][s], within(1e-5));
                    assertThat(number(prompts, row, "drop")).isCloseTo(e.p()[t][0] - e.p()[t][s], within(1e-5));
                }
            }
            assertThat(e.mean(true, READ, true)).as("the vector moves the skill prompts").isGreaterThan(1e-4);
            List<Object> published = atlasRow(result, "skill-knockout.selectivity", "published", name);
            double signed = e.mean(true, READ, false) / Math.max(e.mean(false, READ, false), 1e-6);
            assertThat(number(table(result, "atlas"), published, "value")).isCloseTo(signed, within(1e-3 * Math.abs(signed)));
            assertThat((String) cell(table(result, "atlas"), published, "display")).startsWith("L" + e.layer() + ", ");
            List<Object> corrected = atlasRow(result, "skill-knockout.selectivity", "corrected", name);
            // corrected: signed skill drops over absolute non-skill drops
            double correctedValue = e.mean(true, READ, false) / Math.max(e.mean(false, READ, true), 1e-6);
            Table atlas = table(result, "atlas");
            assertThat(number(atlas, corrected, "value")).isCloseTo(correctedValue, within(1e-3 * Math.abs(correctedValue)));
            assertThat(number(atlas, atlasRow(result, "skill-knockout.skill-drop", "corrected", name), "value"))
                    .isCloseTo(e.mean(true, READ, false), within(1e-5));
            assertThat(number(atlas, corrected, "ci_low")).isLessThanOrEqualTo(number(atlas, corrected, "ci_high"));
            assertThat(number(atlas, atlasRow(result, "skill-knockout.skill-drop", "published", name), "value"))
                    .isCloseTo(e.mean(true, READ, false), within(1e-5));
            assertThat(number(atlas, atlasRow(result, "skill-knockout.non-skill-drop", "corrected", name), "value"))
                    .isCloseTo(e.mean(false, READ, true), within(1e-5));

            // the flag is raised exactly when the signed denominator is the floor
            Table flags = table(result, "atlas-flags");
            boolean flagged = flags.rows().stream().anyMatch(r -> r.get(2).equals(name) && r.get(1).equals("published")
                    && ((String) r.get(4)).contains("× 10^6"));
            assertThat(flagged).isEqualTo(e.mean(false, READ, false) < 1e-6);

            // the random controls have the vector's norm
            Table selectivity = table(result, "knockout-selectivity");
            List<List<Object>> controls = selectivity.rows().stream().filter(r -> r.get(0).equals(name)
                    && ((String) cell(selectivity, r, "vector")).startsWith("random-")).toList();
            assertThat(controls).hasSize(3);
            for (List<Object> control : controls) {
                assertThat(number(selectivity, control, "vector_norm")).isCloseTo(e.norm(), within(1e-4 * e.norm()));
                assertThat(number(selectivity, control, "selectivity")).isCloseTo(number(selectivity, control, "skill_drop")
                        / Math.max(number(selectivity, control, "non_skill_drop"), 1e-6), within(1e-9));
            }

            // the control as a test: vector − control mean, one-sided, in the table the report Holm-adjusts
            double vectorSelectivity = number(selectivity, selectivity.rows().stream().filter(r -> r.get(0).equals(name)
                    && cell(selectivity, r, "protocol").equals("corrected") && cell(selectivity, r, "vector").equals("mean-difference"))
                    .findFirst().orElseThrow(), "selectivity");
            double controlMean = controls.stream().mapToDouble(r -> number(selectivity, r, "selectivity")).average().orElseThrow();
            Table tests = table(result, "atlas-tests");
            List<Object> versus = tests.rows().stream().filter(r -> cell(tests, r, "model").equals(name)
                    && cell(tests, r, "hypothesis").equals("vector-not-above-control")).findFirst().orElseThrow();
            assertThat(cell(tests, versus, "key")).isEqualTo("skill-knockout.selectivity");
            assertThat(cell(tests, versus, "published")).isNull();
            assertThat(number(tests, versus, "corrected")).isCloseTo(vectorSelectivity - controlMean,
                    within(1e-9 * Math.max(1, Math.abs(vectorSelectivity))));
            assertThat(number(tests, versus, "ci_low")).isLessThanOrEqualTo(number(tests, versus, "ci_high"));
            assertThat(number(tests, versus, "p_value")).isGreaterThan(0).isLessThanOrEqualTo(1);
            assertThat(tests.rows().stream().filter(r -> cell(tests, r, "hypothesis").equals("published-equals-corrected"))).hasSize(1);
        }
        assertThat(result.charts()).hasSize(1);
    }

    @Test
    void theAbsFormulaAndAHighFloorShowTheFloorArtefact() {
        StepResult result = Steps.create("skill-knockout", "models = [main], published-formula = abs, denominator-floor = 1000,"
                + " random-vectors = 0, protocols = [published]").run(study, Progress.none());
        Expected e = expected("main");
        Table atlas = table(result, "atlas");
        assertThat(atlas.rows()).allMatch(r -> r.get(2).equals("published"));
        assertThat(number(atlas, atlasRow(result, "skill-knockout.selectivity", "published", "main"), "value"))
                .isCloseTo(e.mean(true, READ, false) / 1000, within(1e-8));
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows())
                .anySatisfy(r -> assertThat((String) r.get(4)).contains("× 10^-3").contains("absolute mean non-skill drop"));

        StepResult abs = Steps.create("skill-knockout", "models = [main], published-formula = abs, protocols = [published]")
                .run(study, Progress.none());
        double expected = e.mean(true, READ, false) / Math.max(Math.abs(e.mean(false, READ, false)), 1e-6);
        assertThat(number(table(abs, "atlas"), atlasRow(abs, "skill-knockout.selectivity", "published", "main"), "value"))
                .isCloseTo(expected, within(1e-3 * Math.abs(expected)));
        // the same recipe given to one model only (the seed used abs at 1.5B, signed at 0.5B)
        StepResult perModel = Steps.create("skill-knockout", "models = [main], published-formula = signed, protocols = [published],"
                + " per-model { main { published-formula = abs } }").run(study, Progress.none());
        assertThat(number(table(perModel, "atlas"), atlasRow(perModel, "skill-knockout.selectivity", "published", "main"), "value"))
                .isEqualTo(number(table(abs, "atlas"), atlasRow(abs, "skill-knockout.selectivity", "published", "main"), "value"));
        assertThat(perModel.summary()).containsEntry("published-formula.main", "abs");
    }

    /**
     * The 0.5B artefact: read where the mean non-skill drop is negative (the knocked-out vector raises
     * the non-skill targets), the signed formula divides by the 1e-6 floor, so the published
     * selectivity is the skill drop × 10^6, and the flag says so.
     */
    @Test
    void theSignedFormulaTurnsANegativeNonSkillDropIntoTheSkillDropTimesAMillion() {
        Expected e = expected("main");
        int read = -1;
        for (int s = 1; s < SCALES.length && read < 0; s++) {
            if (e.mean(false, s, false) < 0) {
                read = s;
            }
        }
        assertThat(read).as("some scale raises the non-skill targets on average").isPositive();
        String scales = java.util.Arrays.toString(SCALES);
        StepResult result = Steps.create("skill-knockout", "models = [main], protocols = [published, corrected], random-vectors = 0,"
                + " scales = " + scales + ", read-scale = " + SCALES[read]).run(study, Progress.none());
        Table atlas = table(result, "atlas");
        double skill = e.mean(true, read, false);
        assertThat(number(atlas, atlasRow(result, "skill-knockout.selectivity", "published", "main"), "value"))
                .isCloseTo(skill * 1e6, within(1e-3 * Math.abs(skill * 1e6)));
        assertThat(table(result, "atlas-flags").rows()).anySatisfy(r -> {
            assertThat(r.get(1)).isEqualTo("published");
            assertThat((String) r.get(4)).startsWith("selectivity ").contains("× 10^6").contains("formula signed");
        });
        // the corrected reading divides by absolute non-skill drops: no floor, a finite ratio
        double corrected = e.mean(true, read, false) / Math.max(e.mean(false, read, true), 1e-6);
        assertThat(number(atlas, atlasRow(result, "skill-knockout.selectivity", "corrected", "main"), "value"))
                .isCloseTo(corrected, within(1e-3 * Math.abs(corrected)));
        // the published number lies beyond every resample of the corrected one: the smallest p-value a bootstrap can give,
        // to be adjusted with the study's other tests by the report
        Table tests = table(result, "atlas-tests");
        assertThat(tests.rows()).singleElement().satisfies(r -> {
            assertThat(r.get(tests.columns().indexOf("key"))).isEqualTo("skill-knockout.selectivity");
            assertThat(((Number) r.get(tests.columns().indexOf("p_value"))).doubleValue()).isEqualTo(2.0 / 1001);
        });
    }

    @Test
    void aMissingAdapterNamesTheTrainingStepAndThePath() {
        Experiment experiment = Steps.create("skill-knockout", "models = [other], training-step = tuning");
        assertThat(experiment.dependsOn()).containsExactly("tuning");
        assertThatThrownBy(() -> experiment.run(study, Progress.none()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(P + ".training-step: step 'tuning' left no adapter for model 'other' at ")
                .hasMessageContaining("adapter_config.json");
    }

    @Test
    void settingsTheReferenceCannotCheckAreReportedTogether() {
        assertThatThrownBy(() -> Steps.create("skill-knockout", """
                models = []
                protocols = [published, fancy]
                layer = top
                scales = [-1, -2]
                read-scale = -3
                published-formula = both
                denominator-floor = 0
                random-vectors = -1
                training-step = ""
                """))
                .isInstanceOf(Interp4jException.class)
                .hasMessage(String.join("\n",
                        "interp4j.experiment.skill-knockout.models: found []; allowed: all, or a non-empty list of study model names",
                        "interp4j.experiment.skill-knockout.protocols: found [\"published\",\"fancy\"]; allowed: a non-empty list of"
                                + " distinct protocols from [published, corrected]",
                        "interp4j.experiment.skill-knockout.training-step: found \"\"; allowed: a non-empty string",
                        "interp4j.experiment.skill-knockout.scales: found [-1.0, -2.0]; allowed: a non-empty list of distinct finite"
                                + " numbers that contains 0 (the reference every drop is measured from)",
                        "interp4j.experiment.skill-knockout.denominator-floor: found 0.0; allowed: a number > 0 (the published study"
                                + " used 1e-6)",
                        "interp4j.experiment.skill-knockout.layer: found \"top\"; allowed: middle (n_layers / 2 of each model) or a block"
                                + " index >= 0",
                        "interp4j.experiment.skill-knockout.published-formula: found 'both'; allowed: signed (0.5B: mean skill drop /"
                                + " max(mean non-skill drop, floor)) or abs (1.5B: mean skill drop / max(|mean non-skill drop|, floor))",
                        "interp4j.experiment.skill-knockout.random-vectors: found -1; allowed: an integer >= 0 (0: no control)"));
        assertThatThrownBy(() -> Steps.create("skill-knockout", "read-scale = -3"))
                .hasMessage("interp4j.experiment.skill-knockout.read-scale: found -3.0, which is not listed in scales [0.0, -0.25, -0.5,"
                        + " -1.0, -2.0, -4.0, -8.0]; allowed: one of them");
    }

    @Test
    void validationNamesUnknownModelsSuitesFamiliesAndLayersWithoutLoading() {
        TinyStudy fresh = new TinyStudy(dir.resolve("fresh"), new Planner(PlannerOptions.DEFAULTS));
        try (fresh) {
            assertThat(Steps.create("skill-knockout", "models = [main, big], layer = 2").validate(fresh)).extracting(Object::toString).containsExactly(
                    P + ".models: unknown model 'big'; the study's models: [main, other, untokenized]",
                    P + ".suite: unknown suite 'knockout'; the study's suites: [countries, main]",
                    P + ".layer: layer 2 is out of range; model 'main' has layers 0..1");
            assertThat(Steps.create("skill-knockout", "models = [main], suite = main").validate(fresh)).extracting(Object::toString).containsExactly(
                    P + ".suite: suite 'main' (split all) has no task of families [positive, negative, skill, non-skill]; this row needs"
                            + " families [positive, negative, skill, non-skill] (the vector's positive and negative prompts, the skill and"
                            + " non-skill readouts); its families there: [arithmetic, copying, factual_recall]");
            assertThat(Steps.create("skill-knockout", "models = [main], suite = main, per-model { main { layer = 2 } }")
                    .validate(fresh)).extracting(Object::toString).contains(P + ".per-model.main.layer: layer 2 is out of range; model 'main' has layers 0..1");
            assertThatThrownBy(() -> Steps.create("skill-knockout", "per-model { main { scales = [0, 1] } }"))
                    .hasMessageContaining("interp4j.experiment.skill-knockout.per-model.main.scales: cannot differ per model; set it for the step. Allowed per"
                            + " model: [layer, published-formula]");
            assertThat(fresh.isLoaded("main")).isFalse();
        }
    }
}
