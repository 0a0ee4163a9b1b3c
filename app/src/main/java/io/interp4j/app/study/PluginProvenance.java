package io.interp4j.app.study;

import io.interp4j.api.plugin.PluginKind;
import io.interp4j.app.plugins.PluginRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The plugins a step used, in its fingerprint: each one's kind, id, version and jar digest
 * ({@link PluginRegistry#provenance}), so a changed plugin reruns the steps that used it and an
 * unchanged one lets them be reused.
 */
final class PluginProvenance {
    private PluginProvenance() {}

    /** The {@code kind/id} key a step records for a plugin it created. */
    static String key(PluginKind kind, String id) {
        return kind.configName() + "/" + id;
    }

    /**
     * The fingerprint of a step: its other parts, then the provenance of each plugin it used.
     *
     * @param parts settings, models, suites, seed, dependencies
     * @param used the plugins as {@code kind/id}
     * @param registry the plugins found at this start
     * @return the fingerprint, or empty when a used plugin is no longer there (the step cannot be reused)
     */
    static Optional<String> fingerprint(List<String> parts, Collection<String> used, PluginRegistry registry) {
        List<String> all = new ArrayList<>(parts);
        for (String key : used.stream().sorted().distinct().toList()) {
            Optional<PluginKind> kind = kind(key);
            String id = key.substring(key.indexOf('/') + 1);
            if (kind.isEmpty() || !registry.ids(kind.get()).contains(id)) {
                return Optional.empty();
            }
            all.add("uses/" + registry.provenance(kind.get(), id));
        }
        return Optional.of(Canonical.sha256(all));
    }

    private static Optional<PluginKind> kind(String key) {
        int slash = key.indexOf('/');
        for (PluginKind kind : PluginKind.values()) {
            if (slash > 0 && kind.configName().equals(key.substring(0, slash))) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
