package io.interp4j.experiments.atlas.steering;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The steering row's control: random directions in the span the steering vector lives in. The vector of
 * a layer is mean(positives) − mean(negatives) = the mean of the per-prompt difference vectors
 * {@code p_i − mean(negatives)}; those and {@code mean(positives) − n_j} span the directions a
 * mean-difference of these sentences can take. A control is a direction drawn uniformly from the unit
 * sphere of that span (standard Gaussian coefficients on an orthonormal basis), scaled to ‖v‖: it has
 * the vector's norm and comes from the same sentences' geometry, but not their labels' mean.
 */
final class SpanControls {
    /** A difference vector whose part outside the basis so far is below this fraction of the largest one adds no dimension. */
    static final double RANK_TOLERANCE = 1e-6;

    private final List<double[]> basis;

    /**
     * Builds an orthonormal basis of the span of the per-prompt difference vectors (modified Gram-Schmidt in
     * double precision, positives' differences first, then the negatives').
     *
     * @param positives the positive sentences' layer outputs, each of width d
     * @param negatives the negative sentences' layer outputs
     */
    SpanControls(double[][] positives, double[][] negatives) {
        double[] meanPositive = mean(positives);
        double[] meanNegative = mean(negatives);
        List<double[]> differences = new ArrayList<>();
        for (double[] p : positives) {
            differences.add(minus(p, meanNegative));
        }
        for (double[] n : negatives) {
            differences.add(minus(meanPositive, n));
        }
        double largest = 0;
        for (double[] d : differences) {
            largest = Math.max(largest, norm(d));
        }
        basis = new ArrayList<>();
        for (double[] d : differences) {
            double[] r = d.clone();
            for (double[] e : basis) {
                double dot = dot(r, e);
                for (int i = 0; i < r.length; i++) {
                    r[i] -= dot * e[i];
                }
            }
            double length = norm(r);
            if (length > RANK_TOLERANCE * largest && length > 0) {
                for (int i = 0; i < r.length; i++) {
                    r[i] /= length;
                }
                basis.add(r);
            }
        }
    }

    /**
     * Returns the dimension of the span.
     *
     * @return how many orthonormal directions span the difference vectors
     */
    int rank() {
        return basis.size();
    }

    /**
     * Returns one control: {@code Σ g_m e_m} with {@code g_m} the next standard Gaussians of
     * {@code new Random(seed)}, one per basis vector in basis order, scaled to {@code norm}.
     *
     * @param seed the control's seed, well mixed (the row's {@code Stats.cellSeed}: java.util.Random's first
     *     draws from consecutive small seeds are correlated)
     * @param width d_model
     * @param norm the steering vector's norm
     * @return the control, zero when the span is empty
     */
    float[] control(long seed, int width, double norm) {
        Random random = new Random(seed);
        double[] direction = new double[width];
        for (double[] e : basis) {
            double g = random.nextGaussian();
            for (int i = 0; i < width; i++) {
                direction[i] += g * e[i];
            }
        }
        double length = norm(direction);
        float[] out = new float[width];
        for (int i = 0; length > 0 && i < width; i++) {
            out[i] = (float) (direction[i] / length * norm);
        }
        return out;
    }

    private static double[] mean(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += row[i] / rows.length;
            }
        }
        return mean;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }
}
