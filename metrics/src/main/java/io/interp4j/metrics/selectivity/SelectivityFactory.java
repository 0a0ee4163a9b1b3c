package io.interp4j.metrics.selectivity;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;
import java.util.List;

/** {@code selectivity}: how much more a knockout lowers skill prompts than non-skill prompts. */
public final class SelectivityFactory extends BaseMetricFactory {
    static final String ID = "selectivity";

    /** Creates the factory. */
    public SelectivityFactory() {
        super(ID, "mean skill drop / max(mean non-skill drop (signed or absolute), epsilon)");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        boolean absolute = "absolute".equals(settings.choice("formula", List.of("published-signed", "absolute")));
        Double epsilon = settings.number("epsilon", e -> e > 0, "a finite number > 0");
        settings.check();
        return new Selectivity(absolute, epsilon);
    }
}
