package io.interp4j.experiments.atlas.architecture;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.common.StepSettings;
import java.util.List;

/**
 * {@code architecture}: the atlas row "Architecture" (STUDY.md row 1), read from each model's
 * checkpoint config; no forward pass, the same in both protocols.
 */
public final class ArchitectureFactory implements ExperimentFactory {
    /** The plugin id. */
    public static final String ID = "architecture";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "atlas row 'architecture': layers, heads, KV heads, widths, vocabulary, parameter count, tied embeddings and"
                + " q/k/v bias of each model, read from its config.json (no forward pass)";
    }

    @Override
    public Experiment create(Config config) {
        StepSettings settings = new StepSettings(ID, config);
        // the row has no protocols setting: its values are the same in both (protocol "both")
        Config both = config.withFallback(ConfigValueFactory.fromIterable(List.of("published", "corrected")).atKey("protocols"));
        RowScope scope = RowScope.read(settings, both);
        settings.check();
        return new ArchitectureExperiment(scope);
    }
}
