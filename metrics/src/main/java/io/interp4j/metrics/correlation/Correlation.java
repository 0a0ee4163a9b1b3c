package io.interp4j.metrics.correlation;

import io.interp4j.api.metric.MetricResult;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/** Pearson's r and the average ranks Spearman's ρ is computed from. */
final class Correlation {
    private Correlation() {}

    /**
     * Pearson's r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), two passes in double. Undefined cases give NaN
     * with a detail saying why: fewer than 2 points ({@code points}), a non-finite value ({@code
     * non-finite-values}), or a series whose values are all equal ({@code zero-variance-x}, {@code
     * zero-variance-y}).
     */
    static MetricResult pearson(double[] x, double[] y) {
        Map<String, Double> details = new HashMap<>();
        int n = x.length;
        details.put("points", (double) n);
        long nonFinite = IntStream.range(0, n).filter(i -> !Double.isFinite(x[i]) || !Double.isFinite(y[i])).count();
        details.put("non-finite-values", (double) nonFinite);
        if (n < 2 || nonFinite > 0) {
            return new MetricResult(Double.NaN, "correlation", details);
        }
        // zero variance is tested on the values, not on Σ(x−x̄)²: the mean of equal values can differ from them by
        // an ulp, leaving a tiny non-zero sum of squares and a meaningless r
        boolean flatX = Arrays.stream(x).allMatch(v -> v == x[0]);
        boolean flatY = Arrays.stream(y).allMatch(v -> v == y[0]);
        details.put("zero-variance-x", flatX ? 1.0 : 0.0);
        details.put("zero-variance-y", flatY ? 1.0 : 0.0);
        if (flatX || flatY) {
            return new MetricResult(Double.NaN, "correlation", details);
        }
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        // rounding can push |r| a hair above 1 for perfectly linear series
        double r = Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
        return new MetricResult(r, "correlation", details);
    }

    /**
     * Ranks from 1 (smallest) to n; tied values share the average of the ranks they span. Infinities
     * rank as the extremes; NaN is not allowed here.
     */
    static double[] averageRanks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().sorted(Comparator.comparingDouble(i -> v[i]))
                .toArray(Integer[]::new);
        double[] ranks = new double[v.length];
        int start = 0;
        while (start < order.length) {
            int end = start;
            while (end + 1 < order.length && v[order[end + 1]] == v[order[start]]) {
                end++;
            }
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) {
                ranks[order[i]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }
}
