package io.interp4j.api.plugin;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import java.util.Arrays;

/**
 * A float32 tensor held in Java memory: a value that outlives runs and engines (a mean activation, a
 * steering direction, a probe's output) and can be written to a report.
 *
 * @param shape the shape
 * @param data the values, row-major
 * @since 0.1
 */
@Stable
public record TensorData(long[] shape, float[] data) {
    /** Checks that the data fills the shape, and copies both. */
    public TensorData {
        shape = requireNonNull(shape, "shape is null").clone();
        data = requireNonNull(data, "data is null").clone();
        long size = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "negative dimension in shape " + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size != data.length) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "shape " + Arrays.toString(shape) + " needs " + size
                    + " values, found " + data.length);
        }
    }

    /**
     * Creates a vector.
     *
     * @param values the values
     * @return a tensor of shape {@code [values.length]}
     */
    public static TensorData vector(float... values) {
        return new TensorData(new long[] {values.length}, values);
    }

    /**
     * Copies an array out of the engine.
     *
     * @param array the array
     * @return its values
     */
    public static TensorData of(NDArray array) {
        return new TensorData(array.getShape().getShape(), array.toFloatArray());
    }

    /**
     * Creates an engine array in a manager.
     *
     * @param manager the owner
     * @return the array
     */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(data, new Shape(shape));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public float[] data() {
        return data.clone();
    }

    /**
     * Returns the number of values.
     *
     * @return the product of the shape
     */
    public int size() {
        return data.length;
    }

    /**
     * Returns one value without copying.
     *
     * @param index the row-major flat index
     * @return the value
     */
    public float at(int index) {
        return data[index];
    }

    /**
     * Returns the Euclidean norm.
     *
     * @return sqrt of the sum of squares, in double precision
     */
    public double norm() {
        double sum = 0;
        for (float v : data) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
