package io.interp4j.api.checkpoint;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Internal;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor entry of a safetensors header.
 *
 * @param file the file holding the tensor
 * @param name the tensor name
 * @param dtype the storage type
 * @param shape the shape (empty for a scalar)
 * @param begin the first byte, relative to the start of the data section
 * @param end one past the last byte, relative to the start of the data section
 * @since 0.1
 */
@Internal
public record TensorInfo(Path file, String name, DType dtype, long[] shape, long begin, long end) {
    /** Validates and copies the shape. */
    public TensorInfo {
        requireNonNull(file, "file is null");
        requireNonNull(name, "name is null");
        requireNonNull(dtype, "dtype is null");
        shape = requireNonNull(shape, "shape is null").clone();
    }

    /**
     * Returns a copy of the shape.
     *
     * @return the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the number of elements.
     *
     * @return the product of the shape
     */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Returns the number of data bytes.
     *
     * @return {@code end - begin}
     */
    public long byteCount() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && file.equals(t.file)
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && begin == t.begin
                && end == t.end;
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file.getFileName();
    }
}
