package io.interp4j.experiments.common;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;

/** Turns values into table cells, which hold only numbers, strings, booleans or null. */
public final class Cells {
    private Cells() {}

    /**
     * Returns a cell for any value: numbers, strings and booleans as they are, anything else as text.
     *
     * @param value the value
     * @return the cell
     */
    public static Object of(Object value) {
        if (value == null || value instanceof Number || value instanceof String || value instanceof Boolean) {
            return value;
        }
        if (value instanceof ConfigValue config) {
            Object unwrapped = config.unwrapped();
            return unwrapped instanceof Number || unwrapped instanceof String || unwrapped instanceof Boolean || unwrapped == null
                    ? unwrapped
                    : config.render(ConfigRenderOptions.concise());
        }
        return String.valueOf(value);
    }
}
