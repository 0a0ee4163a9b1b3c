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
}
