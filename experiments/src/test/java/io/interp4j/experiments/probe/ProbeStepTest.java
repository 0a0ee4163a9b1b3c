package io.interp4j.experiments.probe;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeStepTest extends TinyStudyTest {

    @Test
    void defaultsResolveFromTheReferenceConf() {
        Config defaults = PluginSettings.resolve(PluginKind.EXPERIMENT, "probe", ConfigFactory.empty());
        assertThat(defaults.root().keySet()).containsExactlyInAnyOrder("model", "suite", "split", "probe", "prompt-sets");
        assertThat(defaults.getString("probe.id")).isEqualTo("logit-lens");
        assertThat(defaults.getIsNull("probe.settings")).isTrue();
        assertThat(new ProbeStepFactory().create(defaults).describe()).isEqualTo("probe: logit-lens over model 'main', suite 'main' (split all)");
        assertThatThrownBy(() -> Steps.create("probe", "probe { id = logit-lens, setting = {} }, metrics = []"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.probe.probe.setting: unknown key")
                .hasMessageContaining("interp4j.experiment.probe.metrics: unknown key");
    }

    @Test
    void logitLensRowsTensorsAndChartMatchTheModel() {
        Experiment step = Steps.create("probe", "probe.settings { top-k = 3 }");
        assertThat(step.forwardPasses(study)).isEqualTo(6);
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        StepResult result = step.run(study, progress);
        assertThat(study.takeForwards()).isEqualTo(6);
        assertThat(progress.total()).isEqualTo(6);
        assertThat(result.summary()).containsEntry("probe", "logit-lens").containsEntry("rows", 2).containsEntry("forward-passes", 6L);

        Table rows = table(result, "rows");
        assertThat(rows.columns()).containsExactly("layer", "final_norm", "pairs", "argmax_agreement", "kl_mean_nats", "top_k_overlap", "k");
        assertThat(rows.rows()).extracting(r -> r.get(0)).containsExactly(0, 1);
        List<Object> last = rows.rows().get(1);
        assertThat(number(rows, last, "kl_mean_nats")).as("the last layer's lens is the model").isCloseTo(0, within(1e-5));
        assertThat(cell(rows, last, "final_norm")).isEqualTo(true);

        // the last layer's lens logits are the model's last-position logits: their norm, computed here
        Model model = study.raw("main");
        double sum = 0;
        for (Task task : study.suite("main").tasks()) {
            for (float v : Independent.lastLogits(model, model.requireTokenizer().encode(task.prompt()))) {
                sum += (double) v * v;
            }
        }
        Table tensors = table(result, "tensors");
        assertThat(tensors.columns()).containsExactly("name", "shape", "size", "norm");
        List<Object> logits1 = tensors.rows().stream().filter(r -> r.get(0).equals("logits/1")).findFirst().orElseThrow();
        assertThat(cell(tensors, logits1, "shape")).isEqualTo("[6, 300]");
        assertThat(number(tensors, logits1, "norm")).isCloseTo(Math.sqrt(sum), within(1e-3));

        assertThat(result.charts()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo(ChartType.LINE_PER_SERIES);
            assertThat(List.of(c.table(), c.x(), c.y(), c.value())).containsExactly("by-layer", "layer", "measure", "mean");
        });
        Table byLayer = table(result, "by-layer");
        assertThat(byLayer.rows()).extracting(r -> r.get(1)).as("floating-point columns only: not pairs or k").containsExactly(
                "argmax_agreement", "kl_mean_nats", "top_k_overlap", "argmax_agreement", "kl_mean_nats", "top_k_overlap");
        assertThat(byLayer.rows().get(4)).containsExactly(1, "kl_mean_nats", last.get(4));
    }

    @Test
    void meanDifferenceReadsTwoSetsAndReportsTheForwardsItRan() {
        Experiment step = Steps.create("probe", "probe { id = mean-difference, settings { site = \"blocks.1.hook_resid_post\" } },"
                + " prompt-sets { negative = \"countries:clean\" }");
        Steps.Counter progress = new Steps.Counter();
        StepResult result = step.run(study, progress);
        assertThat(progress.total()).as("progress stops at the estimate").isEqualTo(step.forwardPasses(study)).isEqualTo(6);
        assertThat(result.summary()).containsEntry("forward-passes", 6L + 2);
        assertThat(table(result, "tensors").rows()).extracting(r -> r.get(0)).contains("direction");
        assertThat(result.charts()).extracting(Chart::type).isEmpty();
    }

    @Test
    void validationNamesTheProbeAndItsSettings() {
        assertThat(Steps.create("probe", "probe { id = logit-lense }, suite = countries, split = train").validate(study)).extracting(Object::toString)
                .hasSize(2)
                .satisfies(p -> assertThat(p.get(0)).isEqualTo(P + ".split: split 'train' selects no task of suite 'countries'; its"
                        + " splits: all, test"))
                .satisfies(p -> assertThat(p.get(1)).startsWith(P + ".probe.id: unknown probe 'logit-lense'; known probes: ["));
        assertThat(Steps.create("probe", "probe.settings { top-k = many, layers = [0, 9] }").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".probe.settings.top-k: expected number, found \"many\"");
    }
}
