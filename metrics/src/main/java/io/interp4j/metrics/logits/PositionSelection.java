package io.interp4j.metrics.logits;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plugin.SettingsReader;
import java.util.Arrays;

/**
 * The sequence positions a logit metric reads, from a setting: {@code last}, {@code first}, {@code
 * all} or a list of indices (negative ones count back from the end, {@code -1} = last). Unlike an
 * intervention's positions, a position outside the sequence is an error, never silently skipped, and
 * each distinct position is read once.
 */
public final class PositionSelection {
    private final Positions positions;
    private final String metricId;
    private final String path;

    private PositionSelection(Positions positions, String metricId, String path) {
        this.positions = requireNonNull(positions, "positions is null");
        this.metricId = metricId;
        this.path = path;
    }

    /**
     * Reads a setting that selects one or more positions: {@code last}, {@code first}, {@code all} or a
     * non-empty list of integers ({@link SettingsReader#positions}).
     *
     * @param metricId the metric id
     * @param settings the settings
     * @param key the key
     * @return the selection, or null after recording a problem
     */
    public static PositionSelection many(String metricId, SettingsReader settings, String key) {
        Positions positions = settings.positions(key);
        return positions == null ? null : new PositionSelection(positions, metricId, settings.path(key));
    }

    /**
     * Reads a setting that selects exactly one position: {@code last}, {@code first} or an integer.
     *
     * @param metricId the metric id
     * @param settings the settings
     * @param key the key
     * @return the selection, or null after recording a problem
     */
    public static PositionSelection one(String metricId, SettingsReader settings, String key) {
        ConfigValue value = settings.value(key);
        Positions p = null;
        if (value != null && value.valueType() == ConfigValueType.STRING) {
            p = switch ((String) value.unwrapped()) {
                case "first" -> Positions.FIRST;
                case "last" -> Positions.LAST;
                default -> null;
            };
        } else if (value != null && value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer n) {
            p = Positions.of(n);
        }
        if (p == null) {
            settings.invalid(key, "first, last, or one position index (negative counts back from the end, -1 = last)");
            return null;
        }
        return new PositionSelection(p, metricId, settings.path(key));
    }

    /**
     * Resolves the selection against a sequence.
     *
     * @param length the number of positions of the logits
     * @return the distinct positions, ascending
     */
    public int[] resolve(int length) {
        if (positions.all()) {
            int[] all = new int[length];
            Arrays.setAll(all, i -> i);
            return all;
        }
        return Arrays.stream(positions.indices()).map(index -> {
            int row = index < 0 ? length + index : index;
            if (row < 0 || row >= length) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "metric '" + metricId + "': position " + index + " ("
                        + path + ") is outside a sequence of " + length + " positions; allowed 0.." + (length - 1) + " or -"
                        + length + "..-1");
            }
            return row;
        }).distinct().sorted().toArray();
    }

    /**
     * Says which positions are read, for {@code describe()}.
     *
     * @return e.g. {@code at the last position}
     */
    public String describe() {
        if (positions.all()) {
            return "averaged over all positions";
        }
        int[] indices = positions.indices();
        if (indices.length == 1) {
            return switch (indices[0]) {
                case -1 -> "at the last position";
                case 0 -> "at the first position";
                default -> "at position " + indices[0] + (indices[0] < 0 ? " (counted back from the end, -1 = last)" : "");
            };
        }
        return "averaged over positions " + Arrays.toString(indices)
                + " (negative indices count back from the end, -1 = last; each distinct position counted once)";
    }
}
