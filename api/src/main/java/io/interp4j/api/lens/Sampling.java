package io.interp4j.api.lens;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Distributions;
import java.util.Comparator;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * How the next token is chosen from a row of logits: greedy (temperature 0: the lowest index of the
 * largest logit, as Hugging Face's greedy search), or sampled as Hugging Face's {@code generate} with
 * {@code do_sample=True} does — logits divided by the temperature, then only the {@code topK} largest
 * kept (ties at the k-th value kept too), then only the smallest set of most likely tokens whose
 * probabilities sum to at least {@code topP} (never fewer than one), renormalised, and drawn with a
 * generator seeded from {@code seed}, so a seed gives the same tokens on every run.
 *
 * @param temperature 0 for greedy, else {@code > 0}
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the smallest set reaching this probability, in {@code (0, 1]}; 1 keeps all
 * @param seed the seed of the draws (unused when greedy)
 * @since 0.3
 */
@Experimental
public record Sampling(double temperature, int topK, double topP, long seed) {
    /** Checks the ranges. */
    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "temperature must be a finite number >= 0 (0: greedy), found " + temperature);
        }
        if (topK < 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "topK must be >= 0 (0: every token), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "topP must be in (0, 1] (1: every token), found " + topP);
        }
    }

    /**
     * Returns greedy decoding.
     *
     * @return temperature 0
     */
    public static Sampling greedy() {
        return new Sampling(0, 0, 1, 0);
    }

    /**
     * Returns plain sampling at temperature 1 from a seed, every token allowed.
     *
     * @param seed the seed
     * @return the sampling
     */
    public static Sampling seeded(long seed) {
        return new Sampling(1, 0, 1, seed);
    }

    /**
     * Returns a copy with another temperature.
     *
     * @param value 0 for greedy, else {@code > 0}
     * @return the sampling
     */
    public Sampling withTemperature(double value) {
        return new Sampling(value, topK, topP, seed);
    }

    /**
     * Returns a copy keeping only the k most likely tokens.
     *
     * @param k at least 1, or 0 for all
     * @return the sampling
     */
    public Sampling withTopK(int k) {
        return new Sampling(temperature, k, topP, seed);
    }

    /**
     * Returns a copy keeping only the nucleus of probability p.
     *
     * @param p in {@code (0, 1]}
     * @return the sampling
     */
    public Sampling withTopP(double p) {
        return new Sampling(temperature, topK, p, seed);
    }

    /**
     * Returns whether this is greedy decoding.
     *
     * @return true at temperature 0
     */
    public boolean greedyDecoding() {
        return temperature == 0;
    }

    /**
     * Returns the probabilities tokens are drawn with: temperature, top-k and top-p applied and
     * renormalised; tokens filtered out have probability 0. Greedy decoding puts 1 on the argmax.
     *
     * @param logits one row of logits
     * @return the probabilities, {@code [vocab]}
     */
    public double[] probabilities(float[] logits) {
        double[] p = new double[logits.length];
        if (greedyDecoding()) {
            p[Distributions.argmax(logits)] = 1;
            return p;
        }
        double[] scaled = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            scaled[i] = logits[i] / temperature;
        }
        if (topK > 0 && topK < logits.length) {
            double kth = scaled[Distributions.topK(scaled, topK)[topK - 1]];
            for (int i = 0; i < scaled.length; i++) {
                if (scaled[i] < kth) {
                    scaled[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double[] logP = Distributions.logSoftmax(scaled);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logP[i]);
        }
        if (topP < 1) {
            int[] order = IntStream.range(0, p.length).filter(i -> p[i] > 0).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i)).mapToInt(Integer::intValue).toArray();
            double cumulative = 0;
            int kept = 0;
            while (kept < order.length && (kept == 0 || cumulative < topP)) {
                cumulative += p[order[kept++]];
            }
            double[] nucleus = new double[p.length];
            for (int r = 0; r < kept; r++) {
                nucleus[order[r]] = p[order[r]] / cumulative;
            }
            return nucleus;
        }
        return p;
    }

    /**
     * Chooses the next token.
     *
     * @param logits one row of logits
     * @param random the row's generator (unused when greedy)
     * @return the token id
     */
    public int next(float[] logits, RandomGenerator random) {
        if (greedyDecoding()) {
            return Distributions.argmax(logits);
        }
        double[] p = probabilities(logits);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }
}
