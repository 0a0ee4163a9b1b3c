package io.interp4j.api.intervention;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;

/**
 * What an intervention does to the selected slice of an activation.
 *
 * @since 0.1
 */
@Stable
public enum Operation {
    /** Set to zero. */
    ZERO,
    /** Set to the value (a feature vector broadcast over the slice, or a source activation's rows). */
    REPLACE,
    /** Add {@code scale × value}. */
    ADD,
    /** Multiply by {@code scale}. */
    SCALE,
    /**
     * Multiply feature-wise by the value (a gate: e.g. ones with zeros over some columns zeroes those
     * columns only, as the published head-slice ablation of {@code hook_attn_out} does).
     */
    MULTIPLY;

    /**
     * Returns the lowercase name used in HOCON.
     *
     * @return e.g. {@code zero}
     */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses a HOCON name.
     *
     * @param name {@code zero}, {@code replace}, {@code add}, {@code scale} or {@code multiply}
     * @return the operation
     */
    public static Operation parse(String name) {
        for (Operation o : values()) {
            if (o.configName().equals(name)) {
                return o;
            }
        }
        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown operation '" + name + "'; allowed: zero, replace, add, scale, multiply");
    }
}
