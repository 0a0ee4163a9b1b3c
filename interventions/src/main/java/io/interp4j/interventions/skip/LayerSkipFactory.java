package io.interp4j.interventions.skip;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.interventions.common.FixedPlan;
import io.interp4j.api.plugin.SettingsReader;
import java.util.List;

/**
 * {@code layer-skip}: skips blocks. {@code true-skip} zeroes each block's contribution, so the
 * residual stream passes through it unchanged; {@code zero-layer-output} is the published study's
 * "skip", which zeroes the residual stream after each block instead and is not a skip.
 */
public final class LayerSkipFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "layer-skip";

    static final String TRUE_SKIP = "true-skip";
    static final String ZERO_LAYER_OUTPUT = "zero-layer-output";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "skips blocks: true-skip passes the residual stream through unchanged;"
                + " zero-layer-output is the published variant (not a skip)";
    }

    @Override
    public InterventionPlan create(Config config) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, ID, config);
        List<Integer> layers = settings.integers("layers", 0);
        if (layers != null && layers.isEmpty()) {
            settings.invalid("layers", "a non-empty list of distinct block indices, like [4, 5, 8]");
        }
        String mode = settings.choice("mode", List.of(TRUE_SKIP, ZERO_LAYER_OUTPUT));
        settings.check();
        boolean trueSkip = mode.equals(TRUE_SKIP);
        List<Intervention> zeroed = layers.stream()
                .map(layer -> Intervention.zero(trueSkip ? new Site.Contribution(layer) : Site.layerOutput(layer), Positions.ALL))
                .toList();
        String description = trueSkip
                ? "true skip of blocks " + layers + ": each block's contribution (attn_out + mlp_out) is zeroed at every position,"
                        + " so the residual stream passes through it unchanged"
                : "zero-layer-output of blocks " + layers + " (the published 'skip', NOT a skip): the residual stream after each block is"
                        + " replaced by zeros at every position, so what follows the last of them sees no trace of the prompt";
        return new FixedPlan(ID, zeroed, description);
    }
}
