package io.interp4j.experiments.atlas.heads;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Checks head-specialisation against hand-installed Java hooks that zero columns of hook_attn_out or one
 * head's entries of attn.hook_z, with KLs and family means in plain double math.
 */
class HeadSpecialisationTest extends TinyStudyTest {
    private static final List<String> MODELS = List.of("main", "other");
    /** The tiny model: 2 layers, 4 query heads over 2 KV heads, d_model 32, d_head 8. */
    private static final int LAYERS = 2;
    private static final int HEADS = 4;
    private static final int D_HEAD = 8;

    /** One run of the step with its forward counts. */
    private record Outcome(StepResult result, long planned, long reported, long counted) {}

    private static Outcome run(String settings) {
        Experiment step = Steps.create("head-specialisation", settings);
        assertThat(step.validate(study)).isEmpty();
        long planned = step.forwardPasses(study);
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = step.run(study, progress);
        return new Outcome(result, planned, progress.total(), study.takeForwards());
    }

    /** The independent computation for one model: per-prompt KLs of every ablation, by hand. */
    private static final class Hand {
        final Model model;
        final List<Task> tasks = study.suite("main").tasks();
        final int[][] tokens;
        final float[][] clean;

        Hand(String name) {
            model = study.raw(name);
            Tokenizer tokenizer = model.requireTokenizer();
            tokens = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toArray(int[][]::new);
            clean = Arrays.stream(tokens).map(t -> Independent.lastLogits(model, t)).toArray(float[][]::new);
        }

        /** KL per prompt with columns [from, to) of hook_attn_out zeroed at every position. */
        double[] slice(int layer, int slot) {
            int from = slot * D_HEAD;
            int to = from + D_HEAD;
            return kl(layer, HookSite.ATTN_OUT, x -> {
                int d = 32;
                for (int i = 0; i < x.length; i++) {
                    if (i % d >= from && i % d < to) {
                        x[i] = 0;
                    }
                }
            });
        }

        /** KL per prompt with query head h of hook_z ([1, pos, heads, d_head]) zeroed at every position. */
        double[] head(int layer, int h) {
            return kl(layer, HookSite.ATTN_Z, x -> {
                for (int i = 0; i < x.length; i++) {
                    if ((i / D_HEAD) % HEADS == h) {
                        x[i] = 0;
                    }
                }
            });
        }

        private double[] kl(int layer, HookSite site, java.util.function.Consumer<float[]> edit) {
            double[] out = new double[tokens.length];
            for (int p = 0; p < tokens.length; p++) {
                out[p] = Independent.kl(clean[p], HandRuns.lastEdited(model, tokens[p], HookPoint.block(layer, site), edit));
            }
            return out;
        }

        /** The mean over families of the mean over each family's prompts. */
        double familyMean(double[] values) {
            Map<String, List<Double>> groups = new LinkedHashMap<>();
            for (int p = 0; p < values.length; p++) {
                groups.computeIfAbsent(tasks.get(p).family(), f -> new ArrayList<>()).add(values[p]);
            }
            return groups.values().stream().mapToDouble(l -> l.stream().mapToDouble(Double::doubleValue).average().orElseThrow())
                    .average().orElseThrow();
        }

        /** The mean over families of each family's smallest (or largest) value: bounds of any resampled family mean. */
        double familyBound(double[] values, boolean max) {
            Map<String, List<Double>> groups = new LinkedHashMap<>();
            for (int p = 0; p < values.length; p++) {
                groups.computeIfAbsent(tasks.get(p).family(), f -> new ArrayList<>()).add(values[p]);
            }
            return groups.values().stream().mapToDouble(l -> max ? l.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                    : l.stream().mapToDouble(Double::doubleValue).min().orElseThrow()).average().orElseThrow();
        }
    }

