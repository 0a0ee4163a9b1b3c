package io.interp4j.probes.lens;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;

/** {@code logit-lens}: unembeds the residual stream after every block and compares it with the model's logits. */
public final class LogitLensProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "logit-lens";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "unembeds the residual stream after each block, with or without the final RMSNorm, and compares it with the model's logits";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        LogitLensProbe probe = new LogitLensProbe(
                s.nonEmptyString("prompts", "the name of a prompt set"),
                s.positions("positions"),
                s.bool("final-norm"),
                s.intInRange("top-k", 1, Integer.MAX_VALUE),
                s.indices("layers", "layer indices"));
        s.check();
        return probe;
    }
}
