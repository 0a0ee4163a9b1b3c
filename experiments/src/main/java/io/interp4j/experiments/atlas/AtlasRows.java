package io.interp4j.experiments.atlas;

import io.interp4j.api.experiment.StepResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects an atlas step's rows of the seed-style comparison table and its flags, as the two tables
 * every atlas experiment returns and the report assembles into "Dimension | model A | model B | Δ":
 *
 * <ul>
 *   <li>{@value #TABLE}: {@code dimension, key, protocol, model, value, display, ci_low, ci_high}; one
 *       row per (headline number, protocol, model). {@code key} is stable (e.g.
 *       {@code universal-hub.layer}); {@code value} is a number or a string; {@code display} is how
 *       the table shows it (e.g. {@code "L2, 19.11"}); the interval is a 95% bootstrap interval over
 *       prompts where the protocol computes one, else null.
 *   <li>{@value #FLAGS}: {@code dimension, protocol, model, kind, message}; {@code kind} is
 *       {@code disagreement} (the protocols answer differently), {@code artefact} (an artefact of
 *       STUDY.md was detected in this run, e.g. an ablated output that no longer depends on the prompt) or
 *       {@code degenerate-interval} (a headline's interval is a point: it was printed, but it is no
 *       interval).
 * </ul>
 */
public final class AtlasRows {
    /** The name of the table of headline numbers. */
    public static final String TABLE = "atlas";
    /** The name of the table of flags. */
    public static final String FLAGS = "atlas-flags";
    /** The columns of {@value #TABLE}. */
    public static final List<String> COLUMNS = List.of("dimension", "key", "protocol", "model", "value", "display", "ci_low", "ci_high");
    /** The columns of {@value #FLAGS}. */
    public static final List<String> FLAG_COLUMNS = List.of("dimension", "protocol", "model", "kind", "message");

    private final String dimension;
    private final List<List<Object>> rows = new ArrayList<>();
    private final List<List<Object>> flags = new ArrayList<>();

    /**
     * Starts the rows of one dimension.
     *
     * @param dimension the dimension's name as the table shows it, e.g. {@code Universal hub layer}
     */
    public AtlasRows(String dimension) {
        this.dimension = dimension;
    }

    /**
     * Adds a headline value.
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both (e.g. the architecture)
     * @param model the study model's name
     * @param value the number or string
     * @param display how the table shows it
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display) {
        return value(key, protocol, model, value, display, null);
    }

    /**
     * Adds a headline value with its 95% confidence interval.
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both
     * @param model the study model's name
     * @param value the number or string
     * @param display how the table shows it
     * @param ci {@code {low, high}}, or null
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display, double[] ci) {
        rows.add(Arrays.asList(dimension, key, protocol == null ? "both" : protocol.configName(), model, finite(value), display,
                ci == null ? null : finite(ci[0]), ci == null ? null : finite(ci[1])));
        if (ci != null && ci[0] == ci[1]) {
            // every resample gave the same statistic: one prompt, or prompts that all agree; a point is no interval
            flags.add(Arrays.asList(dimension, protocol == null ? "both" : protocol.configName(), model, "degenerate-interval",
                    String.format(java.util.Locale.ROOT, "the 95%% interval of %s is the point [%s, %s]: every bootstrap resample gave"
                            + " the same value (too few prompts, or prompts that all agree), so it says nothing about uncertainty",
                            key, ci[0], ci[1])));
        }
        return this;
    }

    /**
     * Flags a disagreement between the protocols.
     *
     * @param model the study model's name
     * @param message what differs, with both answers
     * @return this
     */
    public AtlasRows disagreement(String model, String message) {
        flags.add(Arrays.asList(dimension, "both", model, "disagreement", message));
        return this;
    }

    /**
     * Flags an artefact detected in a protocol's run.
     *
     * @param protocol the protocol whose run shows it
     * @param model the study model's name
     * @param message what was detected, with the numbers
     * @return this
     */
    public AtlasRows artefact(Protocol protocol, String model, String message) {
        flags.add(Arrays.asList(dimension, protocol.configName(), model, "artefact", message));
        return this;
    }

    /**
     * Returns the two tables, to add to a step's result.
     *
     * @return {@value #TABLE} and {@value #FLAGS}
     */
    public List<StepResult.Table> tables() {
        return List.of(new StepResult.Table(TABLE, COLUMNS, rows), new StepResult.Table(FLAGS, FLAG_COLUMNS, flags));
    }

    /** Infinite and NaN numbers become strings ("inf", "nan"): JSON has no such numbers. */
    private static Object finite(Object value) {
        if (value instanceof Double d && !Double.isFinite(d)) {
            return d.isNaN() ? "nan" : d > 0 ? "inf" : "-inf";
        }
        if (value instanceof Float f && !Float.isFinite(f)) {
            return f.isNaN() ? "nan" : f > 0 ? "inf" : "-inf";
        }
        return value;
    }
}
