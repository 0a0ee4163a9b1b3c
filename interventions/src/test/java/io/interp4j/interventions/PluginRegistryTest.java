package io.interp4j.interventions;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every plugin of the module is found, named well, ships its defaults and runs with them. */
class PluginRegistryTest extends TinyModelTest {
    /** The fewest settings each plugin needs besides its defaults. */
    private static final Map<String, String> MINIMAL = Map.of(
            "zero-ablation", "layer = 1",
            "mean-ablation", "layer = 1",
            "resample-ablation", "layer = 1",
            "activation-patching", "layer = 1",
            "steering", "layer = 1",
            "knockout", "layer = 1",
            "layer-skip", "layers = [1]");

    @BeforeAll
    static void writeMore() {
        models.probes.answer("mean-difference", "direction", TensorData.vector(TinyModels.gaussian(TinyModels.CONFIG.hiddenSize(), 1)));
    }

    private static List<InterventionFactory> found() {
        return ServiceLoader.load(InterventionFactory.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    @Test
    void findsEveryPluginWithAUniqueKebabCaseId() {
        List<String> ids = found().stream().map(InterventionFactory::id).toList();

        assertThat(ids).containsExactlyInAnyOrderElementsOf(MINIMAL.keySet()).doesNotHaveDuplicates();
        assertThat(ids).allMatch(id -> id.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*"), "lowercase kebab-case");
        assertThat(found()).allSatisfy(f -> assertThat(f.description()).isNotBlank());
    }

    @Test
    void everyPluginResolvesAndRunsWithItsDefaults() {
        for (InterventionFactory factory : found()) {
            InterventionPlan plan = factory.create(PluginSettings.resolve(PluginKind.INTERVENTION, factory.id(),
                    ConfigFactory.parseString(MINIMAL.get(factory.id()))));
            List<Intervention> interventions = plan.resolve(models.context("clean", 0));
            float[] logits = TinyModels.logits(models.base, interventions, models.prompt("clean", 0));

            assertThat(plan.describe()).as(factory.id()).startsWith(factory.id() + ": ");
            assertThat(interventions).as(factory.id()).isNotEmpty();
            assertThat(logits).as(factory.id()).hasSize(6 * TinyModels.CONFIG.vocabSize());
            for (float value : logits) {
                assertThat(Float.isFinite(value)).as(factory.id()).isTrue();
            }
        }
    }

    @Test
    void theModuleProvidesWhatTheServiceFileLists() throws IOException {
        List<String> listed;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/services/" + InterventionFactory.class.getName())) {
            listed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        }
        ModuleDescriptor module = null;
        for (URL url : Collections.list(getClass().getClassLoader().getResources("module-info.class"))) {
            try (InputStream in = url.openStream()) {
                ModuleDescriptor descriptor = ModuleDescriptor.read(in);
                if (descriptor.name().equals("io.interp4j.interventions")) {
                    module = descriptor;
                }
            }
        }

        assertThat(module).isNotNull();
        assertThat(module.exports()).isEmpty();
        assertThat(module.provides()).singleElement().satisfies(p -> {
            assertThat(p.service()).isEqualTo(InterventionFactory.class.getName());
            assertThat(p.providers()).containsExactlyElementsOf(listed);
        });
        assertThat(found().stream().map(f -> f.getClass().getName()).collect(Collectors.toList())).containsExactlyElementsOf(listed);
    }
}
