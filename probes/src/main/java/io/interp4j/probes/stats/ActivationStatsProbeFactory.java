package io.interp4j.probes.stats;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;

/** {@code activation-stats}: per-feature mean and standard deviation at sites, over all prompts and positions. */
public final class ActivationStatsProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "activation-stats";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "per-feature mean and population standard deviation at sites over every position of every prompt (the means of mean-ablation)";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        ActivationStatsProbe probe = new ActivationStatsProbe(s.nonEmptyString("prompts", "the name of a prompt set"), s.perPositionSites("sites"));
        s.check();
        return probe;
    }
}
