package io.interp4j.experiments.atlas;

import io.interp4j.api.metric.Distributions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/** The arithmetic the atlas rows share, in double precision unless a method says otherwise. */
public final class Stats {
    /** Resamples of the percentile bootstrap. */
    public static final int BOOTSTRAP_RESAMPLES = 1000;

    private Stats() {}

    /**
     * Returns log-softmax in double precision.
     *
     * @param logits the logits
     * @return the log-probabilities
     */
    public static double[] logSoftmax(float[] logits) {
        return Distributions.logSoftmax(logits);
    }

    /**
     * Returns one token's log-probability in double precision, {@code logSoftmax(logits)[token]}.
     *
     * @param logits the logits
     * @param token the token id
     * @return {@code log p(token)}
     */
    public static double logProbability(float[] logits, int token) {
        return Distributions.logProbability(logits, token);
    }

    /**
     * Returns the index of the largest value (the first on ties).
     *
     * @param values the values
     * @return the index
     */
    public static int argmax(float[] values) {
        return Distributions.argmax(values);
    }

    /**
     * Returns the index of the largest value (the first on ties).
     *
     * @param values the values
     * @return the index
     */
    public static int argmax(double[] values) {
        return Distributions.argmax(values);
    }

    /**
     * Returns the indices of the k largest values, largest first (lower index first on ties).
     *
     * @param values the values
     * @param k how many
     * @return the indices
     */
    public static int[] topK(double[] values, int k) {
        return Distributions.topK(values, Math.min(k, values.length));
    }

    /**
     * Returns the indices of the k largest values, largest first (lower index first on ties).
     *
     * @param values the values
     * @param k how many
     * @return the indices
     */
    public static int[] topK(float[] values, int k) {
        return Distributions.topK(values, Math.min(k, values.length));
    }

    /**
     * Returns the seed of one cell's random stream: the study's seed mixed with the cell's identity (the
     * row, model, protocol and whatever names the cell: layer, head, scale, metric...). Cells resample
     * independently of each other (one {@code new Random(studySeed)} for every cell would draw the same
     * prompt indices in every layer, head and model, coupling their intervals), and a cell's interval does
     * not change when other cells are added or removed. FNV-1a (64-bit) over the identity's text,
     * finished by SplitMix64's mixer: hand-written because the JDK offers no stable 64-bit string hash.
     *
     * @param studySeed the study's seed
     * @param cell the cell's identity, in order
     * @return the cell's seed
     */
    public static long cellSeed(long studySeed, Object... cell) {
        long hash = 0xcbf29ce484222325L;
        for (Object part : cell) {
            for (byte b : (String.valueOf(part) + '\u0000').getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                hash ^= b & 0xff;
                hash *= 0x100000001b3L;
            }
        }
        long z = studySeed + 0x9e3779b97f4a7c15L * (hash | 1);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Returns the mean.
     *
     * @param values the values, not empty
     * @return the mean
     */
    public static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /**
     * Returns a 95% percentile-bootstrap interval of the mean: {@value #BOOTSTRAP_RESAMPLES}
     * resamples with replacement, seeded, the 2.5th and 97.5th percentiles (nearest rank).
     *
     * @param values the per-prompt values, not empty
     * @param seed the seed
     * @return {@code {low, high}}
     */
    public static double[] bootstrapMean(double[] values, long seed) {
        Random random = new Random(seed);
        double[] means = new double[BOOTSTRAP_RESAMPLES];
        for (int r = 0; r < means.length; r++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                sum += values[random.nextInt(values.length)];
            }
            means[r] = sum / values.length;
        }
        Arrays.sort(means);
        return new double[] {means[(int) Math.floor(0.025 * (means.length - 1))], means[(int) Math.ceil(0.975 * (means.length - 1))]};
    }

    /**
     * A selection-aware interval: what a headline that reports the largest of several cells (the hub
     * layer, the top head) can claim. Each resample redoes the selection, so the interval is that of
     * "the largest effect", not of the cell this run happened to pick; {@code stability} is the fraction of
     * resamples that picked the same cell.
     *
     * @param low the 2.5th percentile of the resampled maxima
     * @param high the 97.5th percentile
     * @param stability the fraction of resamples whose argmax is the selected cell, in [0, 1]
     */
    public record Selection(double low, double high, double stability) {
        /**
         * Returns the interval.
         *
         * @return {@code {low, high}}
         */
        public double[] interval() {
            return new double[] {low, high};
        }
    }

