package io.interp4j.app.report;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test procedure"):
 * it controls the family-wise error rate, the chance of any false rejection among the family's tests, at
 * {@value #ALPHA} for any dependence between them. The atlas applies it to the study's family of
 * "the published number is what the corrected protocol measures" tests, every step and model together.
 */
final class Holm {
    /** The family-wise error rate the report's decisions control. */
    static final double ALPHA = 0.05;

    private Holm() {}

    /**
     * Returns Holm-adjusted p-values: with the m finite p-values sorted ascending, p(1) ≤ … ≤ p(m), the
     * i-th adjusted value is max over j ≤ i of min(1, (m − j + 1) · p(j)); a test rejects at α exactly when
     * its adjusted value is at most α. A NaN p-value (no test) is no member of the family and stays NaN.
     *
     * @param p the raw p-values
     * @return the adjusted p-values, in the same order
     */
    static double[] adjust(double[] p) {
        double[] adjusted = new double[p.length];
        Arrays.fill(adjusted, Double.NaN);
        int[] order = IntStream.range(0, p.length).filter(i -> !Double.isNaN(p[i])).boxed()
                .sorted(Comparator.comparingDouble(i -> p[i])).mapToInt(Integer::intValue).toArray();
        int m = order.length;
        double running = 0;
        for (int j = 0; j < m; j++) {
            running = Math.max(running, Math.min(1.0, (m - j) * p[order[j]]));
            adjusted[order[j]] = running;
        }
        return adjusted;
    }
}
