package io.interp4j.metrics.kl;

import io.interp4j.api.metric.Metric;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.MetricSettings;
import java.util.List;

/** {@code kl-divergence}: KL divergence between the next-token distributions of two runs, in nats. */
public final class KlDivergenceFactory extends BaseMetricFactory {
    static final String ID = "kl-divergence";

    /** Creates the factory. */
    public KlDivergenceFactory() {
        super(ID, "KL divergence in nats between the reference and intervened next-token distributions");
    }

    @Override
    protected Metric create(MetricSettings settings) {
        boolean referenceFirst = settings.choice("direction", List.of("reference-to-intervened", "intervened-to-reference"))
                .equals("reference-to-intervened");
        return new KlDivergence(referenceFirst, PositionSelection.many(ID, settings, "positions"));
    }
}
