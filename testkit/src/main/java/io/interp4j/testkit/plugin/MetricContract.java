package io.interp4j.testkit.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract every metric plugin's test extends: {@link PluginContract} (found once, defaults from
 * reference.conf, an unknown key rejected), and it runs with its defaults on {@link #sampleInput};
 * a full mapping resolves, every invalid value is rejected naming its config path; a wrong input
 * type is rejected naming the metric and the expected type; what it finds against a model is at its
 * own config paths.
 */
public abstract class MetricContract extends PluginContract<MetricFactory> {
    @Override
    protected final PluginKind kind() {
        return PluginKind.METRIC;
    }

    @Override
    protected final Class<MetricFactory> spi() {
        return MetricFactory.class;
    }

    /**
     * Returns HOCON setting every key of the metric to a non-default but valid value.
     *
     * @return the mapping; empty (the default) only for metrics without settings
     */
    protected String fullMapping() {
        return "";
    }

    /**
     * Returns invalid settings, each HOCON with the key whose path the error must name.
     *
     * @return HOCON → key; empty (the default) only for metrics without settings
     */
    protected Map<String, String> invalidValues() {
        return Map.of();
    }

    /**
     * Returns a valid input for the metric with its defaults.
     *
     * @return the input
     */
    protected abstract MetricInput sampleInput();

    /**
     * Creates the metric with user settings over the defaults.
     *
     * @param hocon the user's settings for this metric
     * @return the metric
     */
    protected final Metric metric(String hocon) {
        return factory().create(settings(hocon));
    }

    /**
     * Creates the metric with its defaults.
     *
     * @return the metric
     */
    protected final Metric metric() {
        return metric("");
    }

    @Test
    void registryFindsItAndItRunsWithDefaults() {
        Metric metric = metric();
        MetricResult result = metric.compute(sampleInput());
        assertThat(metric.inputType()).isEqualTo(sampleInput().getClass());
        assertThat(result.unit()).isNotBlank();
        assertThat(metric.describe()).isNotBlank();
        assertThat(factory().description()).isNotBlank();
    }

    @Test
    void fullMappingSetsEveryKeyAndResolves() {
        Config user = ConfigFactory.parseString(fullMapping());
        Config defaults = PluginSettings.resolve(PluginKind.METRIC, id(), ConfigFactory.empty());
        assertThat(user.root().keySet()).isEqualTo(defaults.root().keySet());
        Config resolved = PluginSettings.resolve(PluginKind.METRIC, id(), user);
        assertThat(resolved.root().unwrapped()).isEqualTo(user.root().unwrapped());
        assertThat(factory().create(resolved).describe()).isNotBlank();
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPath() {
        Config defaults = PluginSettings.resolve(PluginKind.METRIC, id(), ConfigFactory.empty());
        assertThat(invalidValues().isEmpty()).as("invalid values are tested exactly when the metric has settings")
                .isEqualTo(defaults.isEmpty());
        for (Map.Entry<String, String> bad : invalidValues().entrySet()) {
            String path = "interp4j.metric." + id() + "." + bad.getValue();
            Config settings;
            try {
                settings = PluginSettings.resolve(PluginKind.METRIC, id(), ConfigFactory.parseString(bad.getKey()));
            } catch (Interp4jException e) {
                // a value of the wrong type is already rejected by the strict resolution
                assertThat(e.code()).as(bad.getKey()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(e).as(bad.getKey()).hasMessageContaining(path);
                continue;
            }
            // a value of the right type but outside the allowed ones is rejected by create
            assertThatThrownBy(() -> factory().create(settings)).as(bad.getKey())
                    .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining(path)
                    .hasMessageContaining("allowed");
        }
    }

    @Test
    void checksAgainstAModelAtItsOwnPaths() {
        assertModelProblemsAtItsPaths(metric(minimalSettings())::checkAgainst);
    }

    @Test
    void wrongInputTypeIsRejectedNamingMetricAndExpectedType() {
        Metric metric = metric();
        MetricInput wrong = metric.inputType() == Generations.class ? new PairedSeries(new double[0], new double[0])
                : new Generations(List.of());
        assertThatThrownBy(() -> metric.compute(wrong))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(id())
                .hasMessageContaining(metric.inputType().getSimpleName())
                .hasMessageContaining(wrong.getClass().getSimpleName());
    }
}
