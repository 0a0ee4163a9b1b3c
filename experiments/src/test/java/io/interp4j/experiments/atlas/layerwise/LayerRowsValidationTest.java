package io.interp4j.experiments.atlas.layerwise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings checks of the per-layer atlas rows: universal-hub, mlp-dominance, layer-skipping, early-exit, architecture. */
class LayerRowsValidationTest extends TinyStudyTest {
    private static final String SUITES = "the study's suites: [countries, main]";

    @AfterAll
    static void checkNothingLoaded() {
        assertThat(study.isLoaded("main")).as("validation loads no model").isFalse();
        assertThat(study.isLoaded("other")).as("validation loads no model").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"universal-hub", "mlp-dominance", "layer-skipping", "early-exit"})
    void theDefaultsNeedOnlyTheFamiliesSuite(String id) {
        Experiment experiment = Steps.factory(id).create(PluginSettings.resolve(PluginKind.EXPERIMENT, id, ConfigFactory.empty()));
        assertThat(experiment.validate(study)).extracting(Object::toString).containsExactly(P + ".suite: unknown suite 'families'; " + SUITES);
        assertThat(experiment.describe()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"universal-hub", "mlp-dominance", "layer-skipping", "early-exit"})
    void unknownModelsSuitesAndSplitsAreNamedWithTheirPaths(String id) {
        assertThat(Steps.create(id, "models = [main, big], suite = mian").validate(study)).extracting(Object::toString).containsExactly(
                P + ".models: unknown model 'big'; the study's models: [main, other, untokenized]",
                P + ".suite: unknown suite 'mian'; " + SUITES);
        assertThat(Steps.create(id, "suite = main, split = dev").validate(study)).extracting(Object::toString).containsExactly(
                P + ".split: split 'dev' selects no task of suite 'main'; its splits: all, test, train");
    }

    @ParameterizedTest
    @ValueSource(strings = {"universal-hub", "mlp-dominance", "layer-skipping", "early-exit", "architecture"})
    void badModelAndProtocolListsAreRejectedWhenCreated(String id) {
        String protocols = id.equals("architecture") ? "" : ", protocols = [published, both]";
        assertThatThrownBy(() -> Steps.create(id, "models = []" + protocols))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment." + id + ".models: found []; allowed: all, or a non-empty list of study model"
                        + " names");
        if (!protocols.isEmpty()) {
            assertThatThrownBy(() -> Steps.create(id, "models = all" + protocols))
                    .hasMessageContaining("interp4j.experiment." + id + ".protocols: found [\"published\",\"both\"]; allowed: a non-empty"
                            + " list of distinct protocols from [published, corrected]");
        }
    }

    @Test
    void theHubsRouterRuleAndCascadeToleranceAreChecked() {
        assertThatThrownBy(() -> Steps.create("universal-hub", "target-rule = nearest, cascade-tolerance = -1"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.experiment.universal-hub.target-rule: found 'nearest'; allowed: exact, leading-space, first-token\n"
                        + "interp4j.experiment.universal-hub.cascade-tolerance: found -1.0; allowed: a finite number >= 0");
    }

    @Test
    void skipConfigsMustBeListsOfDistinctLayersInEveryModelsRange() {
        assertThatThrownBy(() -> Steps.create("layer-skipping", "configs = [[0, 0], [], [x], 3], top-k = 0, identical-kl-tolerance = -1"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage(String.join("\n",
                        "interp4j.experiment.layer-skipping.configs[0]: found [0,0]; allowed: seed, or a non-empty list of non-empty lists"
                                + " of distinct layers >= 0, like [[15], [4, 5, 6, 7, 8]]",
                        "interp4j.experiment.layer-skipping.configs[1]: found []; allowed: seed, or a non-empty list of non-empty lists"
                                + " of distinct layers >= 0, like [[15], [4, 5, 6, 7, 8]]",
                        "interp4j.experiment.layer-skipping.configs[2]: found [\"x\"]; allowed: seed, or a non-empty list of non-empty"
                                + " lists of distinct layers >= 0, like [[15], [4, 5, 6, 7, 8]]",
                        "interp4j.experiment.layer-skipping.configs[3]: found 3; allowed: seed, or a non-empty list of non-empty lists"
                                + " of distinct layers >= 0, like [[15], [4, 5, 6, 7, 8]]",
                        "interp4j.experiment.layer-skipping.top-k: found 0; allowed: an integer >= 1 (at most the vocabulary size)",
                        "interp4j.experiment.layer-skipping.identical-kl-tolerance: found -1.0; allowed: a finite number >= 0"));
        Experiment skip = Steps.create("layer-skipping", "models = [main, other], suite = main, configs = [[1], [0, 2, 5]], top-k = 301");
        assertThat(skip.validate(study)).extracting(Object::toString).containsExactly(
                P + ".configs[1]: layers 2, 5 are out of range; model 'main' has layers 0..1",
                P + ".top-k: found 301; allowed: 1..300 (the vocabulary of model 'main')",
                P + ".configs[1]: layers 2, 5 are out of range; model 'other' has layers 0..1",
                P + ".top-k: found 301; allowed: 1..300 (the vocabulary of model 'other')");
        assertThatThrownBy(() -> skip.run(study, Progress.none())).isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(P + ".configs[1]: layers 2, 5 are out of range");
    }

    @Test
    void earlyExitChecksItsThresholdAndTopK() {
        assertThatThrownBy(() -> Steps.create("early-exit", "agreement-threshold = 0, top-k = -2"))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("interp4j.experiment.early-exit.agreement-threshold: found 0.0; allowed: a fraction in (0, 1]\n"
                        + "interp4j.experiment.early-exit.top-k: found -2; allowed: an integer >= 1 (at most the vocabulary size)");
        assertThat(Steps.create("early-exit", "models = [other], suite = main, top-k = 500").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".top-k: found 500; allowed: 1..300 (the vocabulary of model 'other')");
    }

    @Test
    void architectureNeedsOnlyKnownModels() {
        assertThat(Steps.create("architecture", "models = [main, nope]").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".models: unknown model 'nope'; the study's models: [main, other, untokenized]");
        assertThat(Steps.create("architecture", "").validate(study)).isEmpty();
        assertThatThrownBy(() -> Steps.create("architecture", "suite = main")).isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.architecture.suite: unknown key");
    }

    @Test
    void aModelWithoutATokenizerIsNamedWhenTheRowRuns() {
        Experiment mlp = Steps.create("mlp-dominance", "models = [untokenized], suite = main");
        assertThat(mlp.validate(study)).isEmpty();
        assertThatThrownBy(() -> mlp.run(study, Progress.none())).isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(P + ".models: model 'untokenized' (").hasMessageContaining("has no tokenizer.json");
    }
}
