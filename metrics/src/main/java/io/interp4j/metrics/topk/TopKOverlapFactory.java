package io.interp4j.metrics.topk;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.logits.PositionSelection;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code top-k-overlap}: the shared fraction of the k most likely next tokens of two runs. */
public final class TopKOverlapFactory extends BaseMetricFactory {
    static final String ID = "top-k-overlap";

    /** Creates the factory. */
    public TopKOverlapFactory() {
        super(ID, "|top-k(reference) ∩ top-k(intervened)| / k of the next-token logits");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        Integer k = settings.integer("k", 1);
        PositionSelection positions = PositionSelection.many(ID, settings, "positions");
        settings.check();
        return new TopKOverlap(k, positions);
    }
}
