package io.interp4j.metrics.argmax;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code argmax-agreement}: whether two runs predict the same most likely next token. */
public final class ArgmaxAgreementFactory extends BaseMetricFactory {
    static final String ID = "argmax-agreement";

    /** Creates the factory. */
    public ArgmaxAgreementFactory() {
        super(ID, "fraction of positions where the reference and intervened argmax tokens agree");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        PositionSelection positions = PositionSelection.many(ID, settings, "positions");
        settings.check();
        return new ArgmaxAgreement(positions);
    }
}
