package io.interp4j.experiments.atlas.skip;

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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerSkippingExperimentTest extends TinyStudyTest {

    @Test
    void zeroedOutputsAndTrueSkipsMatchHandHooksAndTheSharedLastLayerIsFlagged() {
        Experiment experiment = Steps.create("layer-skipping", "models = [main], suite = main, split = all,"
                + " configs = [[0], [1], [1, 0]]");
        assertThat(experiment.validate(study)).isEmpty();
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = experiment.run(study, progress);
        assertThat(experiment.forwardPasses(study)).isEqualTo(6 + 6 * 3 * 2);
        assertThat(progress.total()).isEqualTo(42);
        assertThat(study.takeForwards()).isEqualTo(42);

        Model model = study.raw("main");
        List<Task> tasks = study.suite("main").tasks();
        List<String> families = tasks.stream().map(Task::family).toList();
        Table configs = table(result, "configs");
        assertThat(configs.rows()).extracting(r -> cell(configs, r, "config"))
                .containsExactly("L0", "L1", "L0-1", "L0", "L1", "L0-1");
        Map<String, double[]> publishedKl = new LinkedHashMap<>();
        for (List<Object> row : configs.rows()) {
            boolean published = cell(configs, row, "protocol").equals("published");
            int[] layers = Arrays.stream(((String) cell(configs, row, "layers")).replaceAll("[\\[\\] ]", "").split(","))
                    .mapToInt(Integer::parseInt).toArray();
            double[] kl = new double[tasks.size()];
            double[] overlap = new double[tasks.size()];
            for (int p = 0; p < tasks.size(); p++) {
                int[] tokens = model.requireTokenizer().encode(tasks.get(p).prompt());
                Map<Integer, HandRuns.BlockEdit> edits = new LinkedHashMap<>();
                for (int layer : layers) {
                    edits.put(layer, published ? HandRuns.ZERO_OUTPUT : HandRuns.SKIP);
                }
                float[] clean = Independent.lastLogits(model, tokens);
                float[] skipped = HandRuns.last(model, tokens, edits);
                kl[p] = Independent.kl(clean, skipped);
                overlap[p] = Independent.topKOverlap(clean, skipped, 5);
            }
            double expectedKl = HandRuns.familyMean(kl, families);
            assertThat(number(configs, row, "kl")).as("%s", row).isCloseTo(expectedKl, within(1e-4 * Math.max(1, expectedKl)));
            assertThat(number(configs, row, "overlap")).as("%s", row).isCloseTo(HandRuns.familyMean(overlap, families), within(1e-12));
            assertThat(cell(configs, row, "kl_ci_low") == null).isEqualTo(published);
            if (published) {
                publishedKl.put((String) cell(configs, row, "config"), kl);
            }
        }
        // zeroing the residual stream after L1 erases L0, so [1] and [0, 1] coincide on every prompt
        assertThat(publishedKl.get("L1")).containsExactly(publishedKl.get("L0-1"), within(1e-6));
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).anySatisfy(r -> {
            assertThat(cell(flags, r, "kind")).isEqualTo("artefact");
            assertThat((String) cell(flags, r, "message")).startsWith("configs sharing their last zeroed layer give identical KL")
                    .contains("L1, L0-1 (last zeroed layer L1");
        });
        Table atlas = table(result, "atlas");
        assertThat(atlas.rows()).extracting(r -> cell(atlas, r, "key") + "/" + cell(atlas, r, "protocol")).containsExactly(
                "layer-skipping.zero-overlap/published", "layer-skipping.kl-range/published", "layer-skipping.best/published",
                "layer-skipping.zero-overlap/corrected", "layer-skipping.kl-range/corrected", "layer-skipping.best/corrected");
        assertThat(result.charts()).hasSize(2);
    }

    @Test
    void theSeedConfigsKeepTheirLayersOnDeepModelsAndAreRescaledOnShallowOnes() {
        assertThat(SkipConfigs.resolve(List.of(), 24)).isSameAs(SkipConfigs.SEED);
        assertThat(SkipConfigs.resolve(List.of(), 28)).extracting(SkipConfigs::label).containsExactly(
                "L15", "L4", "L8", "L4-8", "L4-8,15", "L3-5", "L10-12", "L14-16", "L4-5,8,11,15-16", "L4-5,8,10-11,14-16");
        assertThat(SkipConfigs.resolve(List.of(), 12)).extracting(SkipConfigs::label).containsExactly(
                "L7", "L2", "L4", "L2-4", "L2-4,7", "L1-2", "L5-6", "L7-8", "L2,4-5,7-8");
        assertThat(SkipConfigs.resolve(List.of(), 2)).extracting(SkipConfigs::label).containsExactly("L1", "L0", "L0-1");
        Experiment defaults = Steps.create("layer-skipping", "models = [main, other], suite = main, split = test");
        assertThat(defaults.forwardPasses(study)).isEqualTo(2 * (4 + 4 * 3 * 2));
    }
}
