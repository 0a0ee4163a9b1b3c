package io.interp4j.metrics.generation;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code constraint-adherence}: whether generations obey the format constraints their prompts state. */
public final class ConstraintAdherenceFactory extends BaseMetricFactory {
    static final String ID = "constraint-adherence";

    /** Creates the factory. */
    public ConstraintAdherenceFactory() {
        super(ID, "keyword-recognised prompt constraints (N sentences/lines/bullets, json only, 280 char) met per prompt,"
                + " averaged over all prompts");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        Integer charLimit = settings.integer("char-limit", 1);
        settings.check();
        return new ConstraintAdherence(charLimit);
    }
}
