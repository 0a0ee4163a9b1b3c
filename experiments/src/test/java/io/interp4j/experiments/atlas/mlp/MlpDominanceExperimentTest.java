package io.interp4j.experiments.atlas.mlp;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class MlpDominanceExperimentTest extends TinyStudyTest {

    /** Family-mean KL per layer, computed with hand-installed hooks. */
    private static double[] profile(Model model, List<Task> tasks, BiFunction<int[], Integer, float[]> ablated) {
        int layers = model.config().numLayers();
        List<String> families = tasks.stream().map(Task::family).toList();
        double[] out = new double[layers];
        for (int l = 0; l < layers; l++) {
            double[] kl = new double[tasks.size()];
            for (int p = 0; p < tasks.size(); p++) {
                int[] tokens = model.requireTokenizer().encode(tasks.get(p).prompt());
                kl[p] = Independent.kl(Independent.lastLogits(model, tokens), ablated.apply(tokens, l));
            }
            out[l] = HandRuns.familyMean(kl, families);
        }
        return out;
    }

    /** Every row of the profile table against the hand profile of its method. */
    private static void assertProfiles(Table profile, Map<String, double[]> byMethod) {
        for (List<Object> r : profile.rows()) {
            int layer = ((Number) cell(profile, r, "layer")).intValue();
            double[] expected = byMethod.get((String) cell(profile, r, "method"));
            assertThat(expected).as("%s", r).isNotNull();
            assertThat(number(profile, r, "kl")).as("%s", r).isCloseTo(expected[layer], within(1e-4 * Math.max(1, expected[layer])));
        }
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static List<Object> row(Table table, String key, String protocol) {
        return table.rows().stream().filter(r -> cell(table, r, "key").equals(key) && cell(table, r, "protocol").equals(protocol))
                .findFirst().orElseThrow();
    }

    @Test
    void theTopMlpAndItsShareOfTheHubMatchHandHooksOnTheSamePrompts() {
        Experiment experiment = Steps.create("mlp-dominance", "models = [other], suite = main, split = test");
        assertThat(experiment.validate(study)).isEmpty();
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = experiment.run(study, progress);
        // 4 test prompts, 2 layers: 4 clean + 4·2 MLP + 4·2 per protocol
        assertThat(experiment.forwardPasses(study)).isEqualTo(4 + 8 + 16);
        assertThat(progress.total()).isEqualTo(28);
        assertThat(study.takeForwards()).isEqualTo(28);

        Model model = study.raw("other");
        List<Task> tasks = study.suite("main").split("test").tasks();
        double[] mlp = profile(model, tasks, (tokens, l) -> HandRuns.zeroMlp(model, tokens, l));
        double[] output = profile(model, tasks, (tokens, l) -> HandRuns.last(model, tokens, Map.of(l, HandRuns.ZERO_OUTPUT)));
        double[] contribution = profile(model, tasks, (tokens, l) -> HandRuns.last(model, tokens, Map.of(l, HandRuns.SKIP)));

        Table profile = table(result, "profile");
        assertProfiles(profile, Map.of("mlp-out-zero", mlp, "layer-output-zero", output, "contribution-zero", contribution));
        assertThat(profile.rows()).hasSize(3 * 2);

        int top = argmax(mlp);
        Table atlas = table(result, "atlas");
        assertThat(number(atlas, row(atlas, "mlp-dominance.top-layer", "published"), "value")).isEqualTo(top);
        assertThat(number(atlas, row(atlas, "mlp-dominance.top-layer", "corrected"), "value")).isEqualTo(top);
        double published = mlp[top] / output[argmax(output)];
        double corrected = mlp[top] / contribution[argmax(contribution)];
        assertThat(number(atlas, row(atlas, "mlp-dominance.share", "published"), "value")).isCloseTo(published, within(1e-4));
        List<Object> correctedRow = row(atlas, "mlp-dominance.share", "corrected");
        assertThat(number(atlas, correctedRow, "value")).isCloseTo(corrected, within(1e-4));
        assertThat(cell(atlas, row(atlas, "mlp-dominance.share", "published"), "ci_low")).isNull();
        assertThat(number(atlas, correctedRow, "ci_low")).isLessThanOrEqualTo(number(atlas, correctedRow, "ci_high"));
        assertThat((String) cell(atlas, row(atlas, "mlp-dominance.share", "published"), "display"))
                .startsWith("MLPs carry ").contains("layer-output ablation on this step's prompts");
        assertThat((String) cell(atlas, correctedRow, "display")).startsWith("KL ratio ").contains("not a share of one effect");

        // published against the corrected ratio's bootstrap: a test for the report to adjust, not a flag yet
        Table tests = table(result, "atlas-tests");
        double low = number(atlas, correctedRow, "ci_low");
        double high = number(atlas, correctedRow, "ci_high");
        assertThat(tests.rows()).singleElement().satisfies(r -> {
            assertThat((String) cell(tests, r, "message")).startsWith("the MLP ratio differs");
            assertThat(number(tests, r, "published")).isCloseTo(published, within(1e-4));
            assertThat(number(tests, r, "ci_low")).isEqualTo(low);
            assertThat(number(tests, r, "ci_high")).isEqualTo(high);
            double p = number(tests, r, "p_value");
            assertThat(p).isBetween(2.0 / 1001, 1.0);
            // outside the 95% percentile interval: at most 25 of 1000 resamples beyond it, p <= 2·26/1001
            if (published < low || published > high) {
                assertThat(p).isLessThanOrEqualTo(2.0 * 26 / 1001);
            }
        });
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).noneMatch(r -> ((String) cell(flags, r, "message")).startsWith("the MLP ratio differs"));
        assertThat(result.charts()).hasSize(3 + 1);
    }

    @Test
    void thePublishedProtocolAveragesOverTheModelsOwnPromptsAndTheCorrectedOverEveryPrompt() {
        Experiment experiment = Steps.create("mlp-dominance", "models = [other], suite = main, split = test, per-model { other {"
                + " published-prompts-per-family = 1, published-families = [copying, factual_recall] } }");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.describe()).contains("with per-model prompts");
        StepResult result = experiment.run(study, new Steps.Counter());

        Model model = study.raw("other");
        List<Task> every = study.suite("main").split("test").tasks();
        // the first test task of copying and of factual_recall (cap-fr, not cap-it), picked by hand
        List<Task> chosen = every.stream().filter(t -> t.id().equals("copy") || t.id().equals("cap-fr")).toList();
        assertThat(chosen).hasSize(2);
        double[] mlpPublished = profile(model, chosen, (tokens, l) -> HandRuns.zeroMlp(model, tokens, l));
        double[] output = profile(model, chosen, (tokens, l) -> HandRuns.last(model, tokens, Map.of(l, HandRuns.ZERO_OUTPUT)));
        double[] mlpCorrected = profile(model, every, (tokens, l) -> HandRuns.zeroMlp(model, tokens, l));
        double[] contribution = profile(model, every, (tokens, l) -> HandRuns.last(model, tokens, Map.of(l, HandRuns.SKIP)));

        Table profile = table(result, "profile");
        assertProfiles(profile, Map.of("mlp-out-zero-published", mlpPublished, "mlp-out-zero-corrected", mlpCorrected, "layer-output-zero",
                output, "contribution-zero", contribution));
        assertThat(profile.rows()).hasSize(4 * 2);
        // each profile's prompts and families are those it averages over
        Table prompts = table(result, "prompts");
        assertThat(prompts.rows().stream().filter(r -> cell(prompts, r, "method").equals("layer-output-zero"))
                .map(r -> cell(prompts, r, "task")).distinct()).containsExactly("cap-fr", "copy");
        assertThat(prompts.rows().stream().filter(r -> cell(prompts, r, "method").equals("contribution-zero"))
                .map(r -> cell(prompts, r, "task")).distinct()).containsExactly("cap-fr", "cap-it", "mul", "copy");
        Table families = table(result, "families");
        assertThat(families.rows().stream().filter(r -> cell(families, r, "method").equals("mlp-out-zero-published"))
                .map(r -> cell(families, r, "family")).distinct()).containsExactly("copying", "factual_recall");

        Table atlas = table(result, "atlas");
        assertThat(number(atlas, row(atlas, "mlp-dominance.top-layer", "published"), "value")).isEqualTo(argmax(mlpPublished));
        assertThat(number(atlas, row(atlas, "mlp-dominance.top-layer", "corrected"), "value")).isEqualTo(argmax(mlpCorrected));
        assertThat(number(atlas, row(atlas, "mlp-dominance.share", "published"), "value"))
                .isCloseTo(mlpPublished[argmax(mlpPublished)] / output[argmax(output)], within(1e-4));
        assertThat(number(atlas, row(atlas, "mlp-dominance.share", "corrected"), "value"))
                .isCloseTo(mlpCorrected[argmax(mlpCorrected)] / contribution[argmax(contribution)], within(1e-4));
    }

    @Test
    void badPromptSelectionsNameTheirConfigPaths() {
        assertThatThrownBy(() -> Steps.create("mlp-dominance", "per-model { other { published-prompts-per-family = 0,"
                + " published-families = [] } }"))
                .hasMessageContaining("interp4j.experiment.mlp-dominance.per-model.other.published-prompts-per-family: found 0; allowed:"
                        + " all, or an integer >= 1")
                .hasMessageContaining("interp4j.experiment.mlp-dominance.per-model.other.published-families: found []; allowed: all or a"
                        + " non-empty list of distinct names");
        assertThatThrownBy(() -> Steps.create("mlp-dominance", "published-prompts-per-family = two"))
                .hasMessageContaining("interp4j.experiment.mlp-dominance.published-prompts-per-family: found \"two\"");
        assertThatThrownBy(() -> Steps.create("mlp-dominance", "per-model { other { protocols = [published] } }"))
                .hasMessageContaining("interp4j.experiment.mlp-dominance.per-model.other.protocols: cannot differ per model");
        String families = "; the families of suite 'main' (split test): [arithmetic, copying, factual_recall]";
        assertThat(Steps.create("mlp-dominance", "models = [other], suite = main, split = test, per-model { other {"
                + " published-families = [copying, poetry] } }").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".per-model.other.published-families: unknown family 'poetry'" + families);
        assertThat(Steps.create("mlp-dominance", "models = [other], suite = main, split = test, published-families = [poetry]")
                .validate(study)).extracting(Object::toString).containsExactly(P + ".published-families: unknown family 'poetry'" + families);
    }
}