    /**
     * Returns a selection-aware 95% stratified-bootstrap interval of the largest cell: every resample
     * recomputes every cell on the same resampled prompts and keeps the largest (the first on ties).
     *
     * @param families each family's prompt indices, none empty
     * @param cells how many cells compete
     * @param statistic a cell's value on a resample: (cell, drawn) to value
     * @param selected the cell the full data selected
     * @param seed the seed (see {@link #cellSeed})
     * @return the interval and the selected cell's stability
     */
    public static Selection bootstrapSelection(int[][] families, int cells, BiFunction<Integer, int[][], Double> statistic, int selected,
            long seed) {
        int[] hits = new int[1];
        double[] ci = bootstrapFamilies(families, drawn -> {
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cells; c++) {
                double v = statistic.apply(c, drawn);
                if (v > max) {
                    max = v;
                    best = c;
                }
            }
            if (best == selected) {
                hits[0]++;
            }
            return max;
        }, seed);
        return new Selection(ci[0], ci[1], hits[0] / (double) BOOTSTRAP_RESAMPLES);
    }

    /**
     * Returns the mean of family means: the values of each family averaged, then the families' means
     * averaged (every family weighs the same, whatever its number of prompts).
     *
     * @param values the per-prompt values
     * @param families each family's indices into {@code values}, none empty
     * @return the mean of family means
     */
    public static double familyMean(double[] values, int[][] families) {
        double sum = 0;
        for (int[] family : families) {
            double familySum = 0;
            for (int i : family) {
                familySum += values[i];
            }
            sum += familySum / family.length;
        }
        return sum / families.length;
    }

    /**
     * Returns a 95% percentile-bootstrap interval of a statistic of prompts grouped by family, stratified
     * by family: each of {@value #BOOTSTRAP_RESAMPLES} resamples draws, within every family, as many of
     * its prompts as it has, with replacement, so a mean of family means keeps every family's weight;
     * the 2.5th and 97.5th percentiles (nearest rank) of the statistic over the resamples.
     *
     * @param families each family's prompt indices, none empty
     * @param statistic the statistic of a resample, given as each family's drawn prompt indices
     * @param seed the seed
     * @return {@code {low, high}}
     */
    public static double[] bootstrapFamilies(int[][] families, ToDoubleFunction<int[][]> statistic, long seed) {
        return bootstrapDistribution(families, statistic, seed).interval();
    }

    /**
     * Returns the resampled statistics behind {@link #bootstrapFamilies} (same resamples, same seed), for a
     * test against them ({@link Distribution#pValue}).
     *
     * @param families each family's prompt indices, none empty
     * @param statistic the statistic of a resample, given as each family's drawn prompt indices
     * @param seed the seed
     * @return the {@value #BOOTSTRAP_RESAMPLES} statistics
     */
    public static Distribution bootstrapDistribution(int[][] families, ToDoubleFunction<int[][]> statistic, long seed) {
        Random random = new Random(seed);
        double[] stats = new double[BOOTSTRAP_RESAMPLES];
        for (int r = 0; r < stats.length; r++) {
            stats[r] = statistic.applyAsDouble(draw(families, random));
        }
        return new Distribution(stats);
    }

    /**
     * Returns the bootstrap distribution of a difference between two models' statistics, b − a: paired where
     * both measured the same prompts (one stratified resample of the shared prompts per round, both statistics
     * on it, so what the prompts share cancels), unpaired otherwise (each model's prompts resampled on their own,
     * a's draw then b's from one stream).
     *
     * @param a the first model's families and statistic
     * @param familiesA its families
     * @param b the second model's statistic
     * @param familiesB its families; for a paired difference the same as {@code familiesA}
     * @param paired whether the prompts are the same
     * @param seed the seed (see {@link #cellSeed})
     * @return the {@value #BOOTSTRAP_RESAMPLES} differences
     */
    public static Distribution bootstrapDifference(ToDoubleFunction<int[][]> a, int[][] familiesA, ToDoubleFunction<int[][]> b,
            int[][] familiesB, boolean paired, long seed) {
        if (paired && !Arrays.deepEquals(familiesA, familiesB)) {
            throw new IllegalArgumentException("a paired difference needs the same prompts in the same families for both models");
        }
        Random random = new Random(seed);
        double[] stats = new double[BOOTSTRAP_RESAMPLES];
        for (int r = 0; r < stats.length; r++) {
            int[][] drawnA = draw(familiesA, random);
            int[][] drawnB = paired ? drawnA : draw(familiesB, random);
            stats[r] = b.applyAsDouble(drawnB) - a.applyAsDouble(drawnA);
        }
        return new Distribution(stats);
    }

    /** One stratified resample: within every family, as many of its prompts as it has, with replacement. */
    static int[][] draw(int[][] families, Random random) {
        int[][] drawn = new int[families.length][];
        for (int f = 0; f < families.length; f++) {
            drawn[f] = new int[families[f].length];
            for (int i = 0; i < drawn[f].length; i++) {
                drawn[f][i] = families[f][random.nextInt(families[f].length)];
            }
        }
        return drawn;
    }

    /**
     * A bootstrap distribution: a statistic over the resamples, sorted (NaN last).
     *
     * @param sorted the statistics, sorted in place by the constructor
     */
    public record Distribution(double[] sorted) {
        /**
         * Sorts the statistics.
         *
         * @param sorted the statistics, not empty
         */
        public Distribution {
            if (sorted.length == 0) {
                throw new IllegalArgumentException("a bootstrap distribution needs at least one resample");
            }
            Arrays.sort(sorted);
        }

        /**
         * Returns the 95% percentile interval: the 2.5th and 97.5th percentiles (nearest rank).
         *
         * @return {@code {low, high}}
         */
        public double[] interval() {
            return new double[] {sorted[(int) Math.floor(0.025 * (sorted.length - 1))], sorted[(int) Math.ceil(0.975 * (sorted.length - 1))]};
        }

        /**
         * Returns the two-sided bootstrap p-value of "the statistic equals {@code value}": twice the smaller
         * tail, counted with the observed side included, {@code min(1, 2 · (1 + min(#{θ* ≤ value},
         * #{θ* ≥ value})) / (B + 1))} for B resamples. It is the test the percentile interval inverts (a
         * value outside the 95% interval has p of about 0.05 or less), made a number so that many such tests
         * can be adjusted together; the +1s keep it above 0 (a bootstrap cannot show p below 2/(B+1)).
         * NaN where the value or a resample is NaN: no test.
         *
         * @param value the value tested, e.g. the published protocol's number
         * @return the p-value in (0, 1], or NaN
         */
        public double pValue(double value) {
            if (Double.isNaN(value) || Double.isNaN(sorted[sorted.length - 1])) {
                return Double.NaN;
            }
            int below = 0;
            int above = 0;
            for (double s : sorted) {
                if (s <= value) {
                    below++;
                }
                if (s >= value) {
                    above++;
                }
            }
            return Math.min(1.0, 2.0 * (1 + Math.min(below, above)) / (sorted.length + 1));
        }

        /**
         * Returns the one-sided bootstrap p-value of "the statistic is at most {@code value}" against "it is
         * above": the share of resamples at or below it, counted as {@link #pValue} counts, {@code
         * (1 + #{θ* ≤ value}) / (B + 1)} for B resamples (the test the one-sided percentile bound inverts: a value
         * below the 5th percentile has p of about 0.05 or less). NaN where the value or a resample is NaN.
         *
         * @param value the value tested, e.g. 0 for "the vector does no better than its control"
         * @return the p-value in (0, 1], or NaN
         */
        public double pValueAbove(double value) {
            if (Double.isNaN(value) || Double.isNaN(sorted[sorted.length - 1])) {
                return Double.NaN;
            }
            int below = 0;
            for (double s : sorted) {
                if (s <= value) {
                    below++;
                }
            }
            return Math.min(1.0, (1.0 + below) / (sorted.length + 1));
        }
    }

    /**
     * Returns a 95% stratified-bootstrap interval of the mean of family means ({@link #familyMean}).
     *
     * @param values the per-prompt values
     * @param families each family's indices into {@code values}, none empty
     * @param seed the seed
     * @return {@code {low, high}}
     */
    public static double[] bootstrapFamilyMean(double[] values, int[][] families, long seed) {
        return bootstrapFamilies(families, drawn -> familyMean(values, drawn), seed);
    }

    /**
     * Groups prompt indices by family label, families in order of first appearance, for {@link #familyMean}
     * and {@link #bootstrapFamilies}; a null label leaves its prompt out.
     *
     * @param labels each prompt's family, or null
     * @return each family's prompt indices
     */
    public static int[][] families(List<String> labels) {
        Map<String, List<Integer>> byFamily = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i) != null) {
                byFamily.computeIfAbsent(labels.get(i), f -> new ArrayList<>()).add(i);
            }
        }
        return byFamily.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }
}
