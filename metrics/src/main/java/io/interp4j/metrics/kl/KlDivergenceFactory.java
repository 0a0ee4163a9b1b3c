package io.interp4j.metrics.kl;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;
import java.util.List;

/** {@code kl-divergence}: KL divergence between the next-token distributions of two runs, in nats. */
public final class KlDivergenceFactory extends BaseMetricFactory {
    static final String ID = "kl-divergence";

    /** Creates the factory. */
    public KlDivergenceFactory() {
        super(ID, "KL divergence in nats between the reference and intervened next-token distributions");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        boolean referenceFirst = "reference-to-intervened".equals(settings.choice("direction",
                List.of("reference-to-intervened", "intervened-to-reference")));
        PositionSelection positions = PositionSelection.many(ID, settings, "positions");
        settings.check();
        return new KlDivergence(referenceFirst, positions);
    }
}
