package io.interp4j.experiments.atlas;

import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The registry, defaults and config of the rows that study the LoRA-trained model (STUDY.md rows 6, 7, 8). */
class LoraRowsTest {
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

    @Test
    void theServiceLoaderFindsTheRows() {
        List<ExperimentFactory> found = ServiceLoader.load(ExperimentFactory.class).stream().map(ServiceLoader.Provider::get).toList();
        assertThat(found).extracting(ExperimentFactory::id).contains("skill-knockout", "cross-model-transfer", "adapter-norm-effect");
        assertThat(found).filteredOn(f -> List.of("skill-knockout", "cross-model-transfer", "adapter-norm-effect").contains(f.id()))
                .hasSize(3).allSatisfy(f -> assertThat(f.description()).startsWith("atlas row "));
    }

    /** Defaults, except the models: the study's other models have no adapter. */
    @ParameterizedTest
    @ValueSource(strings = {"skill-knockout", "cross-model-transfer", "adapter-norm-effect"})
    void runsWithItsDefaultsOnAModelWithAnAdapter(String id) {
        Experiment experiment = Steps.create(id, "models = [main]");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.dependsOn()).containsExactly(LoraStudy.STEP);
        assertThat(experiment.describe()).doesNotContain("\n").contains("lora-training");
        Steps.Counter progress = new Steps.Counter();
        StepResult result = experiment.run(study, progress);
        assertThat(progress.total()).isEqualTo(experiment.forwardPasses(study));
        assertThat(table(result, AtlasRows.TABLE).rows()).isNotEmpty()
                .allSatisfy(r -> assertThat(r.get(3)).isEqualTo("main"))
                .anySatisfy(r -> assertThat(r.get(2)).isEqualTo("published"))
                .anySatisfy(r -> assertThat(r.get(2)).isEqualTo("corrected"));
        assertThat(table(result, AtlasRows.FLAGS).columns()).isEqualTo(StepResult.Headline.FLAG_COLUMNS);
        assertThat(result.charts()).isNotEmpty();
        assertThat(result.summary()).containsKey("forward-passes");
    }

    @Test
    void theDefaultsAreDocumentedInTheReference() {
        Config knockout = PluginSettings.resolve(PluginKind.EXPERIMENT, "skill-knockout", ConfigFactory.empty());
        assertThat(knockout.getString("models")).isEqualTo("all");
        assertThat(knockout.getStringList("protocols")).containsExactly("published", "corrected");
        assertThat(knockout.getString("training-step")).isEqualTo("lora-training");
        assertThat(knockout.getString("suite")).isEqualTo("knockout");
        assertThat(knockout.getString("layer")).isEqualTo("middle");
        assertThat(knockout.getDoubleList("scales")).containsExactly(0.0, -0.25, -0.5, -1.0, -2.0, -4.0, -8.0);
        assertThat(knockout.getDouble("read-scale")).isEqualTo(-2);
        assertThat(knockout.getString("published-formula")).isEqualTo("signed");
        assertThat(knockout.getDouble("denominator-floor")).isEqualTo(1e-6);
        Config transfer = PluginSettings.resolve(PluginKind.EXPERIMENT, "cross-model-transfer", ConfigFactory.empty());
        assertThat(transfer.getString("suite")).isEqualTo("families");
        assertThat(transfer.getInt("top")).isEqualTo(3);
        Config norms = PluginSettings.resolve(PluginKind.EXPERIMENT, "adapter-norm-effect", ConfigFactory.empty());
        assertThat(norms.getDouble("flat-cv")).isEqualTo(0.05);
        assertThat(Steps.create("skill-knockout", "layer = 1, models = [deep, main], protocols = [corrected]").describe())
                .contains("block 1").contains("models deep, main, protocols corrected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"skill-knockout", "cross-model-transfer", "adapter-norm-effect"})
    void rejectsUnknownKeys(String id) {
        assertThatThrownBy(() -> Steps.create(id, "model = main"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith("interp4j.experiment." + id + ".model: unknown key; allowed: [");
    }
}
