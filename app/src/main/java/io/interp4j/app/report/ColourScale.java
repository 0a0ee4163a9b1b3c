package io.interp4j.app.report;

/**
 * How a heatmap maps its values to the colour scale, chosen from the values so that small effects stay
 * visible: linear when the finite values span less than {@value #DECADES} decades, logarithmic when they
 * are all positive and span more, and symmetric-logarithmic (linear within ±{@code linearWithin}, then
 * logarithmic) when they span more and include zero or negative values. The legend names the scale.
 *
 * @param kind the mapping
 * @param min the smallest finite value
 * @param max the largest finite value
 * @param linearWithin for {@link Kind#SYMLOG}, the half-width of the linear band around zero (the
 *     smallest nonzero |value|); 0 otherwise
 */
record ColourScale(Kind kind, double min, double max, double linearWithin) {
    /** Values whose largest and smallest magnitude differ by at least 10^DECADES get a logarithmic scale. */
    static final int DECADES = 2;

    /** The mappings. */
    enum Kind {
        LINEAR("linear scale"),
        LOG("log scale"),
        SYMLOG("symmetric log scale");

        private final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /**
     * Chooses the scale for a heatmap's cells.
     *
     * @param values the cell values, [y][x] (non-finite ones are ignored)
     * @param counts rows per cell, [y][x]; cells with none are ignored
     * @return the scale; linear over [NaN, NaN] when no value is finite
     */
    static ColourScale of(double[][] values, int[][] counts) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double smallest = Double.POSITIVE_INFINITY;
        double largest = 0;
        for (int j = 0; j < values.length; j++) {
            for (int i = 0; i < values[j].length; i++) {
                double v = values[j][i];
                if (counts[j][i] == 0 || !Double.isFinite(v)) {
                    continue;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
                if (v != 0) {
                    smallest = Math.min(smallest, Math.abs(v));
                    largest = Math.max(largest, Math.abs(v));
                }
            }
        }
        if (min > max) {
            return new ColourScale(Kind.LINEAR, Double.NaN, Double.NaN, 0);
        }
        boolean wide = largest > 0 && Math.log10(largest) - Math.log10(smallest) >= DECADES;
        if (!wide) {
            return new ColourScale(Kind.LINEAR, min, max, 0);
        }
        return min > 0 ? new ColourScale(Kind.LOG, min, max, 0) : new ColourScale(Kind.SYMLOG, min, max, smallest);
    }

    /**
     * Where a finite value lies on the colour scale.
     *
     * @param v the value
     * @return 0 at {@link #min} to 1 at {@link #max}; 0.5 when the scale has no width
     */
    double position(double v) {
        double lo = transform(min);
        double hi = transform(max);
        // halves, so that a range spanning more than Double.MAX_VALUE does not overflow
        double half = hi / 2 - lo / 2;
        return half > 0 ? (transform(v) / 2 - lo / 2) / half : 0.5;
    }

    private double transform(double v) {
        return switch (kind) {
            case LINEAR -> v;
            case LOG -> Math.log10(v);
            case SYMLOG -> Math.signum(v) * Math.log10(1 + Math.abs(v) / linearWithin);
        };
    }

    /**
     * Names the scale for the legend.
     *
     * @return e.g. {@code log scale} or {@code symmetric log scale, linear within ±1e-05}
     */
    String describe() {
        return kind == Kind.SYMLOG ? kind.words + ", linear within ±" + Format.number(linearWithin) : kind.words;
    }
}
