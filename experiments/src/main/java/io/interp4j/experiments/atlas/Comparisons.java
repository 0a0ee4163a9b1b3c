package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.metric.MetricInput.PairedSeries;
import io.interp4j.api.plugin.TensorData;
import java.util.HashMap;
import java.util.Map;

/**
 * The comparisons the atlas rows report, computed by the catalogue's metric plugins ({@code
 * kl-divergence}, {@code top-k-overlap}, {@code pearson}, {@code spearman}) with their documented
 * settings and edge rules: a row's KL is the number a sweep or a user's own step reports for the same
 * logits, and there is one implementation of each to test and to change.
 */
public final class Comparisons {
    private final StudyContext context;
    private final Metric kl;
    private final Metric pearson;
    private final Metric spearman;
    private final Map<Integer, Metric> overlaps = new HashMap<>();

    private Comparisons(StudyContext context) {
        this.context = context;
        this.kl = context.metric("kl-divergence", ConfigFactory.empty());
        this.pearson = context.metric("pearson", ConfigFactory.empty());
        this.spearman = context.metric("spearman", ConfigFactory.empty());
    }

    /**
     * Creates the row's comparisons from the study's metric plugins.
     *
     * @param context the study
     * @return the comparisons
     */
    public static Comparisons of(StudyContext context) {
        return new Comparisons(requireNonNull(context, "context is null"));
    }

    /**
     * Returns KL(reference ‖ other) in nats over the full vocabulary ({@code kl-divergence}: 0·log 0 = 0,
     * +Infinity kept, NaN for a NaN or +Infinity logit).
     *
     * @param reference one position's reference logits
     * @param other the same position's logits of the other run
     * @return the divergence
     */
    public double kl(float[] reference, float[] other) {
        return value(kl, logits(reference, other));
    }

    /**
     * Returns |top-k(reference) ∩ top-k(other)| / k ({@code top-k-overlap}: equal logits ranked by the
     * lower token id).
     *
     * @param reference one position's reference logits
     * @param other the same position's logits of the other run
     * @param k how many, 1 .. the vocabulary size
     * @return the overlap in [0, 1]
     */
    public double topKOverlap(float[] reference, float[] other, int k) {
        Metric overlap = overlaps.computeIfAbsent(k, n -> context.metric("top-k-overlap",
                ConfigFactory.empty().withValue("k", ConfigValueFactory.fromAnyRef(n))));
        return value(overlap, logits(reference, other));
    }

    /**
     * Returns Pearson's r ({@code pearson}: NaN for fewer than 2 points, a non-finite value or a constant
     * series).
     *
     * @param x the first series
     * @param y the second series, as long
     * @return r in [-1, 1] or NaN
     */
    public double pearson(double[] x, double[] y) {
        return value(pearson, new PairedSeries(x, y));
    }

    /**
     * Returns Spearman's ρ ({@code spearman}: ties share their mean rank, ±Infinity ranks as the extremes,
     * NaN for fewer than 2 points, a NaN value or a series of ties).
     *
     * @param x the first series
     * @param y the second series, as long
     * @return ρ in [-1, 1] or NaN
     */
    public double spearman(double[] x, double[] y) {
        return value(spearman, new PairedSeries(x, y));
    }

    private static LogitComparison logits(float[] reference, float[] other) {
        return LogitComparison.of(new TensorData(new long[] {1, reference.length}, reference),
                new TensorData(new long[] {1, other.length}, other));
    }

    private static double value(Metric metric, MetricInput input) {
        return metric.compute(input).value();
    }
}
