package io.interp4j.testkit.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginFactory;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.testkit.study.TinyStudy;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What every plugin's test checks, whatever its kind (the kind's suite adds behaviour): the plugin
 * is found once through {@link ServiceLoader} with a lowercase kebab-case id and a description; its
 * defaults come from its {@code reference.conf} under {@code interp4j.<kind>."<id>"}, every key there
 * with a comment; an unknown key is rejected naming its config path.
 *
 * @param <F> the factory type of the kind
 */
public abstract class PluginContract<F extends PluginFactory<?>> {
    private static final String KEBAB = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

    /**
     * Returns the id under test.
     *
     * @return the plugin id
     */
    protected abstract String id();

    /**
     * Returns the plugin kind.
     *
     * @return the kind
     */
    protected abstract PluginKind kind();

    /**
     * Returns the service interface of the kind.
     *
     * @return the factory interface
     */
    protected abstract Class<F> spi();

    /**
     * Returns the fewest settings (HOCON, over the defaults) the plugin needs to run in the kind's
     * behaviour test, e.g. {@code layer = 1}.
     *
     * @return HOCON; empty (the default) when the defaults suffice
     */
    protected String minimalSettings() {
        return "";
    }

    /**
     * Finds the factory through {@link ServiceLoader}, as the application's registry does.
     *
     * @return the factory
     */
    protected final F factory() {
        List<F> found = ServiceLoader.load(spi()).stream().map(ServiceLoader.Provider::get).filter(f -> id().equals(f.id())).toList();
        assertThat(found).as("%s plugins with id '%s' found through ServiceLoader (META-INF/services or module-info provides)",
                kind().configName(), id()).hasSize(1);
        return found.get(0);
    }

    /**
     * Resolves user settings over the plugin's defaults, strictly.
     *
     * @param hocon the user's settings
     * @return the resolved settings
     */
    protected final Config settings(String hocon) {
        return PluginSettings.resolve(kind(), id(), ConfigFactory.parseString(hocon));
    }

    @Test
    void isFoundOnceWithAKebabCaseIdAndADescription() {
        F factory = factory();
        assertThat(factory.id()).matches(KEBAB);
        assertThat(factory.description()).as("description of %s", id()).isNotBlank();
    }

    @Test
    void defaultsComeFromReferenceConfWithEveryKeyCommented() {
        String path = kind().settingsPath(id());
        Config reference = ConfigFactory.defaultReference(spi().getClassLoader());
        assertThat(reference.hasPathOrNull(path)).as("reference.conf has %s", path).isTrue();
        Config defaults = settings("");
        assertThat(defaults).isEqualTo(reference.getConfig(path));
        for (Map.Entry<String, ConfigValue> key : reference.getConfig(path).root().entrySet()) {
            assertThat(key.getValue().origin().comments()).as("the comment of %s.%s in reference.conf", path, key.getKey()).isNotEmpty();
        }
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> settings(minimalSettings() + "\nno-such-key = 1"))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("interp4j." + kind().configName() + "." + id() + ".no-such-key");
    }

    /**
     * What a metric or probe says of its defaults against models ({@code checkAgainst}): nothing against
     * the tiny study's architecture, and against a model of one layer and a one-token vocabulary (which
     * a top-k or a layer setting may not fit) problems only under the plugin's own config path, so a
     * study can move them to where its user wrote the settings.
     *
     * @param checkAgainst the plugin's check, created with {@link #minimalSettings}
     */
    protected final void assertModelProblemsAtItsPaths(Function<ModelConfig, List<Problem>> checkAgainst) {
        assertThat(checkAgainst.apply(TinyStudy.CONFIG)).as("%s's problems with the tiny study's model", id()).isEmpty();
        String own = kind().problemPath(id());
        for (Problem problem : checkAgainst.apply(ModelConfig.of(1, 32, 64, 1, 4, 2, false))) {
            assertThat(problem.path()).as("the path of %s", problem).satisfiesAnyOf(
                    p -> assertThat(p).isEqualTo(own), p -> assertThat(p).startsWith(own + "."));
        }
    }
}
