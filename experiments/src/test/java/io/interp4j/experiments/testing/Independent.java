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
     * LLM.int8's weight written out: per row, the row's absmax, code {@code round(w · (127 / absmax))}
     * half to even in float32 (bitsandbytes' {@code int8_vectorwise_quant}), value {@code code · (absmax ·
     * (1/127))}; a row of zeros stays zero.
     *
     * @param w row-major {@code [rows, columns]}
     * @param rows the rows
     * @param columns the columns
     * @return the dequantised weight
     */
    public static float[] llmInt8Weight(float[] w, int rows, int columns) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            float absmax = 0;
            for (int c = 0; c < columns; c++) {
                absmax = Math.max(absmax, Math.abs(w[r * columns + c]));
            }
            if (absmax == 0) {
                continue;
            }
            float factor = 127f / absmax;
            float step = absmax * (1f / 127f);
            for (int c = 0; c < columns; c++) {
                out[r * columns + c] = (float) Math.rint(w[r * columns + c] * factor) * step;
            }
        }
        return out;
    }

    /**
     * Returns the last position's row of a reference activation {@code [1, pos, width]}.
     *
     * @param tensor the activation
     * @return its last row
     */
    public static double[] lastRow(io.interp4j.testkit.RefTensor tensor) {
        long[] shape = tensor.shape();
        int width = (int) shape[shape.length - 1];
        double[] data = tensor.data();
        return Arrays.copyOfRange(data, data.length - width, data.length);
    }

    /**
     * A double-precision model of a checkpoint under LLM.int8 as a KV-cache generation from a prompt
     * computes it: weights through {@link #llmInt8Weight}, and every projection's input quantised by
     * {@link io.interp4j.testkit.ReferenceLlmInt8}, the prompt's rows together and each generated row
     * alone.
     *
     * @param checkpoint the checkpoint (stays open)
     * @param promptLength the prompt's token count
     * @return the reference
     */
    public static io.interp4j.testkit.ReferenceQwen2 llmInt8Generation(io.interp4j.api.checkpoint.Checkpoint checkpoint, int promptLength) {
        return io.interp4j.testkit.ReferenceQwen2.of(checkpoint, (name, w) -> {
            long[] shape = checkpoint.info(name).shape();
            return llmInt8Weight(w, (int) shape[0], (int) shape[1]);
        }).withLlmInt8Activations(promptLength);
    }

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

    /**
     * The steering row's control as its documentation states it, recomputed: an orthonormal basis of the
     * difference vectors (each positive minus the negatives' mean, then the positives' mean minus each
     * negative; classical Gram-Schmidt, projections taken from the original vector; a vector whose
     * remainder is at most 1e-6 of the largest difference adds no direction), standard Gaussian
     * coefficients from {@code new Random(seed)} in basis order, the sum scaled to {@code norm}.
     *
     * @param positives the positive sentences' layer outputs
     * @param negatives the negative sentences' layer outputs
     * @param seed the control's seed
     * @param norm the steering vector's norm
     * @return the control
     */
    public static float[] spanControl(double[][] positives, double[][] negatives, long seed, double norm) {
        int width = positives[0].length;
        java.util.List<double[]> basis = spanBasis(positives, negatives);
        java.util.Random random = new java.util.Random(seed);
        double[] direction = new double[width];
        for (double[] e : basis) {
            double g = random.nextGaussian();
            for (int i = 0; i < width; i++) {
                direction[i] += g * e[i];
            }
        }
        double length = Math.sqrt(dot(direction, direction));
        float[] out = new float[width];
        for (int i = 0; i < width; i++) {
            out[i] = (float) (direction[i] / length * norm);
        }
        return out;
    }

    /**
     * The orthonormal basis of {@link #spanControl}.
     *
     * @param positives the positive sentences' layer outputs
     * @param negatives the negative sentences' layer outputs
     * @return the basis
     */
    public static java.util.List<double[]> spanBasis(double[][] positives, double[][] negatives) {
        int width = positives[0].length;
        double[] meanP = new double[width];
        double[] meanN = new double[width];
        for (double[] p : positives) {
            for (int i = 0; i < width; i++) {
                meanP[i] += p[i] / positives.length;
            }
        }
        for (double[] n : negatives) {
            for (int i = 0; i < width; i++) {
                meanN[i] += n[i] / negatives.length;
            }
        }
        java.util.List<double[]> differences = new java.util.ArrayList<>();
        for (double[] p : positives) {
            differences.add(IntStream.range(0, width).mapToDouble(i -> p[i] - meanN[i]).toArray());
        }
        for (double[] n : negatives) {
            differences.add(IntStream.range(0, width).mapToDouble(i -> meanP[i] - n[i]).toArray());
        }
        double largest = differences.stream().mapToDouble(d -> Math.sqrt(dot(d, d))).max().orElse(0);
        java.util.List<double[]> basis = new java.util.ArrayList<>();
        for (double[] d : differences) {
            double[] projections = basis.stream().mapToDouble(e -> dot(d, e)).toArray();
            double[] r = d.clone();
            for (int b = 0; b < basis.size(); b++) {
                for (int i = 0; i < width; i++) {
                    r[i] -= projections[b] * basis.get(b)[i];
                }
            }
            double length = Math.sqrt(dot(r, r));
            if (length > 1e-6 * largest) {
                basis.add(Arrays.stream(r).map(x -> x / length).toArray());
            }
        }
        return basis;
    }

    /**
     * The dot product in double.
     *
     * @param a a vector
     * @param b another of the same length
     * @return the sum of products
     */
    public static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
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
