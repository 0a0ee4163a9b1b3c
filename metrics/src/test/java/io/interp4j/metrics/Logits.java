package io.interp4j.metrics;

import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.plugin.TensorData;
import java.util.OptionalInt;

/** Builds {@code [pos, vocab]} logit tensors and comparisons for tests. */
public final class Logits {
    private Logits() {}

    /**
     * Stacks rows into a {@code [rows, vocab]} tensor.
     *
     * @param rows the rows, equally long
     * @return the tensor
     */
    public static TensorData rows(float[]... rows) {
        int vocab = rows[0].length;
        float[] data = new float[rows.length * vocab];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, data, r * vocab, vocab);
        }
        return new TensorData(new long[] {rows.length, vocab}, data);
    }

    /**
     * Builds a one-position comparison.
     *
     * @param reference the reference logits
     * @param intervened the intervened logits
     * @return the comparison without targets
     */
    public static LogitComparison compare(float[] reference, float[] intervened) {
        return LogitComparison.of(rows(reference), rows(intervened));
    }

    /**
     * Builds a one-position comparison with targets.
     *
     * @param reference the reference logits
     * @param intervened the intervened logits
     * @param target the target id
     * @param wrongTarget the wrong target id
     * @return the comparison
     */
    public static LogitComparison compare(float[] reference, float[] intervened, int target, int wrongTarget) {
        return new LogitComparison(rows(reference), rows(intervened), OptionalInt.of(target), OptionalInt.of(wrongTarget));
    }

    /**
     * Returns a float array.
     *
     * @param values the values
     * @return them
     */
    public static float[] of(float... values) {
        return values;
    }
}
