package io.interp4j.experiments.atlas.vibe;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.quant.Quantization;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vibe-check} (atlas row 14): greedy generations over a suite's generation prompts for each
 * quantisation variant of each model; repetition, constraint adherence, speed and the quantisation's
 * reconstruction error.
 */
public final class VibeCheckFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "vibe-check";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 14: greedy generation over a suite's generation prompts per model and quantisation (none, llm-int8, nf4):"
                + " repetition, format-constraint adherence (published: over all prompts; corrected: over constrained prompts),"
                + " tokens per second and weight reconstruction error; the generations are kept as generations.jsonl";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        AtlasScope scope = AtlasScope.read(config, settings);
        String family = settings.text("family");
        List<Quantization> variants = variants(settings, config);
        ConfigValue maxValue = config.getValue("max-new-tokens");
        Integer maxNewTokens = maxValue.unwrapped() instanceof Integer n && n >= 1 ? n : null;
        if (maxNewTokens == null) {
            settings.problem("max-new-tokens", "found " + StepSettings.render(maxValue) + "; allowed: an integer >= 1");
        }
        ConfigValue batchValue = config.getValue("generation-batch");
        Integer batch = "all".equals(batchValue.unwrapped()) ? Integer.valueOf(Integer.MAX_VALUE)
                : batchValue.unwrapped() instanceof Integer n && n >= 1 ? n : null;
        if (batch == null) {
            settings.problem("generation-batch", "found " + StepSettings.render(batchValue) + "; allowed: all, or an integer >= 1");
        }
        ConfigValue timedValue = config.getValue("timed-prompts");
        Integer timed = timedValue.unwrapped() instanceof Integer n && n >= 0 ? n : null;
        if (timed == null) {
            settings.problem("timed-prompts", "found " + StepSettings.render(timedValue) + "; allowed: an integer >= 0");
        }
        settings.check();
        return new VibeCheck(scope, family, variants, maxNewTokens, batch, timed);
    }

    private static List<Quantization> variants(StepSettings settings, Config config) {
        ConfigValue value = config.getValue("variants");
        String allowed = "; allowed: a non-empty list of distinct quantisations from [" + Quantization.configNames() + "]";
        if (value.valueType() != ConfigValueType.LIST || ((List<?>) value.unwrapped()).isEmpty()) {
            settings.problem("variants", "found " + StepSettings.render(value) + allowed);
            return null;
        }
        List<Quantization> out = new ArrayList<>();
        for (Object item : (List<?>) value.unwrapped()) {
            Quantization q = null;
            if (item instanceof String s) {
                try {
                    q = Quantization.parse(s.trim(), settings.path("variants"));
                } catch (Interp4jException e) {
                    q = null;
                }
            }
            if (q == null || out.contains(q)) {
                settings.problem("variants", "found " + StepSettings.render(value) + allowed);
                return null;
            }
            out.add(q);
        }
        return List.copyOf(out);
    }
}
