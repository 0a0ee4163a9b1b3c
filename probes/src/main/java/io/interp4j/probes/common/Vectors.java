package io.interp4j.probes.common;

/** Small conversions between the double accumulators of probes and the float32 tensors they report. */
public final class Vectors {
    private Vectors() {}

    /**
     * Narrows doubles to floats.
     *
     * @param values the values
     * @return the values rounded to float32
     */
    public static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /**
     * Returns the Euclidean norm.
     *
     * @param values the values
     * @return {@code sqrt(Σ v²)}
     */
    public static double norm(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }
}
