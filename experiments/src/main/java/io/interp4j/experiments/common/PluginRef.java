package io.interp4j.experiments.common;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.interp4j.api.Problem;
import io.interp4j.api.plugin.PluginKind;
import java.util.List;

/**
 * A plugin named in a step's settings: its id, the user's settings for it (resolved against the
 * plugin's reference.conf only when it is created), the name its results go by, and where it was
 * written.
 *
 * @param id the plugin id
 * @param settings the user's settings for it, possibly empty
 * @param name the name of its columns and series (the id unless given)
 * @param key its config path relative to the step's settings, e.g. {@code metrics[1]}
 */
public record PluginRef(String id, Config settings, String name, String key) {
    /** Checks the fields. */
    public PluginRef {
        requireNonNull(id, "id is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(name, "name is null");
        requireNonNull(key, "key is null");
    }

    /**
     * Returns the full config path of one of this reference's keys, for messages.
     *
     * @param root the step's settings path ({@link io.interp4j.api.experiment.StudyContext#path()})
     * @param sub e.g. {@code id} or {@code settings}
     * @return e.g. {@code study.steps[1].settings.metrics[1].id}
     */
    public String path(String root, String sub) {
        return root + "." + key + "." + sub;
    }

    /**
     * Moves what the plugin found wrong with its settings for a model ({@code checkAgainst} of a metric or
     * probe, at {@code interp4j.<kind>.<id>}) to where the step wrote them, naming the model.
     *
     * @param kind the plugin's kind
     * @param found the plugin's problems
     * @param root the step's settings path
     * @param model the model's name in the study
     * @return the problems under {@code <root>.<key>.settings}, each ending {@code of model '<model>'}
     */
    public List<Problem> modelProblems(PluginKind kind, List<Problem> found, String root, String model) {
        return found.stream().map(p -> new Problem(p.path(), p.message() + " of model '" + model + "'")
                .rebased(kind.problemPath(id), path(root, "settings"))).toList();
    }
}
