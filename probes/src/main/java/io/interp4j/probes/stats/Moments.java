package io.interp4j.probes.stats;

/**
 * Per-feature mean and population variance over rows added in batches, in double precision. Each
 * batch is reduced with two passes and merged with Chan, Golub and LeVeque's pairwise update, which
 * avoids the cancellation of {@code E[x²] − E[x]²} when the mean is large against the spread.
 */
final class Moments {
    private final int features;
    private final double[] mean;
    private final double[] m2;
    private long count;

    Moments(int features) {
        this.features = features;
        this.mean = new double[features];
        this.m2 = new double[features];
    }

    /**
     * Adds rows.
     *
     * @param rows {@code [n × features]} row-major
     */
    void add(float[] rows) {
        int n = rows.length / features;
        if (n == 0) {
            return;
        }
        double[] batchMean = new double[features];
        for (int r = 0; r < n; r++) {
            for (int f = 0; f < features; f++) {
                batchMean[f] += rows[r * features + f];
            }
        }
        for (int f = 0; f < features; f++) {
            batchMean[f] /= n;
        }
        double[] batchM2 = new double[features];
        for (int r = 0; r < n; r++) {
            for (int f = 0; f < features; f++) {
                double d = rows[r * features + f] - batchMean[f];
                batchM2[f] += d * d;
            }
        }
        long total = count + n;
        for (int f = 0; f < features; f++) {
            double delta = batchMean[f] - mean[f];
            mean[f] += delta * n / total;
            m2[f] += batchM2[f] + delta * delta * ((double) count * n / total);
        }
        count = total;
    }

    long count() {
        return count;
    }

    double[] mean() {
        return mean.clone();
    }

    /** Returns the population standard deviation, {@code sqrt(Σ (x − mean)² / count)}. */
    double[] std() {
        double[] std = new double[features];
        for (int f = 0; f < features; f++) {
            std[f] = count == 0 ? 0 : Math.sqrt(m2[f] / count);
        }
        return std;
    }
}
