package io.interp4j.metrics.support;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;

/** A metric factory with a fixed id and description that reads its settings through a {@link SettingsReader}. */
public abstract class BaseMetricFactory implements MetricFactory {
    private final String id;
    private final String description;

    /**
     * Creates the factory.
     *
     * @param id the metric id, lowercase kebab-case
     * @param description one line for listings
     */
    protected BaseMetricFactory(String id, String description) {
        this.id = requireNonNull(id, "id is null");
        this.description = requireNonNull(description, "description is null");
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Metric create(Config settings) {
        return create(new SettingsReader(PluginKind.METRIC, id, settings));
    }

    /**
     * Creates the metric: reads every setting, then calls {@link SettingsReader#check()} (which throws
     * every problem at once) before it builds the metric from what it read.
     *
     * @param settings a reader of the resolved settings of this metric
     * @return the metric
     */
    protected abstract Metric create(SettingsReader settings);
}
