package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Headline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Collects an atlas step's rows of the seed-style comparison table and its flags, as the two tables
 * every atlas experiment returns and the report assembles into "Dimension | model A | model B | Δ":
 *
 * <ul>
 *   <li>{@value #TABLE}: {@code dimension, key, protocol, model, value, display, ci_low, ci_high}; one
 *       row per (headline number, protocol, model). {@code key} is stable (e.g.
 *       {@code universal-hub.layer}); {@code value} is a number or a string; {@code display} is how
 *       the table shows it (e.g. {@code "L2, 19.11"}); the interval is a 95% bootstrap interval over
 *       prompts where the protocol computes one, else null.
 *   <li>{@value #FLAGS}: {@code dimension, protocol, model, kind, message}; {@code kind} is
 *       {@code disagreement} (the protocols answer differently), {@code artefact} (an artefact of
 *       STUDY.md was detected in this run, e.g. an ablated output that no longer depends on the prompt) or
 *       {@code degenerate-interval} (a headline's interval is a point: it was printed, but it is no
 *       interval).
 *   <li>{@value #DELTAS}: {@code dimension, key, protocol, model_a, model_b, delta, ci_low, ci_high, pairing}; for every
 *       numeric cell whose interval came from a {@link Sample} for two or more models, the difference last model − first
 *       model (the report's Δ) with a 95% bootstrap interval ({@link Stats#bootstrapDifference}), {@code paired} where
 *       both models measured the same prompts in the same families, else {@code unpaired}; a point interval is flagged
 *       {@code degenerate-interval} as a cell's is.
 *   <li>{@value #TESTS}: {@code dimension, key, model, published, corrected, ci_low, ci_high, p_value, message,
 *       hypothesis}; one row per test, of one of two hypotheses:
 *       <ul>
 *         <li>{@value #PUBLISHED_EQUALS_CORRECTED}: "the published number is what the corrected protocol measures" (the
 *             published value against the corrected bootstrap distribution, two-sided, {@link Stats.Distribution#pValue});
 *             the interval is the corrected number's;
 *         <li>{@value #VECTOR_NOT_ABOVE_CONTROL}: "the intervention's vector does no better than its random control
 *             directions" (one-sided, {@link Stats.Distribution#pValueAbove} of 0); {@code published} is null,
 *             {@code corrected} is the difference vector − control and the interval is that difference's.
 *       </ul>
 *       The tests are not flags: the report adjusts their p-values together, across every step and model of the study
 *       (Holm), and flags the published-versus-corrected tests it rejects and the vector-versus-control tests it does
 *       not reject.
 * </ul>
 */
public final class AtlasRows {
    /** The name of the table of headline numbers. */
    public static final String TABLE = Headline.TABLE;
    /** The name of the table of flags. */
    public static final String FLAGS = Headline.FLAGS;
    /** The name of the table of differences between models. */
    public static final String DELTAS = Headline.DELTAS;
    /** The name of the table of tests. */
    public static final String TESTS = Headline.TESTS;
    /** The {@code hypothesis} of a published-versus-corrected test ({@link #test}). */
    public static final String PUBLISHED_EQUALS_CORRECTED = Headline.PUBLISHED_EQUALS_CORRECTED;
    /** The {@code hypothesis} of a vector-versus-control test ({@link #controlTest}). */
    public static final String VECTOR_NOT_ABOVE_CONTROL = Headline.VECTOR_NOT_ABOVE_CONTROL;

    private final String dimension;
    private final List<List<Object>> rows = new ArrayList<>();
    private final List<List<Object>> flags = new ArrayList<>();
    private final List<List<Object>> tests = new ArrayList<>();
    /** Per cell key and protocol, each model's sample and value, in the order added. */
    private final Map<List<String>, Map<String, Sampled>> samples = new LinkedHashMap<>();

    /**
     * What a cell's interval resamples, so that the difference between two models' cells can be resampled
     * too: the prompts (their identities, to tell whether two models measured the same ones), grouped by
     * family, the statistic of a resample and the cell's random stream.
     *
     * @param prompts each prompt's identity (e.g. task id and prompt text), in index order
     * @param families each family's indices into {@code prompts}, none empty
     * @param statistic the cell's statistic of a resample, given as each family's drawn indices
     * @param seed the cell's seed ({@link Stats#cellSeed})
     */
    public record Sample(List<String> prompts, int[][] families, ToDoubleFunction<int[][]> statistic, long seed) {
        /** Checks and copies. */
        public Sample {
            prompts = List.copyOf(prompts);
            requireNonNull(families, "families is null");
            requireNonNull(statistic, "statistic is null");
        }

        /**
         * The sample of a mean of family means of per-prompt values ({@link Stats#familyMean}).
         *
         * @param prompts each prompt's identity
         * @param families each family's indices, none empty
         * @param values the per-prompt values
         * @param seed the cell's seed
         * @return the sample
         */
        public static Sample familyMean(List<String> prompts, int[][] families, double[] values, long seed) {
            return new Sample(prompts, families, drawn -> Stats.familyMean(values, drawn), seed);
        }

        /**
         * Returns the 95% interval ({@link Stats#bootstrapFamilies}).
         *
         * @return {@code {low, high}}
         */
        public double[] interval() {
            return Stats.bootstrapFamilies(families, statistic, seed);
        }
    }

    private record Sampled(Sample sample, Object value) {}

    /**
     * Starts the rows of one dimension.
     *
     * @param dimension the dimension's name as the table shows it, e.g. {@code Universal hub layer}
     */
    public AtlasRows(String dimension) {
        this.dimension = dimension;
    }

    /**
     * Adds a headline value.
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both (e.g. the architecture)
     * @param model the study model's name
     * @param value the number or string
     * @param display how the table shows it
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display) {
        return value(key, protocol, model, value, display, (double[]) null);
    }

    /**
     * Adds a headline value with the 95% interval of its sample, which {@value #DELTAS} also resamples.
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both
     * @param model the study model's name
     * @param value the number
     * @param display how the table shows it
     * @param sample what the interval resamples, or null for no interval
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display, Sample sample) {
        return value(key, protocol, model, value, display, sample == null ? null : sample.interval(), sample);
    }

    /**
     * Adds a headline value with an interval computed elsewhere (e.g. a selection-aware one) and the sample
     * {@value #DELTAS} resamples for the difference between models (its statistic redoes the selection).
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both
     * @param model the study model's name
     * @param value the number
     * @param display how the table shows it
     * @param ci {@code {low, high}}, or null
     * @param sample what the difference resamples, or null
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display, double[] ci, Sample sample) {
        if (sample != null) {
            samples.computeIfAbsent(List.of(key, protocol == null ? "both" : protocol.configName()), k -> new LinkedHashMap<>())
                    .put(model, new Sampled(sample, value));
        }
        return value(key, protocol, model, value, display, ci);
    }

    /**
     * Adds a headline value with its 95% confidence interval.
     *
     * @param key the stable key
     * @param protocol the protocol, or null where the row is the same in both
     * @param model the study model's name
     * @param value the number or string
     * @param display how the table shows it
     * @param ci {@code {low, high}}, or null
     * @return this
     */
    public AtlasRows value(String key, Protocol protocol, String model, Object value, String display, double[] ci) {
        String protocolName = protocol == null ? "both" : protocol.configName();
        rows.add(Arrays.asList(dimension, key, protocolName, model, finite(value), display,
                ci == null ? null : finite(ci[0]), ci == null ? null : finite(ci[1])));
        degenerate(key, protocolName, model, ci);
        return this;
    }

    /** Flags a point interval: every resample gave the same statistic (one prompt, or prompts that all agree). */
    private void degenerate(String key, String protocol, String model, double[] ci) {
        if (ci != null && ci[0] == ci[1]) {
            flags.add(Arrays.asList(dimension, protocol, model, "degenerate-interval",
                    String.format(java.util.Locale.ROOT, "the 95%% interval of %s is the point [%s, %s]: every bootstrap resample gave"
                            + " the same value (too few prompts, or prompts that all agree), so it says nothing about uncertainty",
                            key, ci[0], ci[1])));
        }
    }

    /**
     * Flags a disagreement between the protocols.
     *
     * @param model the study model's name
     * @param message what differs, with both answers
     * @return this
     */
    public AtlasRows disagreement(String model, String message) {
        flags.add(Arrays.asList(dimension, "both", model, "disagreement", message));
        return this;
    }

    /**
     * Flags an artefact detected in a protocol's run.
     *
     * @param protocol the protocol whose run shows it
     * @param model the study model's name
     * @param message what was detected, with the numbers
     * @return this
     */
    public AtlasRows artefact(Protocol protocol, String model, String message) {
        flags.add(Arrays.asList(dimension, protocol.configName(), model, "artefact", message));
        return this;
    }

    /**
     * Tests whether the published number is what the corrected protocol measures: the published value against
     * the corrected number's bootstrap distribution (two-sided, {@link Stats.Distribution#pValue}). The report
     * adjusts all the study's tests together and flags a disagreement where the adjusted test rejects.
     *
     * @param key the stable key of the cell tested
     * @param model the study model's name
     * @param published the published protocol's number
     * @param corrected the corrected protocol's number
     * @param distribution the corrected number's bootstrap distribution
     * @param message what differs, with both answers
     * @return this
     */
    public AtlasRows test(String key, String model, double published, double corrected, Stats.Distribution distribution, String message) {
        double[] ci = distribution.interval();
        tests.add(Arrays.asList(dimension, key, model, finite(published), finite(corrected), finite(ci[0]), finite(ci[1]),
                finite(distribution.pValue(published)), message, PUBLISHED_EQUALS_CORRECTED));
        return this;
    }

    /**
     * Tests whether the intervention's vector does better than its random controls: the one-sided bootstrap test
     * of "vector − control ≤ 0" ({@link Stats.Distribution#pValueAbove} of 0) on the difference's bootstrap
     * distribution. The report adjusts it with the study's other tests and flags it where it is not rejected
     * (the vector is then not shown to beat its control).
     *
     * @param key the stable key of the cell tested
     * @param model the study model's name
     * @param difference the observed difference, vector − control
     * @param distribution the difference's bootstrap distribution
     * @param message what was compared, with both numbers
     * @return this
     */
    public AtlasRows controlTest(String key, String model, double difference, Stats.Distribution distribution, String message) {
        double[] ci = distribution.interval();
        tests.add(Arrays.asList(dimension, key, model, null, finite(difference), finite(ci[0]), finite(ci[1]),
                finite(distribution.pValueAbove(0)), message, VECTOR_NOT_ABOVE_CONTROL));
        return this;
    }

    /**
     * Returns the tables, to add to a step's result.
     *
     * @return {@value #TABLE}, {@value #FLAGS} and, where the step tested anything, {@value #TESTS}
     */
    public List<StepResult.Table> tables() {
        List<StepResult.Table> tables = new ArrayList<>(List.of(new StepResult.Table(TABLE, Headline.COLUMNS, rows),
                new StepResult.Table(FLAGS, Headline.FLAG_COLUMNS, flags)));
        List<List<Object>> deltas = deltas();
        if (!deltas.isEmpty()) {
            tables.add(new StepResult.Table(DELTAS, Headline.DELTA_COLUMNS, deltas));
        }
        if (!tests.isEmpty()) {
            tables.add(new StepResult.Table(TESTS, Headline.TEST_COLUMNS, tests));
        }
        return List.copyOf(tables);
    }

    /**
     * Returns which of {@link #tables()} make up the step's part of the headline table, to give the
     * step's result ({@link StepResult#withHeadline}).
     *
     * @return the headline, naming the tables {@link #tables()} returns
     */
    public Headline headline() {
        return Headline.standard();
    }

    /** The differences last model − first model of every sampled numeric cell, with their intervals. */
    private List<List<Object>> deltas() {
        List<List<Object>> deltas = new ArrayList<>();
        samples.forEach((cell, byModel) -> {
            if (byModel.size() < 2) {
                return;
            }
            List<String> models = List.copyOf(byModel.keySet());
            String modelA = models.get(0);
            String modelB = models.get(models.size() - 1);
            Sampled a = byModel.get(modelA);
            Sampled b = byModel.get(modelB);
            if (!(a.value() instanceof Number va) || !(b.value() instanceof Number vb)) {
                return;
            }
            boolean paired = a.sample().prompts().equals(b.sample().prompts())
                    && Arrays.deepEquals(a.sample().families(), b.sample().families());
            double[] ci = Stats.bootstrapDifference(a.sample().statistic(), a.sample().families(), b.sample().statistic(),
                    b.sample().families(), paired, Stats.cellSeed(a.sample().seed(), "delta", modelA, modelB)).interval();
            String pair = modelB + " − " + modelA;
            deltas.add(Arrays.asList(dimension, cell.get(0), cell.get(1), modelA, modelB, finite(vb.doubleValue() - va.doubleValue()),
                    finite(ci[0]), finite(ci[1]), paired ? "paired" : "unpaired"));
            degenerate("Δ " + cell.get(0), cell.get(1), pair, ci);
        });
        return deltas;
    }

    /** Infinite and NaN numbers become strings ("inf", "nan"): JSON has no such numbers. */
    private static Object finite(Object value) {
        if (value instanceof Double d && !Double.isFinite(d)) {
            return d.isNaN() ? "nan" : d > 0 ? "inf" : "-inf";
        }
        if (value instanceof Float f && !Float.isFinite(f)) {
            return f.isNaN() ? "nan" : f > 0 ? "inf" : "-inf";
        }
        return value;
    }
}
