package io.interp4j.metrics.selectivity;

import io.interp4j.api.metric.Metric;
import io.interp4j.metrics.support.BaseMetricFactory;
import io.interp4j.metrics.support.MetricSettings;
import java.util.List;

/** {@code selectivity}: how much more a knockout lowers skill prompts than non-skill prompts. */
public final class SelectivityFactory extends BaseMetricFactory {
    static final String ID = "selectivity";

    /** Creates the factory. */
    public SelectivityFactory() {
        super(ID, "mean skill drop / max(mean non-skill drop (signed or absolute), epsilon)");
    }

    @Override
    protected Metric create(MetricSettings settings) {
        boolean absolute = settings.choice("formula", List.of("published-signed", "absolute")).equals("absolute");
        double epsilon = settings.number("epsilon", e -> e > 0 && Double.isFinite(e), "a finite number > 0");
        return new Selectivity(absolute, epsilon);
    }
}
