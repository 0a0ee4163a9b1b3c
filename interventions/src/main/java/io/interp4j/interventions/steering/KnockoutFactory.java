package io.interp4j.interventions.steering;

import com.typesafe.config.Config;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;

/**
 * {@code knockout}: steering against a direction. Same settings as {@code steering}, but the effective
 * scale is {@code −|scale|}: knockout scale 2 (or −2) adds {@code −2 × v}.
 */
public final class KnockoutFactory implements InterventionFactory {
    /** The plugin id. */
    public static final String ID = "knockout";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "steering with scale −|scale|: subtracts a skill direction at a site (selectivity of skill knockout)";
    }

    @Override
    public InterventionPlan create(Config config) {
        return SteeringFactory.create(ID, config, true);
    }
}
