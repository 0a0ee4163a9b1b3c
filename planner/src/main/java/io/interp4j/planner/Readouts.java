package io.interp4j.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.model.BatchLayout;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies one row's readout out of a batched forward's result, as plain Java data. */
final class Readouts {
    private Readouts() {}

    /**
     * Reads one row.
     *
     * @param result the batched forward
     * @param row the batch row
     * @param readout what the row's request reads
     * @param firstPosition the sequence index of the forward's first position (past length)
     * @param logitPositions the positions the forward computed logits at ({@link Positions#ALL}: every one)
     * @param from activations read elsewhere (the clean run, for points before the start layer), or empty
     * @return the readout
     */
    static ForwardReadout read(ForwardResult result, int row, Readout readout, int firstPosition, Positions logitPositions,
            Map<HookPoint, TensorData> from) {
        BatchLayout layout = result.layout();
        TensorData logits = null;
        if (readout.logits() != null) {
            if (logitPositions.all()) {
                logits = gather(result.logits(), row, 1, layout.indices(row, readout.logits(), firstPosition), null, false);
            } else if (logitPositions.equals(readout.logits())) {
                try (NDArray own = result.logits().get(new NDIndex("{}", row))) {
                    logits = TensorData.of(own);
                }
            } else {
                throw new IllegalStateException("logits computed at " + logitPositions + " cannot serve a readout at " + readout.logits());
            }
        }
        Map<HookPoint, TensorData> activations = new LinkedHashMap<>();
        for (Map.Entry<HookPoint, Positions> entry : readout.activations().entrySet()) {
            HookPoint point = entry.getKey();
            TensorData elsewhere = from.get(point);
            if (elsewhere != null) {
                activations.put(point, elsewhere);
                continue;
            }
            NDArray array = result.cache().get(point);
            if (array == null) {
                throw new Interp4jException(ErrorCode.HOOK_ERROR, "hook point '" + point + "' was not cached by the forward that serves this readout");
            }
            activations.put(point, activation(array, point, layout, row, entry.getValue(), firstPosition));
        }
        return new ForwardReadout(logits, activations);
    }

    /**
     * Returns one row's activation at some positions as {@code [1, positions, ...]} (for attention
     * scores and patterns {@code [1, heads, positions, keys]}, the keys cut to the row's real ones).
     */
    static TensorData activation(NDArray array, HookPoint point, BatchLayout layout, int row, Positions positions, int firstPosition) {
        int[] indices = layout.indices(row, positions, firstPosition);
        if (indices.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "readout at '" + point + "': positions " + positions
                    + " select nothing in a prompt of " + layout.length(row) + " positions");
        }
        if (point.site() == HookSite.ATTN_SCORES || point.site() == HookSite.ATTN_PATTERN) {
            int offset = layout.offset(row);
            String keys = offset == 0 ? "0:" + (firstPosition + layout.length(row)) : offset + ":" + (offset + layout.length(row));
            return gather(array, row, 2, indices, keys, true);
        }
        return gather(array, row, 1, indices, null, true);
    }

    /**
     * Gathers indices along an axis of one batch row into Java data, with a leading axis of 1 when
     * asked; the arrays made on the way are freed at once (they belong to the forward's run, which may
     * serve many more readouts).
     */
    private static TensorData gather(NDArray array, int row, int axis, int[] indices, String keys, boolean leadingOne) {
        NDList parts = new NDList();
        NDArray joined = null;
        try {
            for (int index : indices) {
                String where = axis == 1 ? row + ", " + index + ":" + (index + 1) : row + ", :, " + index + ":" + (index + 1);
                if (keys != null) {
                    where += ", " + keys;
                }
                parts.add(array.get(new NDIndex(where)));
            }
            joined = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis - 1);
            long[] shape = joined.getShape().getShape();
            if (leadingOne) {
                long[] withOne = new long[shape.length + 1];
                withOne[0] = 1;
                System.arraycopy(shape, 0, withOne, 1, shape.length);
                shape = withOne;
            }
            return new TensorData(shape, joined.toFloatArray());
        } finally {
            parts.close();
            if (joined != null) {
                joined.close();
            }
        }
    }
}
