package io.interp4j.experiments.atlas.layerwise;

import static java.util.Objects.requireNonNull;

import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.Stats;

/**
 * One per-prompt measure at every layer (e.g. KL(clean ‖ ablated) after ablating layer L), averaged as
 * the atlas does: the prompts of each family, then the families. The profile's argmax is the row's
 * headline layer (the published study's "hub"). Rows that measure other indexed settings (the layer
 * sets of layer skipping) use it with that index in place of the layer.
 */
public final class LayerProfile {
    private final double[][] values;
    private final int[][] families;
    private final double[] profile;

    /**
     * Wraps per-prompt values.
     *
     * @param values {@code [layer][prompt]}
     * @param families each family's prompt indices, none empty
     */
    public LayerProfile(double[][] values, int[][] families) {
        this.values = requireNonNull(values, "values is null");
        this.families = requireNonNull(families, "families is null");
        this.profile = new double[values.length];
        for (int layer = 0; layer < values.length; layer++) {
            profile[layer] = Stats.familyMean(values[layer], families);
        }
    }

    /**
     * Returns the number of layers.
     *
     * @return the count
     */
    public int layers() {
        return values.length;
    }

    /**
     * Returns the number of prompts.
     *
     * @return the count
     */
    public int prompts() {
        return values.length == 0 ? 0 : values[0].length;
    }

    /**
     * Returns a prompt's value at a layer.
     *
     * @param layer the layer
     * @param prompt the prompt
     * @return the value
     */
    public double value(int layer, int prompt) {
        return values[layer][prompt];
    }

    /**
     * Returns the mean of family means at a layer.
     *
     * @param layer the layer
     * @return the value
     */
    public double mean(int layer) {
        return profile[layer];
    }

    /**
     * Returns the mean of family means at a layer over other groups of prompts (a bootstrap resample).
     *
     * @param layer the layer
     * @param drawn each family's prompt indices, none empty
     * @return the value
     */
    public double mean(int layer, int[][] drawn) {
        return Stats.familyMean(values[layer], drawn);
    }

    /**
     * Returns the means of family means, by layer.
     *
     * @return {@code [layer]}
     */
    public double[] profile() {
        return profile.clone();
    }

    /**
     * Returns a family's mean at a layer.
     *
     * @param layer the layer
     * @param family the family's index
     * @return the mean over its prompts
     */
    public double familyMean(int layer, int family) {
        double sum = 0;
        for (int i : families[family]) {
            sum += values[layer][i];
        }
        return sum / families[family].length;
    }

    /**
     * Returns the layer of the largest mean (the first on ties).
     *
     * @return the layer
     */
    public int argmax() {
        return Stats.argmax(profile);
    }

    /**
     * Returns a family's argmax layer.
     *
     * @param family the family's index
     * @return the layer of its largest mean (the first on ties)
     */
    public int familyArgmax(int family) {
        double[] means = new double[values.length];
        for (int layer = 0; layer < means.length; layer++) {
            means[layer] = familyMean(layer, family);
        }
        return Stats.argmax(means);
    }

    /**
     * Returns in how many families a layer is the argmax.
     *
     * @param layer the layer
     * @return the count
     */
    public int familiesWithArgmax(int layer) {
        int count = 0;
        for (int f = 0; f < families.length; f++) {
            count += familyArgmax(f) == layer ? 1 : 0;
        }
        return count;
    }

    /**
     * Returns the number of families.
     *
     * @return the count
     */
    public int familyCount() {
        return families.length;
    }

    /**
     * Returns the prompts averaged over, by family (a subset of the prompts where a protocol averages over fewer).
     *
     * @return {@code [family][member]} prompt indices
     */
    public int[][] families() {
        int[][] copy = new int[families.length][];
        for (int f = 0; f < families.length; f++) {
            copy[f] = families[f].clone();
        }
        return copy;
    }

    /**
     * Returns a 95% stratified-bootstrap interval of the mean of family means at a layer.
     *
     * @param layer the layer
     * @param seed the seed
     * @return {@code {low, high}}
     */
    public double[] interval(int layer, long seed) {
        return sample(layer, java.util.Collections.nCopies(prompts(), ""), seed).interval();
    }

    /**
     * Returns what {@link #interval} resamples at a layer, for a cell whose difference between models is
     * resampled too.
     *
     * @param layer the layer
     * @param prompts each prompt's identity ({@link io.interp4j.experiments.atlas.PromptSet#identities})
     * @param seed the seed, mixed with the layer
     * @return the sample
     */
    public AtlasRows.Sample sample(int layer, java.util.List<String> prompts, long seed) {
        return AtlasRows.Sample.familyMean(prompts, families, values[layer], Stats.cellSeed(seed, "layer", layer));
    }

    /**
     * Returns the sample of the profile's largest value, the argmax layer chosen again in every resample (what
     * {@link Stats#bootstrapSelection} resamples with the same seed).
     *
     * @param prompts each prompt's identity
     * @param seed the seed, as given to {@link Stats#bootstrapSelection}
     * @return the sample
     */
    public AtlasRows.Sample maxSample(java.util.List<String> prompts, long seed) {
        return new AtlasRows.Sample(prompts, families, drawn -> {
            double max = Double.NEGATIVE_INFINITY;
            for (int layer = 0; layer < values.length; layer++) {
                max = Math.max(max, mean(layer, drawn));
            }
            return max;
        }, seed);
    }

    /**
     * Returns Spearman's rank correlation between two profiles over layers.
     *
     * @param other a profile over as many layers
     * @param compare the study's comparisons
     * @return rho, NaN when either profile is constant
     */
    public double spearman(LayerProfile other, Comparisons compare) {
        return compare.spearman(profile, other.profile);
    }
}
