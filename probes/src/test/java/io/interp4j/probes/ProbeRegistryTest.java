package io.interp4j.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.testing.ProbeFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every probe is found through ServiceLoader, has a unique kebab-case id, and runs with its defaults. */
class ProbeRegistryTest {
    private static final List<String> IDS = List.of(
            "activation-cache", "logit-lens", "attention-pattern", "activation-stats", "mean-difference", "adapter-norms");

    @TempDir
    static Path models;

    private static Model model;

    @BeforeAll
    static void loadModel() {
        model = ProbeFixtures.load(ProbeFixtures.writeModel(models, "tiny", ProbeFixtures.UNTIED, DType.F32, 11));
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    private static List<ProbeFactory> found() {
        return ServiceLoader.load(ProbeFactory.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    void findsEveryProbeOnceWithKebabCaseIds() {
        List<String> ids = found().stream().map(ProbeFactory::id).toList();
        assertThat(ids).containsExactlyInAnyOrderElementsOf(IDS).doesNotHaveDuplicates();
        assertThat(ids).allMatch(id -> id.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*"), "lowercase kebab-case");
        assertThat(found()).allMatch(f -> !f.description().isBlank(), "every probe describes itself");
    }

    static Stream<String> ids() {
        return IDS.stream();
    }

    @ParameterizedTest
    @MethodSource("ids")
    void defaultsResolveFromTheReferenceConf(String id) {
        assertThat(PluginSettings.resolve(PluginKind.PROBE, id, ConfigFactory.empty()).root()).isNotEmpty();
    }

    static Stream<String> modelProbes() {
        return IDS.stream().filter(id -> !id.equals("adapter-norms"));
    }

    @ParameterizedTest
    @MethodSource("modelProbes")
    void runsWithItsDefaults(String id) {
        ProbeFactory factory = ProbeFixtures.factory(id);
        var probe = factory.create(PluginSettings.resolve(PluginKind.PROBE, id, ConfigFactory.empty()));
        Map<String, List<int[]>> sets = Map.of(
                "prompts", ProbeFixtures.prompts(1, 257, 4, 6),
                "positive", ProbeFixtures.prompts(2, 257, 3, 5),
                "negative", ProbeFixtures.prompts(3, 257, 5));
        ProbeResult result = probe.run(ProbeContext.of(model, sets));
        assertThat(result.probe()).isEqualTo(id);
        assertThat(result.tensors()).isNotEmpty();
        assertThat(result.rows()).isNotEmpty();
        assertThat(probe.describe()).isNotBlank();
    }

    @Test
    void adapterNormsRefusesItsEmptyDefaultAdapter() {
        ProbeFactory factory = ProbeFixtures.factory("adapter-norms");
        assertThatThrownBy(() -> factory.create(PluginSettings.resolve(PluginKind.PROBE, "adapter-norms", ConfigFactory.empty())))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.adapter-norms.adapter")
                .hasMessageContaining("PEFT adapter directory")
                .satisfies(e -> assertThat(((Interp4jException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void probesThatNeedAModelSayWhichProbeNeedsIt() {
        var probe = ProbeFixtures.create("activation-cache", "");
        assertThatThrownBy(() -> probe.run(new ProbeContext(Optional.empty(), Map.of("prompts", List.of(new int[] {1})))))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("activation-cache")
                .hasMessageContaining("needs a model");
    }
}
