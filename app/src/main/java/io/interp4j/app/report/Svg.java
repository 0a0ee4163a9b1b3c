package io.interp4j.app.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the inline SVG charts share: escaping, coordinates, label sizes, axis ticks, colours. */
final class Svg {
    /** Width of every chart's drawing, in CSS pixels; the page scales it down when narrower. */
    static final int WIDTH = 1040;
    /** Estimated width of one character of the 12 px chart font; labels are sized and cut by it. */
    static final double CHAR_WIDTH = 7.0;
    /** Colour of cells holding NaN or an infinity. */
    static final String NON_FINITE_FILL = "#9e9e9e";

    /** Viridis, sampled at nine evenly spaced points: sequential, perceptually uniform, legible in grey. */
    private static final int[][] VIRIDIS = {
        {0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b}, {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c},
        {0x28, 0xae, 0x80}, {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25}
    };

    /** Tableau 10: distinct categorical colours for line series. */
    private static final String[] SERIES = {
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
    };

    /** Dash patterns that tell apart series beyond the tenth, which reuse the colours. */
    private static final String[] DASHES = {"", "7 4", "2 3", "9 3 2 3"};

    private Svg() {}

    /** A coordinate with at most one decimal. */
    static String n(double v) {
        long r = Math.round(v * 10);
        return r % 10 == 0 ? Long.toString(r / 10) : String.format(Locale.ROOT, "%.1f", r / 10.0);
    }

    static double textWidth(String s) {
        return s.codePointCount(0, s.length()) * CHAR_WIDTH;
    }

    /** The label cut to at most {@code max} characters, with an ellipsis when cut. */
    static String cut(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }

    /** The viridis colour at t in [0, 1]. */
    static String sequential(double t) {
        double u = (Double.isNaN(t) ? 0.5 : Math.max(0, Math.min(1, t))) * (VIRIDIS.length - 1);
        int i = Math.min((int) Math.floor(u), VIRIDIS.length - 2);
        double f = u - i;
        int[] a = VIRIDIS[i];
        int[] b = VIRIDIS[i + 1];
        return String.format(Locale.ROOT, "#%02x%02x%02x", mix(a[0], b[0], f), mix(a[1], b[1], f), mix(a[2], b[2], f));
    }

    /** Whether text on the sequential colour at t should be dark (the light, yellow-green end). */
    static boolean darkTextOn(double t) {
        return t > 0.62;
    }

    static String seriesColour(int i) {
        return SERIES[i % SERIES.length];
    }

    static String seriesDash(int i) {
        return DASHES[(i / SERIES.length) % DASHES.length];
    }

    /**
     * Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about {@code target}
     * of them (Heckbert's "nice numbers" in Graphics Gems, 1990).
     */
    static double[] ticks(double lo, double hi, int target) {
        if (!(hi > lo)) {
            return new double[] {lo};
        }
        double step = niceStep((hi - lo) / Math.max(1, target - 1));
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        if (!Double.isFinite(step) || step <= 0 || last - first > 100) {
            return new double[] {lo, hi}; // a range near Double.MAX_VALUE: no round steps, just the ends
        }
        List<Double> ticks = new ArrayList<>();
        for (long k = first; k <= last; k++) {
            ticks.add(k * step);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Labels for axis ticks in one notation: plain when every non-zero tick would be shown plain, else
     * all scientific, so that an axis does not read 0.0015, 0.001, 5e-4.
     */
    static String[] tickLabels(double[] ticks) {
        String[] labels = new String[ticks.length];
        boolean plain = true;
        for (int k = 0; k < ticks.length; k++) {
            labels[k] = Format.number(ticks[k]);
            plain &= ticks[k] == 0 || !labels[k].contains("e");
        }
        if (!plain) {
            for (int k = 0; k < ticks.length; k++) {
                labels[k] = ticks[k] == 0 ? "0" : Format.scientific(ticks[k]);
            }
        }
        return labels;
    }

    /** [lo, hi] widened outward to round tick values, and to a non-empty range when lo equals hi. */
    static double[] niceDomain(double lo, double hi, int target) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.5;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / Math.max(1, target - 1));
        if (!Double.isFinite(step) || step <= 0) {
            return new double[] {lo, hi};
        }
        return new double[] {Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step};
    }

    /** A one-line drawing that says why there is no chart. */
    static String empty(String message) {
        return "<svg class=\"chart\" width=\"" + WIDTH + "\" height=\"40\" viewBox=\"0 0 " + WIDTH
                + " 40\"><text class=\"legend\" x=\"10\" y=\"24\">" + Html.escape(message) + "</text></svg>";
    }

    private static double niceStep(double raw) {
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / power;
        double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        return nice * power;
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round(a + (b - a) * f);
    }
}
