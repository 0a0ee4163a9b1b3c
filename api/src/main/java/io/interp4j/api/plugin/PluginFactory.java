package io.interp4j.api.plugin;

import com.typesafe.config.Config;
import io.interp4j.api.Stable;

/**
 * The shape of every plugin SPI: an id and a factory method taking the plugin's resolved settings.
 * Implementations are found with {@link java.util.ServiceLoader} through one registry; their
 * defaults live in the {@code reference.conf} they ship, under {@link PluginKind#settingsPath}.
 *
 * @param <T> what the plugin creates
 * @since 0.1
 */
@Stable
public interface PluginFactory<T> {
    /**
     * Returns the plugin's id: lowercase kebab-case, unique within its kind.
     *
     * @return the id
     */
    String id();

    /**
     * Returns one line saying what the plugin does, for listings.
     *
     * @return the description
     */
    default String description() {
        return "";
    }

    /**
     * Creates an instance from resolved settings: the plugin's {@code reference.conf} defaults with
     * the user's values on top, already checked for unknown keys and wrong types.
     *
     * @param settings the settings object of this plugin
     * @return the instance
     */
    T create(Config settings);
}
