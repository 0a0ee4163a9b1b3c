package io.interp4j.interventions.testing;

import io.interp4j.testkit.RefTensor;
import io.interp4j.testkit.ReferenceQwen2;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Hand-written edits of reference activations {@code [1, pos, ...]}, one position row at a time, for
 * the override maps of {@link ReferenceQwen2#forward(int[], java.util.Map)}.
 */
public final class Ref {
    private Ref() {}

    /** The width of one position row. */
    private static int width(RefTensor t) {
        return t.size() / (int) t.shape()[1];
    }

    /**
     * Zeroes rows.
     *
     * @param t the activation
     * @param rows the positions
     * @return the edited copy
     */
    public static RefTensor zeroRows(RefTensor t, int... rows) {
        double[] data = t.data();
        int w = width(t);
        for (int row : rows) {
            Arrays.fill(data, row * w, (row + 1) * w, 0);
        }
        return new RefTensor(t.shape(), data);
    }

    /**
     * Sets rows to a value.
     *
     * @param t the activation
     * @param value one row's values
     * @param rows the positions
     * @return the edited copy
     */
    public static RefTensor setRows(RefTensor t, double[] value, int... rows) {
        double[] data = t.data();
        int w = width(t);
        for (int row : rows) {
            System.arraycopy(value, 0, data, row * w, w);
        }
        return new RefTensor(t.shape(), data);
    }

    /**
     * Adds {@code s × v} to rows.
     *
     * @param t the activation
     * @param s the scale
     * @param v one row's values
     * @param rows the positions
     * @return the edited copy
     */
    public static RefTensor addRows(RefTensor t, double s, float[] v, int... rows) {
        double[] data = t.data();
        int w = width(t);
        for (int row : rows) {
            for (int i = 0; i < w; i++) {
                data[row * w + i] += s * v[i];
            }
        }
        return new RefTensor(t.shape(), data);
    }

    /**
     * Returns one row.
     *
     * @param t the activation
     * @param row the position
     * @return its values
     */
    public static double[] row(RefTensor t, int row) {
        int w = width(t);
        return Arrays.copyOfRange(t.data(), row * w, (row + 1) * w);
    }

    /**
     * Edits one head's slice {@code [d_head]} of rows of {@code [1, pos, heads, d_head]}.
     *
     * @param t the activation
     * @param head the head
     * @param slice the new values of the slice, given the row and the old values
     * @param rows the positions
     * @return the edited copy
     */
    public static RefTensor editHead(RefTensor t, int head, SliceEdit slice, int... rows) {
        double[] data = t.data();
        int dh = (int) t.shape()[3];
        int heads = (int) t.shape()[2];
        for (int row : rows) {
            int at = (row * heads + head) * dh;
            double[] updated = slice.apply(row, Arrays.copyOfRange(data, at, at + dh));
            System.arraycopy(updated, 0, data, at, dh);
        }
        return new RefTensor(t.shape(), data);
    }

    /** A new head slice from the row and the old slice. */
    @FunctionalInterface
    public interface SliceEdit {
        /**
         * Computes the new slice.
         *
         * @param row the position
         * @param old the old values
         * @return the new values
         */
        double[] apply(int row, double[] old);
    }

    /**
     * Returns the mean over every position of several activations, in double precision.
     *
     * @param activations activations {@code [1, pos, ...]}
     * @return one row's mean
     */
    public static double[] meanRow(List<RefTensor> activations) {
        double[] sum = null;
        int count = 0;
        for (RefTensor t : activations) {
            int w = width(t);
            double[] data = t.data();
            if (sum == null) {
                sum = new double[w];
            }
            for (int i = 0; i < data.length; i++) {
                sum[i % w] += data[i];
            }
            count += (int) t.shape()[1];
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= count;
        }
        return sum;
    }

    /**
     * Returns {@code a − b}.
     *
     * @param a a tensor
     * @param b a tensor of the same shape
     * @return the difference
     */
    public static RefTensor minus(RefTensor a, RefTensor b) {
        double[] x = a.data();
        double[] y = b.data();
        for (int i = 0; i < x.length; i++) {
            x[i] -= y[i];
        }
        return new RefTensor(a.shape(), x);
    }

    /**
     * Returns the last position's index of a prompt.
     *
     * @param tokens the prompt
     * @return {@code length − 1}
     */
    public static int last(int[] tokens) {
        return tokens.length - 1;
    }

    /**
     * Returns every position of a prompt.
     *
     * @param tokens the prompt
     * @return {@code 0 .. length − 1}
     */
    public static int[] all(int[] tokens) {
        return IntStream.range(0, tokens.length).toArray();
    }
}
