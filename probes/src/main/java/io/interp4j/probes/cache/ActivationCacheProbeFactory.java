package io.interp4j.probes.cache;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;

/** {@code activation-cache}: copies the activations at chosen sites for every prompt of a set. */
public final class ActivationCacheProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "activation-cache";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "copies the activations at chosen hook points for every prompt of a set";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        ActivationCacheProbe probe = new ActivationCacheProbe(s.nonEmptyString("prompts", "the name of a prompt set"), s.sites("sites"));
        s.check();
        return probe;
    }
}
