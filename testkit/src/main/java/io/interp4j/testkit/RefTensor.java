package io.interp4j.testkit;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A dense double-precision tensor of the reference forward: a shape and its row-major values. A value
 * type: the arrays are copied in and out, so a tensor never changes once made.
 *
 * @param shape the dimensions
 * @param data the values, row-major, as many as the product of the shape
 */
public record RefTensor(long[] shape, double[] data) {
    /** Validates and copies the arrays. */
    public RefTensor {
        shape = requireNonNull(shape, "shape is null").clone();
        data = requireNonNull(data, "data is null").clone();
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count + " values, found " + data.length);
        }
    }

    /**
     * Returns a tensor of zeros.
     *
     * @param shape the dimensions
     * @return the tensor
     */
    public static RefTensor zeros(long... shape) {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return new RefTensor(shape, new double[Math.toIntExact(count)]);
    }

    /**
     * Returns a tensor holding float values widened to double.
     *
     * @param shape the dimensions
     * @param values the row-major values
     * @return the tensor
     */
    public static RefTensor ofFloats(long[] shape, float[] values) {
        double[] data = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = values[i];
        }
        return new RefTensor(shape, data);
    }

    /**
     * Returns a copy of the shape.
     *
     * @return the dimensions
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns a copy of the values.
     *
     * @return the row-major values
     */
    @Override
    public double[] data() {
        return data.clone();
    }

    /**
     * Returns the number of elements.
     *
     * @return the product of the shape
     */
    public int size() {
        return data.length;
    }

    /**
     * Returns one element.
     *
     * @param index one index per dimension
     * @return the value there
     */
    public double get(long... index) {
        return data[offset(index)];
    }

    /**
     * Returns a tensor of the same shape with a function applied to every element.
     *
     * @param f the function
     * @return the new tensor
     */
    public RefTensor map(DoubleUnaryOperator f) {
        double[] out = new double[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(data[i]);
        }
        return new RefTensor(shape, out);
    }

    /**
     * Returns a tensor of zeros of the same shape.
     *
     * @return the new tensor
     */
    public RefTensor zerosLike() {
        return new RefTensor(shape, new double[data.length]);
    }

    /**
     * Returns the row-major offset of an index.
     *
     * @param index one index per dimension
     * @return the offset into {@link #data()}
     */
    public int offset(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " does not match shape " + Arrays.toString(shape));
        }
        long offset = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is outside shape " + Arrays.toString(shape));
            }
            offset = offset * shape[i] + index[i];
        }
        return (int) offset;
    }

    /**
     * Returns the row-major index of an offset.
     *
     * @param offset an offset into {@link #data()}
     * @return one index per dimension
     */
    public long[] index(int offset) {
        long[] index = new long[shape.length];
        long rest = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            index[i] = rest % shape[i];
            rest /= shape[i];
        }
        return index;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        int shown = Math.min(data.length, 8);
        StringBuilder s = new StringBuilder("RefTensor").append(Arrays.toString(shape)).append(" [");
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(data[i]);
        }
        return s.append(data.length > shown ? ", ...]" : "]").toString();
    }
}