    private static List<List<Object>> rows(StepResult result, String model, String protocol) {
        Table kl = table(result, "head-kl");
        return kl.rows().stream().filter(r -> cell(kl, r, "model").equals(model) && cell(kl, r, "protocol").equals(protocol)).toList();
    }

    private static List<Object> atlasRow(StepResult result, String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol)
                && cell(atlas, r, "model").equals(model)).findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key));
    }

    private static List<String> flags(StepResult result, String model, String kind) {
        Table flags = table(result, "atlas-flags");
        return flags.rows().stream().filter(r -> cell(flags, r, "model").equals(model) && cell(flags, r, "kind").equals(kind))
                .map(r -> (String) cell(flags, r, "message")).toList();
    }

    @Test
    void publishedSlicesAndCorrectedHeadsMatchHandInstalledHooks() {
        Outcome outcome = run("models = [main, other], suite = main, split = all, published-variant = slice, published-layers = all");
        StepResult result = outcome.result();
        Table kl = table(result, "head-kl");
        int prompts = study.suite("main").tasks().size();
        // per model: the clean prompts, 2 layers × 4 slices, 2 layers × 4 heads
        assertThat(outcome.planned()).isEqualTo(2L * prompts * (1 + 8 + 8));
        assertThat(outcome.reported()).isEqualTo(outcome.planned());
        assertThat(outcome.counted()).isEqualTo(outcome.planned());
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            List<List<Object>> published = rows(result, name, "published");
            assertThat(published).hasSize(LAYERS * 4);
            double bestPublished = -1;
            int[] publishedAt = null;
            for (List<Object> row : published) {
                int layer = ((Number) cell(kl, row, "layer")).intValue();
                int slot = ((Number) cell(kl, row, "head")).intValue();
                assertThat(cell(kl, row, "kv_head")).isNull();
                double expected = hand.familyMean(hand.slice(layer, slot));
                assertThat(number(kl, row, "kl")).as("%s slice L%d %d", name, layer, slot).isCloseTo(expected, within(1e-6));
                if (expected > bestPublished) {
                    bestPublished = expected;
                    publishedAt = new int[] {layer, slot};
                }
            }
            List<List<Object>> corrected = rows(result, name, "corrected");
            assertThat(corrected).hasSize(LAYERS * HEADS);
            double bestCorrected = -1;
            int[] correctedAt = null;
            for (List<Object> row : corrected) {
                int layer = ((Number) cell(kl, row, "layer")).intValue();
                int h = ((Number) cell(kl, row, "head")).intValue();
                assertThat(((Number) cell(kl, row, "kv_head")).intValue()).as("GQA: 2 query heads per KV head").isEqualTo(h / 2);
                double[] perPrompt = hand.head(layer, h);
                double expected = hand.familyMean(perPrompt);
                assertThat(number(kl, row, "kl")).as("%s head L%d H%d", name, layer, h).isCloseTo(expected, within(1e-6));
                double low = number(kl, row, "ci_low");
                double high = number(kl, row, "ci_high");
                assertThat(low).isLessThanOrEqualTo(high);
                assertThat(low).isGreaterThanOrEqualTo(hand.familyBound(perPrompt, false) - 1e-9);
                assertThat(high).isLessThanOrEqualTo(hand.familyBound(perPrompt, true) + 1e-9);
                if (expected > bestCorrected) {
                    bestCorrected = expected;
                    correctedAt = new int[] {layer, h};
                }
            }
            assertThat(number(table(result, "atlas"), atlasRow(result, "head-specialisation.kl", "published", name), "value"))
                    .isCloseTo(bestPublished, within(1e-6));
            assertThat(cell(table(result, "atlas"), atlasRow(result, "head-specialisation.head", "published", name), "display"))
                    .isEqualTo("slice " + publishedAt[1] + " (not a head)");
            assertThat(number(table(result, "atlas"), atlasRow(result, "head-specialisation.kl", "corrected", name), "value"))
                    .isCloseTo(bestCorrected, within(1e-6));
            assertThat(number(table(result, "atlas"), atlasRow(result, "head-specialisation.layer", "corrected", name), "value"))
                    .isEqualTo(correctedAt[0]);
            assertThat(number(table(result, "atlas"), atlasRow(result, "head-specialisation.head", "corrected", name), "value"))
                    .isEqualTo(correctedAt[1]);
            assertThat(cell(table(result, "atlas"), atlasRow(result, "head-specialisation.kl", "corrected", name), "ci_low"))
                    .isNotNull();
            // the slice of hook_attn_out is not a head: the data shows it
            assertThat(flags(result, name, "artefact")).singleElement().asString().contains("d_head-wide slice");
            boolean differ = publishedAt[0] != correctedAt[0] || publishedAt[1] != correctedAt[1];
            assertThat(flags(result, name, "disagreement")).hasSize(differ ? 1 : 0);
        }
        assertThat(result.charts()).hasSize(4);
        assertThat(table(result, "heads-main-corrected").rows()).hasSize(LAYERS * HEADS);
        assertThat(table(result, "top-head-per-family").rows()).hasSize(2 * 2 * 3);
    }

    /**
     * A published-only slice runs on the prompts the published protocol averages over and no others (the
     * seed's 1–2 prompts per family), and its cells are the hand-computed means over them; the corrected
     * heads still run on every prompt.
     */
    @Test
    void publishedOnlySlicesRunOnThePublishedPromptsAlone() {
        Outcome outcome = run("models = [main], suite = main, split = all, published-layers = [1], published-prompts-per-family = 1");
        StepResult result = outcome.result();
        Table kl = table(result, "head-kl");
        Hand hand = new Hand("main");
        // the first task of each family, in suite order
        List<String> seen = new ArrayList<>();
        List<Integer> chosen = new ArrayList<>();
        for (int p = 0; p < hand.tasks.size(); p++) {
            if (!seen.contains(hand.tasks.get(p).family())) {
                seen.add(hand.tasks.get(p).family());
                chosen.add(p);
            }
        }
        int prompts = hand.tasks.size();
        assertThat(chosen.size()).as("the subset is a proper one").isLessThan(prompts);
        // every prompt clean and under the 2 × 4 corrected heads; the chosen ones under the 4 published slices of layer 1
        assertThat(outcome.planned()).isEqualTo((long) prompts * (1 + 8) + 4L * chosen.size());
        assertThat(outcome.counted()).isEqualTo(outcome.planned());
        List<List<Object>> slices = rows(result, "main", "published");
        assertThat(slices).hasSize(4);
        for (List<Object> row : slices) {
            int slot = ((Number) cell(kl, row, "head")).intValue();
            double[] all = hand.slice(1, slot);
            // one prompt per family: the family mean is the mean of the chosen prompts' KLs
            double expected = chosen.stream().mapToDouble(p -> all[p]).average().orElseThrow();
            assertThat(number(kl, row, "kl")).as("slice %d", slot).isCloseTo(expected, within(1e-6));
        }
        for (List<Object> row : rows(result, "main", "corrected")) {
            int layer = ((Number) cell(kl, row, "layer")).intValue();
            int h = ((Number) cell(kl, row, "head")).intValue();
            assertThat(number(kl, row, "kl")).isCloseTo(hand.familyMean(hand.head(layer, h)), within(1e-6));
        }
    }

    @Test
    void publishedHeadIsTheHookZHeadInItsLayersAndRunsOnce() {
        Outcome outcome = run("models = [main], suite = main, split = all, published-variant = head, published-layers = 1");
        StepResult result = outcome.result();
        int prompts = study.suite("main").tasks().size();
        // the published cells are corrected cells: no forward of their own
        assertThat(outcome.planned()).isEqualTo((long) prompts * (1 + LAYERS * HEADS));
        assertThat(outcome.counted()).isEqualTo(outcome.planned());
        Table kl = table(result, "head-kl");
        Hand hand = new Hand("main");
        List<List<Object>> published = rows(result, "main", "published");
        assertThat(published).hasSize(HEADS);
        double[] layer1 = new double[HEADS];
        double max0 = -1;
        for (int h = 0; h < HEADS; h++) {
            double expected = hand.familyMean(hand.head(0, h));
            assertThat(number(kl, published.get(h), "kl")).isCloseTo(expected, within(1e-6));
            max0 = Math.max(max0, expected);
            layer1[h] = hand.familyMean(hand.head(1, h));
        }
        boolean outside = Arrays.stream(layer1).max().orElseThrow() > max0;
        List<String> artefacts = flags(result, "main", "artefact");
        assertThat(artefacts).hasSize(outside ? 1 : 0);
        if (outside) {
            assertThat(artefacts.get(0)).contains("covers layers 0..0 only");
        }
    }

    @Test
    void publishedLayersAreClippedToTheModel() {
        Outcome outcome = run("models = [main], suite = main, split = all, protocols = [published], published-variant = head,"
                + " published-layers = 99");
        assertThat(rows(outcome.result(), "main", "published")).hasSize(LAYERS * HEADS);
        assertThat(rows(outcome.result(), "main", "corrected")).isEmpty();
        assertThat(table(outcome.result(), "atlas-flags").rows()).isEmpty();
    }

    @Test
    void rejectsBadSettingsWithTheirPaths() {
        assertThatThrownBy(() -> Steps.create("head-specialisation", "published-variant = row, published-layers = 0, protocols = [x],"
                + " models = []"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.head-specialisation.published-variant: found 'row'; allowed: slice")
                .hasMessageContaining("interp4j.experiment.head-specialisation.published-layers: found 0; allowed: all (every layer), an"
                        + " integer N >= 1")
                .hasMessageContaining("interp4j.experiment.head-specialisation.protocols: found [\"x\"]")
                .hasMessageContaining("interp4j.experiment.head-specialisation.models: found []");
        assertThatThrownBy(() -> Steps.create("head-specialisation", "published-layers = 2.5"))
                .hasMessageContaining("published-layers: found 2.5");
        assertThatThrownBy(() -> Steps.create("head-specialisation", "unknown = 1"))
                .hasMessageContaining("interp4j.experiment.head-specialisation.unknown: unknown key");

        Experiment step = Steps.create("head-specialisation", "models = [main, nope], suite = countries, split = train");
        assertThat(step.validate(study)).extracting(Object::toString).containsExactly(
                P + ".models: unknown model 'nope'; the study's models: [main, other, untokenized]",
                P + ".split: split 'train' selects no task of suite 'countries'; its splits: all, test");
        assertThat(Steps.create("head-specialisation", "suite = nowhere").validate(study)).extracting(Object::toString)
                .anyMatch(p -> p.startsWith(P + ".suite: unknown suite 'nowhere'"));
    }

    @Test
    void defaultsFollowTheSeed() {
        Experiment step = Steps.create("head-specialisation", "");
        assertThat(step.describe()).contains("a d_head-wide slice of hook_attn_out in every layer")
                .contains("suite 'families' (split test)").contains("models all, protocols published, corrected")
                .doesNotContain("per-model");
        assertThat(Steps.create("head-specialisation", "published-variant = head, published-layers = 6").describe())
                .contains("hook_z head in layers 0..5");
        assertThat(Steps.create("head-specialisation", "published-layers = [2, 7]").describe())
                .contains("slice of hook_attn_out in layers [2, 7]");
    }

    /**
     * The seed ran a slice scan over chosen layers at one scale and a true-head scan of the first layers at
     * the other: per-model settings give each model its own recipe in one step, and each model's cells are
     * what that recipe alone computes.
     */
    @Test
    void perModelSettingsGiveEachModelItsOwnPublishedRecipe() {
        Outcome outcome = run("models = [main, other], suite = main, split = all, published-layers = all, per-model {"
                + " main { published-layers = [1] }, other { published-variant = head, published-layers = 1 } }");
        StepResult result = outcome.result();
        Table kl = table(result, "head-kl");
        int prompts = study.suite("main").tasks().size();
        // main: clean, 1 layer × 4 slices, 2 × 4 heads; other: clean, 2 × 4 heads (its published heads are corrected cells)
        assertThat(outcome.planned()).isEqualTo((long) prompts * (1 + 4 + 8) + (long) prompts * (1 + 8));
        assertThat(outcome.counted()).isEqualTo(outcome.planned());
        Hand main = new Hand("main");
        List<List<Object>> slices = rows(result, "main", "published");
        assertThat(slices).hasSize(4);
        for (List<Object> row : slices) {
            assertThat(((Number) cell(kl, row, "layer")).intValue()).isEqualTo(1);
            int slot = ((Number) cell(kl, row, "head")).intValue();
            assertThat(number(kl, row, "kl")).isCloseTo(main.familyMean(main.slice(1, slot)), within(1e-6));
        }
        Hand other = new Hand("other");
        List<List<Object>> heads = rows(result, "other", "published");
        assertThat(heads).hasSize(HEADS);
        for (List<Object> row : heads) {
            assertThat(((Number) cell(kl, row, "layer")).intValue()).isEqualTo(0);
            int h = ((Number) cell(kl, row, "head")).intValue();
            assertThat(cell(kl, row, "kv_head")).isNotNull();
            assertThat(number(kl, row, "kl")).isCloseTo(other.familyMean(other.head(0, h)), within(1e-6));
        }
        assertThat(result.summary()).containsEntry("main.published-variant", "slice").containsEntry("main.published-layers",
                "layers [1]").containsEntry("other.published-variant", "head").containsEntry("other.published-layers", "layers 0..0");
        assertThat(Steps.create("head-specialisation", "per-model { main { published-variant = head } }").describe())
                .contains("with per-model settings");
    }

    @Test
    void rejectsBadPerModelSettingsWithTheirPaths() {
        assertThatThrownBy(() -> Steps.create("head-specialisation", "per-model { main { published-variant = row, nope = 1,"
                + " protocols = [published] }, other = 3, large { published-layers = [3, 2] } }"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model.main.nope: unknown key; allowed: [published-families,"
                        + " published-layers, published-prompts-per-family, published-variant, split, suite]")
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model.main.protocols: cannot differ per model; set it for the"
                        + " step. Allowed per model: [published-families, published-layers, published-prompts-per-family, published-variant,"
                        + " split, suite]")
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model.other: found 3; allowed: an object")
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model.large.published-layers: found [3,2];");
        assertThatThrownBy(() -> Steps.create("head-specialisation", "per-model { main { published-variant = row } }"))
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model.main.published-variant: found 'row'");
        assertThatThrownBy(() -> Steps.create("head-specialisation", "per-model = [1]"))
                .hasMessageContaining("interp4j.experiment.head-specialisation.per-model: found [1]");

        Experiment step = Steps.create("head-specialisation", "models = [main], suite = main, split = all,"
                + " per-model { nope { published-layers = 1 }, other { published-layers = [7] }, main { published-layers = [0, 5],"
                + " suite = nowhere } }");
        // other is a study model the step does not run: its overrides are unused, not an error
        assertThat(step.validate(study)).extracting(Object::toString).containsExactly(
                P + ".per-model.nope: unknown model 'nope'; the study's models: [main, other, untokenized]",
                P + ".per-model.main.suite: unknown suite 'nowhere'; the study's suites: " + new java.util.TreeSet<>(study.suiteNames()),
                P + ".per-model.main.published-layers: layer 5 is outside model 'main' (2 layers: 0..1)");
    }
}
