package io.interp4j.api.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.interp4j.api.Interp4jException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings resolution against a reference, including keys that are not plain words. */
class PluginSettingsTest {
    private static final Config REFERENCE = ConfigFactory.parseString("interp4j.metric.\"demo\" { k = 5, site = last }");

    @Test
    void defaultsFillInAndUnknownKeysAreNamed() {
        Config resolved = PluginSettings.resolve(PluginKind.METRIC, "demo", ConfigFactory.parseString("k = 7"), REFERENCE);
        assertThat(resolved.getInt("k")).isEqualTo(7);
        assertThat(resolved.getString("site")).isEqualTo("last");
        assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.METRIC, "demo", ConfigFactory.parseString("kk = 7"), REFERENCE))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("interp4j.metric.demo.kk: unknown key");
    }

    /**
     * Found by fuzzing the study loader: a key holding a control character (or a dot, or a quote) is an
     * unknown key like any other, not a Typesafe path error escaping as another exception.
     */
    @Test
    void aKeyThatIsNoPlainWordIsAnUnknownKey() {
        for (String key : new String[] {"si\u0003te", "a.b", "say \"hi\"", ""}) {
            Config user = ConfigValueFactory.fromMap(Map.of(key, 1)).toConfig();
            assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.METRIC, "demo", user, REFERENCE)).as("key %s", key)
                    .isInstanceOf(Interp4jException.class).hasMessageContaining(": unknown key; allowed: ");
        }
    }

    /**
     * Found by hand (issue #15's audit): a string where the reference has an object whose keys are
     * numbers ({@code vector = "zzz"} for steering's {@code vector { seed = 0, ... }}) is one problem
     * naming the object's path, not a Typesafe {@code WrongType} escaping as an internal error.
     */
    @Test
    void aValueWhereTheReferenceHasAnObjectIsOneProblemNamingIt() {
        Config reference = ConfigFactory.parseString("interp4j.intervention.\"demo\" { scale = 1.0, vector { from = probe, seed = 0,"
                + " norm = 1.0, on = true } }");
        for (String user : new String[] {"vector = zzz", "vector = 3", "vector = [1, 2]"}) {
            assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.INTERVENTION, "demo", ConfigFactory.parseString(user), reference))
                    .as(user).isInstanceOf(Interp4jException.class)
                    .hasMessageStartingWith("interp4j.intervention.demo.vector: ")
                    .hasMessageNotContaining("vector.seed").hasMessageNotContaining("vector.norm");
        }
    }

    /**
     * Found by the structure-aware study fuzzer: null passes Typesafe's {@code checkValid} for any type, and a null where the
     * reference holds a number escaped as a Typesafe {@code ConfigException.Null}; a null where it holds a string, list or
     * object failed only when the plugin read it. Each is one problem naming its key; a null default still takes anything.
     */
    @Test
    void aNullWhereTheReferenceHoldsAValueIsAProblemNamingIt() {
        Config reference = ConfigFactory.parseString("interp4j.probe.\"demo\" { k = 5, site = last, on = true, heads = [], vector { seed = 0 },"
                + " layer = null }");
        assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.PROBE, "demo", ConfigFactory.parseString("k = null, site = null, on = null,"
                + " heads = null, vector = null"), reference))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.demo.k: expected number, found null")
                .hasMessageContaining("interp4j.probe.demo.site: expected string, found null")
                .hasMessageContaining("interp4j.probe.demo.on: expected boolean, found null")
                .hasMessageContaining("interp4j.probe.demo.heads: expected list, found null")
                .hasMessageContaining("interp4j.probe.demo.vector: expected object, found null")
                .hasMessageNotContaining("vector.seed");
        assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.PROBE, "demo", ConfigFactory.parseString("vector { seed = null }"), reference))
                .isInstanceOf(Interp4jException.class).hasMessage("interp4j.probe.demo.vector.seed: expected number, found null");
        assertThat(PluginSettings.resolve(PluginKind.PROBE, "demo", ConfigFactory.parseString("layer = null"), reference).getIsNull("layer")).isTrue();
    }

    /**
     * An object given after a value of another type at the same key replaces it without merging with the
     * defaults (HOCON), so the defaults' other keys inside it are missing: that is one problem naming the
     * missing key, not a Typesafe {@code ConfigException.Missing} from the null check (found by the
     * structured study fuzzer in CI).
     */
    @Test
    void anObjectThatReplacedAnotherValueMissesTheDefaultsKeysAndSaysSo() {
        Config reference = ConfigFactory.parseString("interp4j.probe.\"demo\" { vector { tensor = direction, seed = 0 } }");
        assertThatThrownBy(() -> PluginSettings.resolve(PluginKind.PROBE, "demo", ConfigFactory.parseString("vector = 0\nvector = { tensor = x }"),
                reference))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.demo.vector.seed")
                .hasMessageNotContaining("No configuration setting found");
    }
}
