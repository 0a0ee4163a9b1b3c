package io.interp4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.plugin.PluginKind;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricRegistryTest {
    private static final List<String> IDS = List.of("kl-divergence", "top-k-overlap", "argmax-agreement", "target-probability",
            "target-logprob-drop", "logit-difference", "selectivity", "recovery", "pearson", "spearman", "repetition-ratio",
            "constraint-adherence", "throughput");

    private static List<MetricFactory> factories() {
        return ServiceLoader.load(MetricFactory.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    void everyMetricIsFoundWithAUniqueKebabCaseIdAndReferenceDefaults() {
        List<String> ids = factories().stream().map(MetricFactory::id).toList();
        assertThat(ids).containsExactlyInAnyOrderElementsOf(IDS).doesNotHaveDuplicates();
        Config reference = ConfigFactory.defaultReference();
        for (String id : ids) {
            assertThat(id).matches("[a-z][a-z0-9]*(-[a-z0-9]+)*");
            assertThat(reference.hasPath(PluginKind.METRIC.settingsPath(id))).as(id).isTrue();
        }
    }

    @Test
    void referenceConfHoldsOnlyKnownMetricsAndEveryKeyIsCommented() {
        // this module's own file, not the merge of every reference.conf on the class path
        Config own = ConfigFactory.parseFile(new File("src/main/resources/reference.conf")).getConfig("interp4j.metric");
        assertThat(own.root().keySet()).containsExactlyInAnyOrderElementsOf(IDS);
        for (String id : IDS) {
            for (Map.Entry<String, ConfigValue> key : own.getConfig('"' + id + '"').root().entrySet()) {
                assertThat(key.getValue().origin().comments()).as(id + "." + key.getKey()).isNotEmpty();
            }
        }
    }

    @Test
    void moduleInfoProvidesExactlyTheServiceFileEntries() throws IOException {
        List<String> services = Files.readAllLines(Path.of("src/main/resources/META-INF/services/"
                + MetricFactory.class.getName())).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String moduleInfo = Files.readString(Path.of("src/main/java/module-info.java"));
        Matcher provides = Pattern.compile("provides\\s+io\\.interp4j\\.api\\.metric\\.MetricFactory\\s+with([^;]*);")
                .matcher(moduleInfo);
        assertThat(provides.find()).isTrue();
        List<String> declared = new ArrayList<>();
        for (String name : provides.group(1).split(",")) {
            declared.add(name.strip());
        }
        assertThat(declared).containsExactlyInAnyOrderElementsOf(services).hasSize(IDS.size());
        assertThat(factories().stream().map(f -> f.getClass().getName()).toList()).containsExactlyInAnyOrderElementsOf(services);
    }
}
