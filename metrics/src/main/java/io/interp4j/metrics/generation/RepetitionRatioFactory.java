package io.interp4j.metrics.generation;

import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.metrics.support.BaseMetricFactory;

/** {@code repetition-ratio}: how much of a generated text repeats its own word bigrams. */
public final class RepetitionRatioFactory extends BaseMetricFactory {
    static final String ID = "repetition-ratio";

    /** Creates the factory. */
    public RepetitionRatioFactory() {
        super(ID, "mean of 1 − unique/total lower-cased word bigrams per generated text");
    }

    @Override
    protected Metric create(SettingsReader settings) {
        Double threshold = settings.number("threshold", t -> t >= 0 && t <= 1, "a number in [0, 1]");
        settings.check();
        return new RepetitionRatio(threshold);
    }
}
