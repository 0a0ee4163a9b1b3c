package io.interp4j.testkit.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract of an intervention plugin: {@link PluginContract}, and with its defaults (plus {@link
 * #minimalSettings}) its plan resolves on the tiny study's model {@code main} for the first clean
 * prompt (probes it reads run through the study's probe plugins) into interventions that the engine
 * runs, giving finite logits of the prompt's shape that differ from the clean run's.
 */
public abstract class InterventionContract extends TinyStudyContract<InterventionFactory> {
    @Override
    protected final PluginKind kind() {
        return PluginKind.INTERVENTION;
    }

    @Override
    protected final Class<InterventionFactory> spi() {
        return InterventionFactory.class;
    }

    @Test
    void changesATinyModelsLogitsWithItsDefaults() {
        Tokenizer tokenizer = study.tokenizer("main");
        List<Task> tasks = study.suite("main").tasks();
        List<int[]> clean = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toList();
        List<int[]> corrupt = tasks.stream().map(t -> tokenizer.encode(t.corruptPrompt().orElse(t.prompt()))).toList();
        Model model = study.model("main");
        InterventionPlan plan = factory().create(settings(minimalSettings()));
        InterventionContext context = new InterventionContext(model, Map.of("main", model, "other", study.model("other")),
                Map.of("clean", clean, "corrupt", corrupt, "reference", clean, "resample", corrupt, "prompts", clean,
                        "positive", clean, "negative", corrupt),
                new InterventionContext.Target("clean", 0, clean.get(0)), study.probes());
        List<Intervention> interventions = plan.resolve(context);
        assertThat(interventions).as("%s resolved to no intervention", id()).isNotEmpty();
        assertThat(plan.describe()).isNotBlank();

        float[] reference = logits(model, List.of(), clean.get(0));
        float[] intervened = logits(model, interventions, clean.get(0));
        assertThat(intervened).hasSameSizeAs(reference);
        for (float value : intervened) {
            assertThat(Float.isFinite(value)).as("%s gave a non-finite logit", id()).isTrue();
        }
        assertThat(intervened).as("%s left the logits unchanged", id()).isNotEqualTo(reference);
    }

    private static float[] logits(Model model, List<Intervention> interventions, int[] prompt) {
        try (Run run = model.newRun()) {
            interventions.forEach(run::intervene);
            ForwardResult result = run.forward(prompt);
            return TensorData.of(result.logits()).data();
        }
    }
}
