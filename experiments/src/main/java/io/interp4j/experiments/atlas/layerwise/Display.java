package io.interp4j.experiments.atlas.layerwise;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/** How the atlas rows write numbers in their {@code display} texts (two decimals, as the seed table). */
public final class Display {
    private Display() {}

    /**
     * Writes a number with two decimals, or {@code inf}, {@code -inf}, {@code nan}.
     *
     * @param value the number
     * @return e.g. {@code 19.11}
     */
    public static String number(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /**
     * Writes a fraction as a percentage with at most two decimals.
     *
     * @param fraction the fraction, e.g. {@code 0.0714}
     * @return e.g. {@code 7.14%}
     */
    public static String percent(double fraction) {
        if (!Double.isFinite(fraction)) {
            return number(fraction);
        }
        BigDecimal percent = BigDecimal.valueOf(fraction * 100).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        return (percent.signum() == 0 ? "0" : percent.toPlainString()) + "%";
    }

    /**
     * Writes a layer.
     *
     * @param layer the layer
     * @return e.g. {@code L2}
     */
    public static String layer(int layer) {
        return "L" + layer;
    }
}
