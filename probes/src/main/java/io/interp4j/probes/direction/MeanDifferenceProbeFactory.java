package io.interp4j.probes.direction;

import com.typesafe.config.Config;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.probes.common.Settings;

/** {@code mean-difference}: the direction between two prompt sets' mean activations at a site and position. */
public final class MeanDifferenceProbeFactory implements ProbeFactory {
    /** The probe id. */
    public static final String ID = "mean-difference";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "mean activation of one prompt set minus that of another at a site and position (a steering direction)";
    }

    @Override
    public Probe create(Config settings) {
        Settings s = new Settings(ID, settings);
        MeanDifferenceProbe probe = new MeanDifferenceProbe(
                s.perPositionSite("site"),
                s.positions("position"),
                s.nonEmptyString("positive", "the name of a prompt set"),
                s.nonEmptyString("negative", "the name of a prompt set"),
                s.bool("normalize"));
        s.check();
        return probe;
    }
}
