package io.interp4j.experiments.atlas.exit;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
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
import org.junit.jupiter.api.Test;

class EarlyExitExperimentTest extends TinyStudyTest {

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static void check(StepResult result, Model model, List<Task> tasks, String protocol, float[][][] exits, boolean fullLast) {
        List<String> families = tasks.stream().map(Task::family).toList();
        int layers = model.config().numLayers();
        Table table = table(result, "layers");
        for (int l = 0; l < layers; l++) {
            double[] agree = new double[tasks.size()];
            double[] kl = new double[tasks.size()];
            for (int p = 0; p < tasks.size(); p++) {
                float[] full = Independent.lastLogits(model, model.requireTokenizer().encode(tasks.get(p).prompt()));
                float[] exit = fullLast && l == layers - 1 ? full : exits[l][p];
                agree[p] = argmax(exit) == argmax(full) ? 1 : 0;
                kl[p] = Math.max(0, Independent.kl(full, exit));
            }
            int layer = l;
            List<Object> row = table.rows().stream().filter(r -> cell(table, r, "protocol").equals(protocol)
                    && ((Number) cell(table, r, "layer")).intValue() == layer).findFirst().orElseThrow();
            assertThat(number(table, row, "agreement")).as("%s L%d", protocol, l).isEqualTo(HandRuns.familyMean(agree, families));
            double expected = HandRuns.familyMean(kl, families);
            assertThat(number(table, row, "kl")).as("%s L%d", protocol, l).isCloseTo(expected, within(1e-4 * Math.max(1, expected)));
            assertThat(number(table, row, "speedup")).isEqualTo((double) layers / (l + 1));
        }
    }

    private static int[][] tokens(Model model, List<Task> tasks) {
        return tasks.stream().map(t -> model.requireTokenizer().encode(t.prompt())).toArray(int[][]::new);
    }

    @Test
    void publishedExitsSkipTheFinalNormAndCorrectedExitsAreTheLogitLens() {
        Experiment experiment = Steps.create("early-exit", "models = [main], suite = main, split = all");
        assertThat(experiment.validate(study)).isEmpty();
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = experiment.run(study, progress);
        assertThat(experiment.forwardPasses(study)).isEqualTo(6 * 3);
        assertThat(progress.total()).isEqualTo(18);
        assertThat(study.takeForwards()).isEqualTo(18);

        Model model = study.raw("main");
        List<Task> tasks = study.suite("main").tasks();
        check(result, model, tasks, "published", HandRuns.exitLogits(model, tokens(model, tasks), false), true);
        float[][][] lens = HandRuns.exitLogits(model, tokens(model, tasks), true);
        check(result, model, tasks, "corrected", lens, false);

        Table atlas = table(result, "atlas");
        List<Object> finalLayer = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals("early-exit.final-layer")
                && cell(atlas, r, "protocol").equals("published")).findFirst().orElseThrow();
        assertThat((String) cell(atlas, finalLayer, "display")).isEqualTo("L1: 100% argmax, KL 0.00 (the model's own logits)");
        // with the final norm the last layer's lens is the model's output, so some layer reaches the threshold
        List<Object> earliest = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals("early-exit.earliest")
                && cell(atlas, r, "protocol").equals("corrected")).findFirst().orElseThrow();
        assertThat(cell(atlas, earliest, "value")).isInstanceOf(Integer.class);
        assertThat(cell(atlas, earliest, "ci_low")).as("a layer index has no interval").isNull();
        assertThat(result.charts()).hasSize(2);
    }

    @Test
    void withoutTheFullLogitsSpecialCaseTheLastLayerDisagreesAndIsFlagged() {
        Experiment experiment = Steps.create("early-exit", "models = [other], suite = main, split = test, protocols = [published],"
                + " last-layer-full-logits = false");
        StepResult result = experiment.run(study, new Steps.Counter());
        Model model = study.raw("other");
        List<Task> tasks = study.suite("main").split("test").tasks();
        float[][][] exits = HandRuns.exitLogits(model, tokens(model, tasks), false);
        check(result, model, tasks, "published", exits, false);
        Table table = table(result, "layers");
        List<Object> last = table.rows().get(table.rows().size() - 1);
        boolean artefact = number(table, last, "agreement") < 1 || number(table, last, "kl") > 1e-3;
        assertThat(artefact).as("lm_head without the final RMSNorm is not the model's output").isTrue();
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).anySatisfy(r -> assertThat((String) cell(flags, r, "message"))
                .startsWith("the last layer's exit is not the model's output"));
    }

    /** The seed special-cased the last layer at 0.5B only: one step gives each model its own recipe. */
    @Test
    void perModelSettingsSpecialCaseTheLastLayerForOneModelOnly() {
        Experiment experiment = Steps.create("early-exit", "models = [main, other], suite = main, split = test, protocols = [published],"
                + " per-model { other { last-layer-full-logits = false } }");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.describe()).contains("with per-model settings");
        StepResult result = experiment.run(study, new Steps.Counter());
        Table atlas = table(result, "atlas");
        for (String name : List.of("main", "other")) {
            boolean special = name.equals("main");
            List<Object> finalLayer = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals("early-exit.final-layer")
                    && cell(atlas, r, "model").equals(name)).findFirst().orElseThrow();
            assertThat((String) cell(atlas, finalLayer, "display")).as(name)
                    .endsWith(special ? "(the model's own logits)" : "(lm_head without the final norm)");
        }
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows().stream().filter(r -> ((String) cell(flags, r, "message")).startsWith("the last layer's exit is not"))
                .map(r -> cell(flags, r, "model")).toList()).containsExactly("other");
        assertThat(Steps.create("early-exit", "models = [main], suite = main, per-model { large { last-layer-full-logits = false } }")
                .validate(study)).extracting(Object::toString).containsExactly(P + ".per-model.large: unknown model 'large'; the study's models: [main, other,"
                        + " untokenized]");
    }
}
