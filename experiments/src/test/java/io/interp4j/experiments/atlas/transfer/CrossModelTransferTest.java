package io.interp4j.experiments.atlas.transfer;

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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossModelTransferTest {
    private static final String P = TinyStudy.PATH;

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

    /** Recovery per layer [published, corrected][layer], computed with hand-written hooks and plain means. */
    private static double[][] expected(String name, List<Task> tasks) {
        Model base = study.raw(name);
        try (Model trained = LoraStudy.trained(study, LoraStudy.STEP, name)) {
            Tokenizer tokenizer = base.requireTokenizer();
            int layers = base.config().numLayers();
            double[][][] perPrompt = new double[2][layers][tasks.size()];
            for (int t = 0; t < tasks.size(); t++) {
                int[] tokens = tokenizer.encode(tasks.get(t).prompt());
                float[] reference = HandRuns.last(trained, tokens, Map.of());
                float[][] post = HandRuns.residPost(trained, tokens);
                float[][] delta = HandRuns.contributions(trained, tokens);
                double baseline = Independent.kl(reference, HandRuns.last(base, tokens, Map.of()));
                assertThat(baseline).as("the adapter changes the output").isGreaterThan(1e-6);
                for (int l = 0; l < layers; l++) {
                    int layer = l;
                    float[] whole = HandRuns.last(base, tokens, Map.of(l, (pre, out, positions, hidden) -> post[layer].clone()));
                    float[] own = HandRuns.last(base, tokens, Map.of(l, (pre, out, positions, hidden) -> {
                        float[] patched = new float[pre.length];
                        for (int i = 0; i < pre.length; i++) {
                            patched[i] = pre[i] + delta[layer][i];
                        }
                        return patched;
                    }));
                    perPrompt[0][l][t] = 1 - Independent.kl(reference, whole) / baseline;
                    perPrompt[1][l][t] = 1 - Independent.kl(reference, own) / baseline;
                }
            }
            List<String> families = tasks.stream().map(Task::family).toList();
            double[][] out = new double[2][layers];
            for (int p = 0; p < 2; p++) {
                for (int l = 0; l < layers; l++) {
                    out[p][l] = HandRuns.familyMean(perPrompt[p][l], families);
                }
            }
            return out;
        }
    }

    private static List<Object> atlasRow(StepResult result, String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol)
                && cell(atlas, r, "model").equals(model)).findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key));
    }

    @Test
    void recoveryPerLayerMatchesHandPatchedRunsOfThePairedPrompts() {
        Experiment experiment = Steps.create("cross-model-transfer", "models = [deep, main], suite = main");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.dependsOn()).containsExactly("lora-training");
        // the paired tasks of split test: cap-fr, cap-it (factual_recall) and mul (arithmetic)
        List<Task> tasks = study.suite("main").tasks().stream().filter(t -> t.corruptPrompt().isPresent()).toList();
        assertThat(tasks).extracting(Task::id).containsExactly("cap-fr", "cap-it", "mul");
        long forwards = 3 * (2 + 4 * 2) + 3 * (2 + 2 * 2);
        assertThat(experiment.forwardPasses(study)).isEqualTo(forwards);
        Steps.Counter progress = new Steps.Counter();
        study.takeForwards();
        StepResult result = experiment.run(study, progress);
        assertThat(progress.total()).isEqualTo(forwards);
        assertThat(study.takeForwards()).isEqualTo(forwards);

        Table layers = table(result, "transfer-layers");
        Table atlas = table(result, "atlas");
        for (String name : List.of("deep", "main")) {
            double[][] expected = expected(name, tasks);
            int n = expected[0].length;
            for (int p = 0; p < 2; p++) {
                String protocol = p == 0 ? "published" : "corrected";
                for (int l = 0; l < n; l++) {
                    int layer = l;
                    List<Object> row = layers.rows().stream().filter(r -> r.get(0).equals(name) && r.get(1).equals(protocol)
                            && ((Number) r.get(2)).intValue() == layer).findFirst().orElseThrow();
                    assertThat(number(layers, row, "recovery")).as("%s %s L%d", name, protocol, l)
                            .isCloseTo(expected[p][l], within(1e-4));
                    if (p == 1) {
                        assertThat(number(layers, row, "ci_low")).isLessThanOrEqualTo(number(layers, row, "ci_high"));
                    } else {
                        assertThat(cell(layers, row, "ci_low")).isNull();
                    }
                }
                double[] recovery = expected[p];
                List<Integer> order = IntStream.range(0, n).boxed()
                        .sorted(Comparator.comparingDouble((Integer l) -> -recovery[l])).limit(3).toList();
                assertThat(number(atlas, atlasRow(result, "cross-model-transfer.top-layer", protocol, name), "value"))
                        .isEqualTo(order.get(0).doubleValue());
                assertThat(number(atlas, atlasRow(result, "cross-model-transfer.top-recovery", protocol, name), "value"))
                        .isCloseTo(recovery[order.get(0)], within(1e-4));
                String names = ((String) cell(atlas, atlasRow(result, "cross-model-transfer.top-layers", protocol, name), "display"))
                        .replaceAll(" -?[0-9]+\\.[0-9]+", "");
                assertThat(names).isEqualTo(order.stream().limit(Math.min(3, n)).map(l -> "L" + l).collect(Collectors.joining(", ")));
            }
            // patching the last block's whole output hands over the trained output: 1 by construction, flagged
            assertThat(expected[0][n - 1]).isCloseTo(1, within(1e-6));
            Table flags = table(result, "atlas-flags");
            assertThat(flags.rows()).anySatisfy(r -> {
                assertThat(r.get(2)).isEqualTo(name);
                assertThat(r.get(1)).isEqualTo("published");
                assertThat((String) r.get(4)).startsWith("last-layer recovery is 1 by construction");
            });
        }
        assertThat(result.charts()).singleElement().satisfies(c -> assertThat(c.table()).isEqualTo("transfer-layers"));
    }

    @Test
    void validationAndSettings() {
        assertThat(Steps.create("cross-model-transfer", "models = [main], suite = countries").validate(study)).extracting(Object::toString).containsExactly(
                P + ".split: suite 'countries' (split test) has no task with a corrupt prompt; this row runs the clean prompts of the"
                        + " clean/corrupt pairs, as the published study did");
        assertThat(Steps.create("cross-model-transfer", "models = all, suite = nope").validate(study)).extracting(Object::toString).containsExactly(
                P + ".suite: unknown suite 'nope'; the study's suites: [countries, families, knockout, main]");
        assertThatThrownBy(() -> Steps.create("cross-model-transfer", "top = 0, protocols = []"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.experiment.cross-model-transfer.protocols: found []; allowed: a non-empty list of distinct protocols"
                        + " from [published, corrected]\n"
                        + "interp4j.experiment.cross-model-transfer.top: found 0; allowed: an integer number of layers >= 1");
        assertThatThrownBy(() -> Steps.create("cross-model-transfer", "topp = 3"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.cross-model-transfer.topp: unknown key");
    }

    /**
     * The seed's prompt sets differed by scale: per model, the published patches run on the published paired prompts
     * alone (the first of each family: cap-fr and mul) and average over them; the corrected ones on every paired prompt.
     */
    @Test
    void thePublishedPatchesRunOnThePublishedPairedPromptsAlone() {
        Experiment experiment = Steps.create("cross-model-transfer", "models = [deep, main], suite = main,"
                + " per-model { deep { published-prompts-per-family = 1 } }");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.describe()).contains("with per-model prompts");
        List<Task> paired = study.suite("main").tasks().stream().filter(t -> t.corruptPrompt().isPresent()).toList();
        List<Task> first = paired.stream().filter(t -> !t.id().equals("cap-it")).toList();
        // deep: 3 prompts' sources, 2 × 4 published patches, 3 × 4 corrected; main as before
        long forwards = (3 * 2 + 2 * 4 + 3 * 4) + 3 * (2 + 2 * 2);
        assertThat(experiment.forwardPasses(study)).isEqualTo(forwards);
        study.takeForwards();
        StepResult result = experiment.run(study, new Steps.Counter());
        assertThat(study.takeForwards()).isEqualTo(forwards);
        Table layers = table(result, "transfer-layers");
        double[] published = expected("deep", first)[0];
        double[] corrected = expected("deep", paired)[1];
        for (int l = 0; l < 4; l++) {
            int layer = l;
            for (String protocol : List.of("published", "corrected")) {
                List<Object> row = layers.rows().stream().filter(r -> r.get(0).equals("deep") && r.get(1).equals(protocol)
                        && ((Number) r.get(2)).intValue() == layer).findFirst().orElseThrow();
                assertThat(number(layers, row, "recovery")).as("%s L%d", protocol, l)
                        .isCloseTo(protocol.equals("published") ? published[l] : corrected[l], within(1e-4));
            }
        }
        Table prompts = table(result, "transfer-prompts");
        assertThat(prompts.rows().stream().filter(r -> r.get(0).equals("deep") && r.get(1).equals("published")).map(r -> r.get(3))
                .distinct()).containsExactly("cap-fr", "mul");
        assertThat(result.summary()).containsEntry("prompts.deep.published", 2).containsEntry("prompts.deep.corrected", 3)
                .containsEntry("prompts.main.published", 3);
        // a published family must have paired tasks: copying has none
        assertThat(Steps.create("cross-model-transfer", "models = [deep], suite = main, per-model { deep { published-families ="
                + " [copying] } }").validate(study)).extracting(Object::toString).singleElement().asString()
                .startsWith(P + ".per-model.deep.published-families: unknown family 'copying'");
    }

    @Test
    void onlyTheCorrectedProtocolRunsItsOwnForwards() {
        Experiment experiment = Steps.create("cross-model-transfer", "models = [main], suite = main, protocols = [corrected], top = 1");
        assertThat(experiment.forwardPasses(study)).isEqualTo(3 * (2 + 2));
        StepResult result = experiment.run(study, new Steps.Counter());
        Table atlas = table(result, "atlas");
        assertThat(atlas.rows()).noneMatch(r -> r.get(2).equals("published"));
        assertThat((String) cell(atlas, atlasRow(result, "cross-model-transfer.top-layers", "corrected", "main"), "value"))
                .matches("L[01] -?[0-9.]+");
        assertThat(new ArrayList<>(table(result, "atlas-flags").rows())).noneMatch(r -> ((String) r.get(4)).startsWith("last-layer"));
    }

    /**
     * The corrected recovery leaves out prompts whose KL(trained ‖ base) is below the floor, counts them in
     * a flag, and averages the others; the published one keeps every prompt with a defined recovery.
     */
    @Test
    void theCorrectedRecoveryLeavesOutPromptsBelowTheFloor() {
        StepResult all = Steps.create("cross-model-transfer", "models = [main], suite = main").run(study, Progress.none());
        Table prompts = table(all, "transfer-prompts");
        List<List<Object>> layer0 = prompts.rows().stream().filter(r -> r.get(1).equals("published") && ((Number) r.get(2)).intValue() == 0)
                .toList();
        double[] baselines = layer0.stream().mapToDouble(r -> number(prompts, r, "kl_trained_base")).sorted().toArray();
        assertThat(baselines).hasSize(3);
        // a floor between the smallest baseline and the others: one prompt is left out of the corrected reading
        double floor = (baselines[0] + baselines[1]) / 2;
        StepResult result = Steps.create("cross-model-transfer", "models = [main], suite = main, recovery-floor = " + floor)
                .run(study, Progress.none());
        assertThat(result.summary()).containsEntry("prompts.main.published", 3).containsEntry("prompts.main.corrected", 2);
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).anySatisfy(r -> {
            assertThat(cell(flags, r, "protocol")).isEqualTo("corrected");
            assertThat((String) cell(flags, r, "message")).startsWith("1 of 3 prompts have KL(trained ‖ base) below the recovery floor");
        });
        Table rows = table(result, "transfer-prompts");
        Table layers = table(result, "transfer-layers");
        int n = study.raw("main").config().numLayers();
        for (int l = 0; l < n; l++) {
            int layer = l;
            List<List<Object>> kept = rows.rows().stream().filter(r -> r.get(1).equals("corrected") && ((Number) r.get(2)).intValue() == layer
                    && number(rows, r, "kl_trained_base") >= floor).toList();
            assertThat(kept).hasSize(2);
            // the kept prompts' recoveries, family means then their mean (computed from the rows, by hand)
            java.util.Map<String, List<Double>> byFamily = new java.util.LinkedHashMap<>();
            kept.forEach(r -> byFamily.computeIfAbsent((String) cell(rows, r, "family"), f -> new java.util.ArrayList<>())
                    .add(number(rows, r, "recovery")));
            double expected = byFamily.values().stream().mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average()
                    .orElseThrow()).average().orElseThrow();
            List<Object> row = layers.rows().stream().filter(r -> r.get(1).equals("corrected") && ((Number) r.get(2)).intValue() == layer)
                    .findFirst().orElseThrow();
            assertThat(number(layers, row, "recovery")).as("L%d", l).isCloseTo(expected, within(1e-12));
        }
        assertThatThrownBy(() -> Steps.create("cross-model-transfer", "recovery-floor = 0"))
                .hasMessageContaining("interp4j.experiment.cross-model-transfer.recovery-floor: found 0; allowed: a finite number of nats > 0");
    }
}
