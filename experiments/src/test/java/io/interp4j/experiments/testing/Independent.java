package io.interp4j.experiments.testing;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

/** Slow, plain-double computations that check the experiments without their code paths. */
public final class Independent {
    private Independent() {}

    /**
     * Runs the engine with hand-installed interventions and returns the last position's logits.
     *
     * @param model the engine's model
     * @param tokens the prompt
     * @param interventions what to install
     * @return the logits of the last position
     */
    public static float[] lastLogits(Model model, int[] tokens, Intervention... interventions) {
        try (Run run = model.newRun()) {
            for (Intervention i : interventions) {
                run.intervene(i);
            }
            ForwardResult result = run.forward(tokens);
            float[] all = result.logits().toFloatArray();
            int vocab = (int) result.logits().getShape().get(2);
            return Arrays.copyOfRange(all, all.length - vocab, all.length);
        }
    }

    /**
     * Returns log-softmax in double precision.
     *
     * @param logits the logits
     * @return log-probabilities
     */
    public static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        return IntStream.range(0, logits.length).mapToDouble(i -> logits[i] - log).toArray();
    }

    /**
     * Returns KL(P ‖ Q) = Σ p (log p − log q) in nats.
     *
     * @param p the logits of P
     * @param q the logits of Q
     * @return the divergence
     */
    public static double kl(float[] p, float[] q) {
        double[] lp = logSoftmax(p);
        double[] lq = logSoftmax(q);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += Math.exp(lp[i]) * (lp[i] - lq[i]);
        }
        return sum;
    }

    /**
     * Returns the entropy of softmax(logits) in nats.
     *
     * @param logits the logits
     * @return −Σ p log p
     */
    public static double entropy(float[] logits) {
        double[] lp = logSoftmax(logits);
        return -Arrays.stream(lp).map(l -> Math.exp(l) * l).sum();
    }

    /**
     * Returns |top-k(a) ∩ top-k(b)| / k.
     *
     * @param a logits
     * @param b logits
     * @param k how many
     * @return the overlap
     */
    public static double topKOverlap(float[] a, float[] b, int k) {
        Set<Integer> top = new HashSet<>(top(a, k));
        return top(b, k).stream().filter(top::contains).count() / (double) k;
    }

    /**
     * Returns Spearman's rank correlation: Pearson's r of the ranks, a value's rank being 1 + the count
     * of smaller values + half the count of other equal ones.
     *
     * @param x the first values
     * @param y the second values, as many
     * @return rho
     */
    public static double spearman(double[] x, double[] y) {
        return pearson(tiedRanks(x), tiedRanks(y));
    }

    /**
     * Returns Pearson's r, unclamped.
     *
     * @param x the first values
     * @param y the second values, as many
     * @return r
     */
    public static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    private static double[] tiedRanks(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            int smaller = 0;
            int equal = 0;
            for (double v : values) {
                smaller += v < values[i] ? 1 : 0;
                equal += v == values[i] ? 1 : 0;
            }
            out[i] = 1 + smaller + (equal - 1) / 2.0;
        }
        return out;
    }

    private static java.util.List<Integer> top(float[] logits, int k) {
        return IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i))
                .limit(k).toList();
    }
}
