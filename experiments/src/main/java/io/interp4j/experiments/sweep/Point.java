package io.interp4j.experiments.sweep;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.experiments.common.Cells;
import io.interp4j.experiments.common.StepSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * One point of a sweep: a value for each axis.
 *
 * @param axes the axes
 * @param values one value per axis
 */
record Point(List<Axis> axes, List<ConfigValue> values) {
    /** Checks and copies. */
    Point {
        axes = List.copyOf(requireNonNull(axes, "axes is null"));
        values = List.copyOf(requireNonNull(values, "values is null"));
        if (axes.size() != values.size()) {
            throw new IllegalArgumentException(axes.size() + " axes but " + values.size() + " values");
        }
    }

    /**
     * Returns the cartesian product of the axes: the first axis varies slowest, each axis's values in
     * their listed order. No axes give one point, the intervention's settings as written.
     *
     * @param axes the axes
     * @param config the model, to list {@code all}
     * @return the points
     */
    static List<Point> product(List<Axis> axes, ModelConfig config) {
        List<List<ConfigValue>> rows = new ArrayList<>();
        rows.add(List.of());
        for (Axis axis : axes) {
            List<List<ConfigValue>> next = new ArrayList<>();
            List<ConfigValue> values = axis.list(config);
            for (List<ConfigValue> row : rows) {
                for (ConfigValue value : values) {
                    List<ConfigValue> extended = new ArrayList<>(row);
                    extended.add(value);
                    next.add(extended);
                }
            }
            rows = next;
        }
        return rows.stream().map(row -> new Point(axes, row)).toList();
    }

    /**
     * Returns the intervention's settings at this point.
     *
     * @param base the settings as written
     * @return them with each swept key set to this point's value
     */
    Config apply(Config base) {
        Config settings = base;
        for (int i = 0; i < axes.size(); i++) {
            settings = settings.withValue(axes.get(i).path(), values.get(i));
        }
        return settings;
    }

    /**
     * Returns the values as table cells.
     *
     * @return one cell per axis (lists as text such as {@code [0]})
     */
    List<Object> cells() {
        return values.stream().map(Cells::of).toList();
    }

    /**
     * Describes the point for messages.
     *
     * @return e.g. {@code {layer = 2, scale = 4}}, or {@code {}} without axes
     */
    String describe() {
        StringJoiner text = new StringJoiner(", ", "{", "}");
        for (int i = 0; i < axes.size(); i++) {
            text.add(axes.get(i).name() + " = " + StepSettings.render(values.get(i)));
        }
        return text.toString();
    }
}
