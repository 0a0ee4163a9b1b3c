package io.interp4j.experiments.atlas.architecture;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ArchitectureExperimentTest extends TinyStudyTest {

    @Test
    void readsEveryModelsConfigAndCountsTheCheckpointsParameters() {
        Experiment experiment = Steps.create("architecture", "");
        assertThat(experiment.validate(study)).isEmpty();
        assertThat(experiment.forwardPasses(study)).isZero();
        StepResult result = experiment.run(study, new Steps.Counter());
        assertThat(study.isLoaded("main")).as("no model is loaded").isFalse();

        long parameters;
        try (Checkpoint checkpoint = Checkpoint.open(study.raw("main").directory())) {
            parameters = checkpoint.tensorNames().stream().mapToLong(n -> Arrays.stream(checkpoint.info(n).shape()).reduce(1, (a, b) -> a * b))
                    .sum();
        }
        Table architecture = table(result, "architecture");
        assertThat(architecture.rows()).extracting(r -> cell(architecture, r, "model")).containsExactly("main", "other", "untokenized");
        List<Object> main = architecture.rows().get(0);
        assertThat(main).containsExactly("main", "qwen2", 2, 4, 2, 32, 8, 64, 300, parameters, false, true, "float32");

        Table atlas = table(result, "atlas");
        List<Object> summary = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals("architecture.summary")
                && cell(atlas, r, "model").equals("main")).findFirst().orElseThrow();
        assertThat(cell(atlas, summary, "protocol")).isEqualTo("both");
        assertThat(cell(atlas, summary, "value")).as("a text row holds its text").isEqualTo(cell(atlas, summary, "display"));
        assertThat(cell(atlas, summary, "display")).isEqualTo("2 layers · 4 heads (GQA, 2 KV) · d_model=32 · d_mlp=64 · ~"
                + String.format(Locale.ROOT, "%.2fK", parameters / 1e3) + " params");
        assertThat(atlas.rows()).hasSize(3 * 11);
        assertThat(ArchitectureExperiment.count(494_032_768L)).isEqualTo("0.49B");
        assertThat(ArchitectureExperiment.count(1_543_714_304L)).isEqualTo("1.54B");
    }
}
