package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings every atlas row shares: {@code models} (study model names, or {@code all} for every
 * study model in study order) and {@code protocols} (a non-empty list of {@code published} and
 * {@code corrected}).
 *
 * @param models the named models, empty for all
 * @param protocols the protocols to run, in the order written
 */
public record RowScope(List<String> models, List<Protocol> protocols) {
    /** The value of {@code models} that selects every study model. */
    public static final String ALL = "all";

    /** Copies the lists. */
    public RowScope {
        models = List.copyOf(requireNonNull(models, "models is null"));
        protocols = List.copyOf(requireNonNull(protocols, "protocols is null"));
    }

    /**
     * Reads {@code models} and {@code protocols}.
     *
     * @param settings where problems are recorded
     * @param config the step's resolved settings
     * @return the scope, or null after recording a problem
     */
    public static RowScope read(StepSettings settings, Config config) {
        List<String> models = new ArrayList<>();
        boolean ok = true;
        ConfigValue value = config.hasPath("models") ? config.getValue("models") : null;
        if (value != null && value.valueType() == ConfigValueType.STRING && ALL.equals(value.unwrapped())) {
            models = List.of();
        } else if (value != null && value.valueType() == ConfigValueType.LIST && !((List<?>) value.unwrapped()).isEmpty()
                && ((List<?>) value.unwrapped()).stream().allMatch(v -> v instanceof String s && !s.isBlank())) {
            for (Object name : (List<?>) value.unwrapped()) {
                String trimmed = ((String) name).trim();
                if (models.contains(trimmed)) {
                    settings.problem("models", "'" + trimmed + "' is listed twice; list each model once");
                    ok = false;
                }
                models.add(trimmed);
            }
        } else {
            settings.problem("models", "found " + StepSettings.render(value) + "; allowed: all, or a non-empty list of study model names");
            ok = false;
        }
        List<Protocol> protocols = new ArrayList<>();
        ConfigValue list = config.hasPath("protocols") ? config.getValue("protocols") : null;
        if (list != null && list.valueType() == ConfigValueType.LIST && !((List<?>) list.unwrapped()).isEmpty()) {
            for (Object item : (List<?>) list.unwrapped()) {
                Protocol protocol = item instanceof String s ? Protocol.parse(s.trim()).orElse(null) : null;
                if (protocol == null || protocols.contains(protocol)) {
                    settings.problem("protocols", "found " + StepSettings.render(list) + "; allowed: a non-empty list of distinct"
                            + " protocols from [published, corrected]");
                    ok = false;
                    break;
                }
                protocols.add(protocol);
            }
        } else {
            settings.problem("protocols", "found " + StepSettings.render(list) + "; allowed: a non-empty list of distinct protocols"
                    + " from [published, corrected]");
            ok = false;
        }
        return ok ? new RowScope(models, protocols) : null;
    }

    /**
     * Checks the model names against the study; loads no model.
     *
     * @param context the study
     * @return problems with full config paths
     */
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>();
        for (String model : models) {
            if (!context.modelNames().contains(model)) {
                problems.add(new Problem(context.path() + ".models", "unknown model '" + model + "'; the study's models: "
                        + new TreeSet<>(context.modelNames())));
            }
        }
        return problems;
    }

    /**
     * Returns the models the row computes its numbers for.
     *
     * @param context the study
     * @return the named models, or every study model in study order
     */
    public List<String> models(StudyContext context) {
        if (!models.isEmpty()) {
            return models;
        }
        Set<String> all = new LinkedHashSet<>(context.modelNames());
        return List.copyOf(all);
    }

    /**
     * Returns whether a protocol runs.
     *
     * @param protocol the protocol
     * @return true when listed
     */
    public boolean runs(Protocol protocol) {
        return protocols.contains(protocol);
    }

    /**
     * Describes the scope for a step's one-line description.
     *
     * @return e.g. {@code models all, protocols published, corrected}
     */
    public String describe() {
        return "models " + (models.isEmpty() ? ALL : String.join(", ", models)) + ", protocols "
                + String.join(", ", protocols.stream().map(Protocol::configName).toList());
    }
}
