package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.model.PastKeyValues;

/**
 * Rotated keys and values of every layer for the positions processed so far, each {@code [batch,
 * kv_head, pos, d_head]}, owned by one manager that lives as long as the generation; a preloaded
 * left-padded past keeps its rows' leading pad counts.
 */
final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;
    private int[] pads = new int[0];

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Starts the cache from earlier positions' keys and values (hook layout {@code [1 or batch, pos,
     * kv_head, d_head]}), broadcast to the batch, for the layers from {@code startLayer} on.
     */
    void preload(PastKeyValues past, int startLayer, int batch) {
        for (int layer = startLayer; layer < keys.length; layer++) {
            keys[layer] = asCached(past.key(layer), batch);
            values[layer] = asCached(past.value(layer), batch);
        }
        length = past.length();
        pads = past.pads();
    }

    private NDArray asCached(NDArray hookLayout, int batch) {
        NDArray heads = hookLayout.transpose(0, 2, 1, 3);
        if (heads.getShape().get(0) != batch) {
            Shape shape = heads.getShape();
            heads = heads.broadcast(new Shape(batch, shape.get(1), shape.get(2), shape.get(3)));
        }
        NDArray copy = heads.duplicate();
        copy.attach(manager);
        return copy;
    }

    int length() {
        return length;
    }

    /** Per row, how many leading cached positions are padding; empty when none. */
    int[] pads() {
        return pads;
    }

    /** Appends new keys and values of one layer and returns all of them. */
    NDList append(int layer, NDArray newKeys, NDArray newValues) {
        NDArray k = keys[layer] == null ? newKeys : NDArrays.concat(new NDList(keys[layer], newKeys), 2);
        NDArray v = values[layer] == null ? newValues : NDArrays.concat(new NDList(values[layer], newValues), 2);
        k.attach(manager);
        v.attach(manager);
        if (keys[layer] != null && keys[layer] != k) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = k;
        values[layer] = v;
        return new NDList(k, v);
    }

    void advance(int positions) {
        length += positions;
    }

    @Override
    public void close() {
        manager.close();
    }
}
