package org.example.interp4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.testkit.plugin.ExperimentContract;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlockZeroingTest extends ExperimentContract {
    @Override
    protected String id() {
        return "block-zeroing";
    }

    @Override
    protected Optional<PlanExecutor> executor() {
        return Optional.of(new Planner(PlannerOptions.DEFAULTS));
    }

    /** Each row against a drop computed here: the engine's own runs, one without and one with block 1 skipped, softmax in double. */
    @Test
    void eachPromptsDropMatchesAnIndependentComputation() {
        StepResult result = factory().create(PluginSettings.resolve(PluginKind.EXPERIMENT, id(), ConfigFactory.empty())).run(study, Progress.none());
        List<List<Object>> rows = result.tables().get(0).rows();
        List<Task> tasks = study.suite("main").tasks();
        assertThat(rows).hasSize(tasks.size());
        Model model = study.raw("main");
        for (int i = 0; i < tasks.size(); i++) {
            int[] tokens = study.tokenizer("main").encode(tasks.get(i).prompt());
            double[] clean = lastSoftmax(model, tokens, null);
            double[] skipped = lastSoftmax(model, tokens, Intervention.zero(Site.parse("blocks.1.contribution"), Positions.ALL));
            int top = 0;
            for (int v = 1; v < clean.length; v++) {
                if (clean[v] > clean[top]) {
                    top = v;
                }
            }
            assertThat(rows.get(i).get(0)).isEqualTo(tasks.get(i).id());
            assertThat((double) rows.get(i).get(2)).as(tasks.get(i).id()).isCloseTo(clean[top] - skipped[top], within(1e-5));
        }
        assertThat(result.summary()).containsEntry("block", 1).containsEntry("prompts", tasks.size());
    }

    private static double[] lastSoftmax(Model model, int[] tokens, Intervention intervention) {
        float[] logits;
        try (Run run = model.newRun()) {
            if (intervention != null) {
                run.intervene(intervention);
            }
            TensorData all = TensorData.of(run.forward(tokens).logits());
            int vocab = (int) all.shape()[all.shape().length - 1];
            logits = java.util.Arrays.copyOfRange(all.data(), all.data().length - vocab, all.data().length);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int v = 0; v < logits.length; v++) {
            p[v] = Math.exp(logits[v] - max);
            sum += p[v];
        }
        for (int v = 0; v < logits.length; v++) {
            p[v] /= sum;
        }
        return p;
    }
}
