package io.interp4j.api.intervention;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.Stable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which sequence positions an intervention touches: all of them, or a list of indices. Non-negative
 * indices are absolute sequence positions; negative ones count back from the last position of the
 * current forward ({@code -1} is the last). During KV-cached generation each step computes only the
 * new token, so {@code last} touches every new token and an absolute index touches only the step that
 * computes it.
 *
 * @param all whether every position is touched
 * @param indices the indices when not all
 * @since 0.1
 */
@Stable
public record Positions(boolean all, int[] indices) {
    /** Every position. */
    public static final Positions ALL = new Positions(true, new int[0]);
    /** The first position. */
    public static final Positions FIRST = new Positions(false, new int[] {0});
    /** The last position. */
    public static final Positions LAST = new Positions(false, new int[] {-1});

    /** Checks and copies the indices. */
    public Positions {
        indices = requireNonNull(indices, "indices is null").clone();
        if (!all && indices.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "positions: give all, first, last or a non-empty index list");
        }
    }

    /**
     * Creates an index list.
     *
     * @param indices the indices
     * @return the positions
     */
    public static Positions of(int... indices) {
        return new Positions(false, indices);
    }

    @Override
    public int[] indices() {
        return indices.clone();
    }

    /**
     * Parses {@code all}, {@code first}, {@code last} or a list of integers.
     *
     * @param value the config value
     * @param path its config path, for messages
     * @return the positions
     */
    public static Positions parse(ConfigValue value, String path) {
        if (value.valueType() == ConfigValueType.STRING) {
            return switch ((String) value.unwrapped()) {
                case "all" -> ALL;
                case "first" -> FIRST;
                case "last" -> LAST;
                default -> throw bad(path, value);
            };
        }
        if (value.valueType() == ConfigValueType.LIST) {
            List<?> list = (List<?>) value.unwrapped();
            int[] indices = new int[list.size()];
            for (int i = 0; i < indices.length; i++) {
                if (!(list.get(i) instanceof Integer n)) {
                    throw bad(path, value);
                }
                indices[i] = n;
            }
            return of(indices);
        }
        throw bad(path, value);
    }

    private static Interp4jException bad(String path, ConfigValue value) {
        return new Interp4jException(List.of(Problem.found(path, value.render(ConfigRenderOptions.concise()),
                "all, first, last, or a list of position indices like [0, -1]")));
    }

    /**
     * Returns the rows of the current forward to touch.
     *
     * @param firstPosition the sequence position of row 0
     * @param rows how many positions the current forward computes
     * @return row indices, ascending and distinct
     */
    public int[] rows(int firstPosition, int rows) {
        return select(firstPosition, rows).stream().mapToInt(Selection::row).toArray();
    }

    /**
     * One touched row of the current forward and the index that selected it.
     *
     * @param row the row in the current forward
     * @param index the absolute position for {@code all} and non-negative indices, or the negative
     *     index counting from the end
     */
    public record Selection(int row, int index) {}

    /**
     * Returns the rows of the current forward to touch, each with the index that selected it.
     *
     * @param firstPosition the sequence position of row 0
     * @param rows how many positions the current forward computes
     * @return the selections, by ascending row, one per row
     */
    public List<Selection> select(int firstPosition, int rows) {
        List<Selection> selected = new ArrayList<>();
        if (all) {
            for (int row = 0; row < rows; row++) {
                selected.add(new Selection(row, firstPosition + row));
            }
            return selected;
        }
        for (int index : indices) {
            int row = index >= 0 ? index - firstPosition : rows + index;
            if (row >= 0 && row < rows && selected.stream().noneMatch(s -> s.row() == row)) {
                selected.add(new Selection(row, index));
            }
        }
        selected.sort(Comparator.comparingInt(Selection::row));
        return selected;
    }

    /**
     * Renders the positions as HOCON.
     *
     * @return {@code all}, {@code first}, {@code last} or a list
     */
    public String render() {
        if (all) {
            return "all";
        }
        if (Arrays.equals(indices, new int[] {0})) {
            return "first";
        }
        if (Arrays.equals(indices, new int[] {-1})) {
            return "last";
        }
        return Arrays.toString(indices);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Positions p && all == p.all && Arrays.equals(indices, p.indices);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(all) * 31 + Arrays.hashCode(indices);
    }

    @Override
    public String toString() {
        return render();
    }
}
