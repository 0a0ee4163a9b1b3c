package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.atlas.layerwise.HandRuns.BlockEdit;
import io.interp4j.experiments.testing.Independent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The independent side of the golden checks of the per-layer rows (universal hub, MLP dominance, layer
 * skipping, early exit): one model's prompts of the {@code families} suite (split {@code test}, as the
 * rows read it by default), encoded with the model's tokenizer, their clean last-position logits from
 * plain forwards, and per-prompt KLs under hand-written hooks ({@link HandRuns}), averaged by plain
 * double sums (each family's prompts in suite order, then the families in order of first appearance);
 * plus the few ways the rows write numbers, re-implemented here.
 */
final class LayerRowsHand {
    /** The suite the rows read by default. */
    static final String SUITE = "families";
    /** The split the rows read by default. */
    static final String SPLIT = "test";

    final String name;
    final Model model;
    final Tokenizer tokenizer;
    final List<Task> tasks;
    final int[][] tokens;
    final float[][] clean;
    final int layers;
    final int hidden;
    /** Each family's prompt indices, families in order of first appearance. */
    final int[][] families;

    /**
     * Encodes one model's prompts and runs them clean.
     *
     * @param atlas the golden run
     * @param name the study model
     */
    LayerRowsHand(GoldenAtlas atlas, String name) {
        this.name = name;
        this.model = atlas.study().raw(name);
        this.tokenizer = model.requireTokenizer();
        this.tasks = atlas.suite(SUITE).tasks().stream().filter(t -> t.split().equals(SPLIT)).toList();
        this.tokens = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toArray(int[][]::new);
        this.clean = new float[tokens.length][];
        for (int p = 0; p < tokens.length; p++) {
            clean[p] = Independent.lastLogits(model, tokens[p]);
        }
        this.layers = model.config().numLayers();
        this.hidden = model.config().hiddenSize();
        Map<String, List<Integer>> byFamily = new LinkedHashMap<>();
        for (int p = 0; p < tasks.size(); p++) {
            byFamily.computeIfAbsent(tasks.get(p).family(), f -> new ArrayList<>()).add(p);
        }
        this.families = byFamily.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    /** @return how many prompts */
    int size() {
        return tokens.length;
    }

    /**
     * KL(clean ‖ edited) at the last position for every (layer, prompt), one block edited per forward.
     *
     * @param edit the edit of block {@code layer} on prompt {@code p}
     * @return {@code [layer][prompt]}
     */
    double[][] sweep(BiFunction<Integer, Integer, BlockEdit> edit) {
        double[][] out = new double[layers][size()];
        for (int p = 0; p < size(); p++) {
            for (int l = 0; l < layers; l++) {
                out[l][p] = Independent.kl(clean[p], HandRuns.last(model, tokens[p], Map.of(l, edit.apply(l, p))));
            }
        }
        return out;
    }

    /**
     * KL(clean ‖ MLP output of the layer zeroed) for every (layer, prompt).
     *
     * @return {@code [layer][prompt]}
     */
    double[][] mlpSweep() {
        double[][] out = new double[layers][size()];
        for (int p = 0; p < size(); p++) {
            for (int l = 0; l < layers; l++) {
                out[l][p] = Independent.kl(clean[p], HandRuns.zeroMlp(model, tokens[p], l));
            }
        }
        return out;
    }

    /**
     * The mean of family means, by plain sums in a fixed order (so values that are equal as fractions,
     * such as overlaps, compare equal).
     *
     * @param values per prompt
     * @return the mean
     */
    double familyMean(double[] values) {
        double sum = 0;
        for (int[] family : families) {
            sum += mean(values, family);
        }
        return sum / families.length;
    }

    /**
     * The mean of one family's prompts.
     *
     * @param values per prompt
     * @param family the family's prompt indices
     * @return the mean
     */
    static double mean(double[] values, int[] family) {
        double sum = 0;
        for (int i : family) {
            sum += values[i];
        }
        return sum / family.length;
    }

    /**
     * Family means then their mean, for each row.
     *
     * @param values {@code [row][prompt]}
     * @return {@code [row]}
     */
    double[] profile(double[][] values) {
        double[] out = new double[values.length];
        for (int r = 0; r < values.length; r++) {
            out[r] = familyMean(values[r]);
        }
        return out;
    }

    /**
     * Counts the families whose own argmax layer (of their family mean) is the given layer.
     *
     * @param values {@code [layer][prompt]}
     * @param layer the layer
     * @return the count
     */
    int familiesWithArgmax(double[][] values, int layer) {
        int count = 0;
        for (int[] family : families) {
            double[] byLayer = new double[values.length];
            for (int l = 0; l < values.length; l++) {
                byLayer[l] = mean(values[l], family);
            }
            count += argmax(byLayer) == layer ? 1 : 0;
        }
        return count;
    }

    /**
     * The first index of the largest value.
     *
     * @param values the values
     * @return the index
     */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The index of the largest value, checked to lead the runner-up by more than float noise (the rows'
     * headline layers must not be picked by rounding).
     *
     * @param values the values, at least two
     * @param what names them in the failure
     * @return the index
     */
    static int clearArgmax(double[] values, String what) {
        int best = argmax(values);
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            second = i == best ? second : Math.max(second, values[i]);
        }
        assertThat(values[best] - second).as(what + " " + Arrays.toString(values) + ": no near-tie for the largest")
                .isGreaterThan(1e-4 * Math.max(1, Math.abs(values[best])));
        return best;
    }

    /**
     * The first index of the largest value.
     *
     * @param values the values
     * @return the index
     */
    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Two decimals, as the atlas table writes numbers.
     *
     * @param value the number
     * @return e.g. {@code 0.25}
     */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /**
     * A fraction as a percentage with at most two decimals, trailing zeros dropped.
     *
     * @param fraction e.g. {@code 0.5}
     * @return e.g. {@code 50%}
     */
    static String percent(double fraction) {
        if (!Double.isFinite(fraction)) {
            return number(fraction);
        }
        BigDecimal percent = new BigDecimal(Double.toString(fraction * 100)).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        return (percent.signum() == 0 ? "0" : percent.toPlainString()) + "%";
    }

    /**
     * Checks that a mean's bootstrap interval is present and holds it.
     *
     * @param ledger the step's cells
     * @param key the key
     * @param protocol the protocol
     * @param model the model
     */
    static void intervalHolds(Ledger ledger, String key, String protocol, String model) {
        Ledger.Cell cell = ledger.cell(key, protocol, model);
        intervalHolds(ledger, key, protocol, model, ((Number) cell.value()).doubleValue());
    }

    /**
     * Checks that a cell's bootstrap interval is present and holds the mean it was drawn around (which
     * is not the cell's value where the value is a layer and the interval that of the layer's mean).
     *
     * @param ledger the step's cells
     * @param key the key
     * @param protocol the protocol
     * @param model the model
     * @param mean the mean the interval belongs to
     */
    static void intervalHolds(Ledger ledger, String key, String protocol, String model, double mean) {
        Ledger.Cell cell = ledger.cell(key, protocol, model);
        assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNotNull();
        assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isNotNull();
        assertThat(mean).as(cell.name() + ": the mean within its interval").isBetween(cell.ciLow() - 1e-12, cell.ciHigh() + 1e-12);
    }

    /**
     * Checks that a cell has no interval (the published protocol reports none).
     *
     * @param ledger the step's cells
     * @param key the key
     * @param protocol the protocol
     * @param model the model
     */
    static void noInterval(Ledger ledger, String key, String protocol, String model) {
        Ledger.Cell cell = ledger.cell(key, protocol, model);
        assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNull();
        assertThat(cell.ciHigh()).as(cell.name() + " ci_high").isNull();
    }

    /**
     * The tolerance for a KL-like number: 1e-4 relative, at least 1e-4 absolute.
     *
     * @param expected the independent value
     * @return the tolerance
     */
    static double tolerance(double expected) {
        return 1e-4 * Math.max(1, Math.abs(expected));
    }
}
