package io.interp4j.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ExperimentRegistryTest extends TinyStudyTest {

    @Test
    void serviceLoaderFindsEveryExperimentWithKebabCaseIdsAndDescriptions() {
        List<ExperimentFactory> found = ServiceLoader.load(ExperimentFactory.class).stream().map(ServiceLoader.Provider::get).toList();
        // the two general steps and the fourteen atlas rows of the seed study
        assertThat(found).extracting(ExperimentFactory::id).containsExactlyInAnyOrder("sweep", "probe", "architecture", "universal-hub",
                        "mlp-dominance", "head-specialisation", "steering-leverage", "skill-knockout", "cross-model-transfer",
                        "adapter-norm-effect", "layer-skipping", "early-exit", "lora-training", "circuit-lock-in", "json-training-shift",
                        "vibe-check")
                .allMatch(id -> id.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*"));
        assertThat(found).allSatisfy(f -> assertThat(f.description()).isNotBlank());
    }

    @Test
    void theSweepsDefaultsNeedOnlyALayer() {
        Experiment sweep = Steps.factory("sweep").create(PluginSettings.resolve(PluginKind.EXPERIMENT, "sweep", ConfigFactory.empty()));
        assertThat(sweep.validate(study)).extracting(Object::toString).containsExactly(TinyStudy.PATH + ".intervention.settings.layer: found null; allowed: an"
                + " integer >= 0: site 'layer-output' takes its block from layer");
    }

    /** Runs each experiment with its defaults plus, for the sweep, the one thing zero-ablation's defaults leave open: a layer. */
    @ParameterizedTest
    @ValueSource(strings = {"sweep", "probe"})
    void runsWithItsDefaults(String id) {
        Experiment experiment = Steps.create(id, id.equals("sweep") ? "sweep.layer = all" : "");
        assertThat(experiment.validate(study)).isEmpty();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = experiment.run(study, progress);
        assertThat(progress.total()).isEqualTo(experiment.forwardPasses(study));
        assertThat(result.tables()).isNotEmpty();
        assertThat(result.charts()).isNotEmpty();
    }
}
