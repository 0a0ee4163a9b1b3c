package io.interp4j.experiments.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SweepValidationTest extends TinyStudyTest {
    @AfterAll
    static void checkNothingLoaded() {
        assertThat(study.isLoaded("main")).as("validation loads no model").isFalse();
    }

    @Test
    void reportsEveryProblemWithItsFullPathInOneCall() {
        Experiment sweep = Steps.create("sweep", """
                suite = mian
                intervention { id = zero-ablation, settings { heads = [7], site = head, layer = 0 } }
                sweep { layer = [0, 5], foo = [1, 2] }
                metrics = [
                  { id = kl-divergance }
                  { id = pearson }
                  { id = top-k-overlap, settings { k = lots } }
                ]
                prompt-sets { positive = "nope:clean" }
                """);
        assertThat(sweep.validate(study)).extracting(Object::toString).containsExactlyInAnyOrder(
                P + ".suite: unknown suite 'mian'; the study's suites: [countries, main]",
                P + ".prompt-sets.positive: unknown suite 'nope'; the study's suites: [countries, main]",
                P + ".intervention.settings.heads: head 7 is out of range; model 'main' has query heads 0..3",
                P + ".sweep.layer: layer 5 is out of range; model 'main' has layers 0..1",
                P + ".sweep.foo: unknown setting of intervention 'zero-ablation'; its settings: [heads, layer, positions, site]",
                P + ".metrics[0].id: unknown metric 'kl-divergance'; known metrics: " + metricIds(),
                P + ".metrics[1].id: metric 'pearson' reads PairedSeries observations; a sweep compares the clean and intervened"
                        + " logits of each prompt, so its metrics must read LogitComparison (e.g. kl-divergence, top-k-overlap,"
                        + " argmax-agreement, target-probability, target-logprob-drop, logit-difference)",
                P + ".metrics[2].settings.k: expected number, found \"lots\"");
    }

    private static List<String> metricIds() {
        return List.of("argmax-agreement", "constraint-adherence", "kl-divergence", "logit-difference", "pearson", "recovery",
                "repetition-ratio", "selectivity", "spearman", "target-logprob-drop", "target-probability", "throughput", "top-k-overlap");
    }

    @Test
    void anUnknownModelListsTheStudysModelsAndAnUnknownInterventionIsNamedAtItsId() {
        Experiment sweep = Steps.create("sweep", "model = big, intervention { id = zero-ablashun }, split = dev");
        List<String> problems = sweep.validate(study).stream().map(Object::toString).toList();
        assertThat(problems).hasSize(3);
        assertThat(problems.get(0)).isEqualTo(P + ".model: unknown model 'big'; the study's models: [main, other, untokenized]");
        assertThat(problems.get(1)).isEqualTo(P + ".split: split 'dev' selects no task of suite 'main'; its splits: all, test, train");
        assertThat(problems.get(2)).startsWith(P + ".intervention.id: unknown intervention 'zero-ablashun'; known interventions: [");
    }

    @Test
    void checksEachSweptValueAgainstThePlugin() {
        Experiment sweep = Steps.create("sweep", "intervention { id = steering, settings { layer = 1, vector.from = random } },"
                + " sweep { scale = [1, big], positions = [last, nowhere] }");
        assertThat(sweep.validate(study)).extracting(Object::toString).containsExactlyInAnyOrder(
                P + ".sweep.positions: found \"nowhere\"; allowed: all, first, last, or a non-empty list of position indices like"
                        + " [0, -1] (negative: from the end) (at sweep point {positions = \"nowhere\", scale = 1})",
                P + ".sweep.scale: expected number, found \"big\"");
    }

    @Test
    void refusesToRunInvalidSettings() {
        Experiment sweep = Steps.create("sweep", "sweep { layer = [2] }");
        assertThatThrownBy(() -> sweep.run(study, Progress.none()))
                .isInstanceOf(Interp4jException.class)
                .hasMessage(P + ".sweep.layer: layer 2 is out of range; model 'main' has layers 0..1");
    }
}
