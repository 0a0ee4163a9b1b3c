package io.interp4j.app.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.PluginKind;
import org.junit.jupiter.api.Test;

class PluginRegistryTest {
    private static final Config REFERENCE = ConfigFactory.parseString("""
            interp4j.metric."double-it" { factor = 2, label = "x" }
            interp4j.metric."broken" { }
            """);

    /** A metric whose value is its factor setting, so tests can see which settings reached it. */
    static final class DoubleIt implements MetricFactory {
        @Override
        public String id() {
            return "double-it";
        }

        @Override
        public String description() {
            return "returns its factor";
        }

        @Override
        public Metric create(Config settings) {
            double factor = settings.getDouble("factor");
            return new Metric() {
                @Override
                public Class<? extends MetricInput> inputType() {
                    return MetricInput.Divergences.class;
                }

                @Override
                public MetricResult compute(MetricInput input) {
                    return MetricResult.of(factor * ((MetricInput.Divergences) input).patched(), "ratio");
                }

                @Override
                public String describe() {
                    return "factor × patched";
                }
            };
        }
    }

    static final class Named implements MetricFactory {
        private final String id;

        Named(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Metric create(Config settings) {
            throw new IllegalStateException("boom");
        }
    }

    private static PluginRegistry registry() {
        return PluginRegistry.builder().reference(REFERENCE)
                .plugin(PluginKind.METRIC, new DoubleIt())
                .plugin(PluginKind.METRIC, new Named("broken"))
                .build();
    }

    @Test
    void explicitRegistrationCreatesWithDefaultsAndUserSettings() {
        PluginRegistry registry = registry();
        assertThat(registry.ids(PluginKind.METRIC)).containsExactly("broken", "double-it");
        MetricInput input = new MetricInput.Divergences(3, 1);
        assertThat(registry.metric("double-it", ConfigFactory.empty()).compute(input).value()).isEqualTo(6);
        assertThat(registry.metric("double-it", ConfigFactory.parseString("factor = 5")).compute(input).value()).isEqualTo(15);
        PluginRegistry.Entry entry = registry.entry(PluginKind.METRIC, "double-it");
        assertThat(entry.description()).isEqualTo("returns its factor");
        assertThat(entry.module()).isNotBlank();
    }

    @Test
    void unknownIdListsTheKnownOnes() {
        assertThatThrownBy(() -> registry().metric("kl", ConfigFactory.empty()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("unknown metric 'kl'")
                .hasMessageContaining("[broken, double-it]");
    }

    @Test
    void unknownKeysAndWrongTypesAreReportedTogetherWithTheirPaths() {
        assertThatThrownBy(() -> registry().metric("double-it", ConfigFactory.parseString("bogus = 1, factor = \"many\"")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.metric.double-it.bogus: unknown key")
                .hasMessageContaining("interp4j.metric.double-it.factor");
    }

    @Test
    void aFailingPluginIsReportedByItsId() {
        assertThatThrownBy(() -> registry().metric("broken", ConfigFactory.empty()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("metric plugin 'broken' failed to start")
                .hasMessageContaining("boom");
    }

    @Test
    void idsMustBeKebabCaseAndUnique() {
        assertThatThrownBy(() -> PluginRegistry.builder().plugin(PluginKind.METRIC, new Named("KL_Div")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("'KL_Div'")
                .hasMessageContaining("kebab-case");
        assertThatThrownBy(() -> PluginRegistry.builder()
                        .plugin(PluginKind.METRIC, new Named("same"))
                        .plugin(PluginKind.METRIC, new Named("same")))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("'same' is provided twice");
    }

    @Test
    void discoveryFindsTheDjlEngine() {
        PluginRegistry registry = PluginRegistry.discover();
        assertThat(registry.ids(PluginKind.ENGINE)).contains("djl");
        assertThat(registry.failures()).isEmpty();
    }
}
