package io.interp4j.probes.attention;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;

/** {@code attention-pattern}: copies attention probabilities per layer, head and prompt. */
public final class AttentionPatternProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "attention-pattern";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "copies the attention patterns [heads, q, k] of chosen layers and heads for every prompt of a set";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        AttentionPatternProbe probe = new AttentionPatternProbe(
                s.nonEmptyString("prompts", "the name of a prompt set"),
                s.indices("layers", "layer indices"),
                s.indices("heads", "query head indices"));
        s.check();
        return probe;
    }
}
