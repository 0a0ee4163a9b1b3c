package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * One decoder block's weights, as float32 arrays that must never be modified in place. A loaded
 * model also holds q|k|v and gate|up fused along the output axis ({@link #fused}), so a block runs one
 * matrix product for each group; the pre-trainer, whose parameters are the separate arrays, does not.
 */
record LayerWeights(
        NDArray inputNorm,
        NDArray qWeight,
        NDArray qBias,
        NDArray kWeight,
        NDArray kBias,
        NDArray vWeight,
        NDArray vBias,
        NDArray oWeight,
        NDArray postNorm,
        NDArray gateWeight,
        NDArray upWeight,
        NDArray downWeight,
        NDArray qkvWeight,
        NDArray qkvBias,
        NDArray gateUpWeight) {

    LayerWeights(NDArray inputNorm, NDArray qWeight, NDArray qBias, NDArray kWeight, NDArray kBias, NDArray vWeight, NDArray vBias,
            NDArray oWeight, NDArray postNorm, NDArray gateWeight, NDArray upWeight, NDArray downWeight) {
        this(inputNorm, qWeight, qBias, kWeight, kBias, vWeight, vBias, oWeight, postNorm, gateWeight, upWeight, downWeight, null, null,
                null);
    }

    /** Whether q|k|v and gate|up are fused. */
    boolean isFused() {
        return qkvWeight != null;
    }

    /**
     * The same block with {@code [q; k; v]} (weights and biases) and {@code [gate; up]} stacked along
     * the output axis. The separate arrays become row ranges (views) of the stacked ones and the
     * originals are closed, so the block holds each weight once.
     */
    LayerWeights fused() {
        // weights held as codes may have another first axis than their biases (NF4's flat codes)
        long q = qWeight.getShape().get(0);
        long kv = kWeight.getShape().get(0);
        long qB = qBias.getShape().get(0);
        long kvB = kBias.getShape().get(0);
        long mlp = gateWeight.getShape().get(0);
        NDArray qkv = stack(qWeight, kWeight, vWeight);
        NDArray qkvB = stack(qBias, kBias, vBias);
        NDArray gateUp = stack(gateWeight, upWeight);
        return new LayerWeights(inputNorm, rows(qkv, 0, q), rows(qkvB, 0, qB), rows(qkv, q, q + kv), rows(qkvB, qB, qB + kvB),
                rows(qkv, q + kv, q + 2 * kv), rows(qkvB, qB + kvB, qB + 2 * kvB), oWeight, postNorm, rows(gateUp, 0, mlp), rows(gateUp, mlp, 2 * mlp),
                downWeight, qkv, qkvB, gateUp);
    }

    /** The parts concatenated along the first axis; the parts are closed. */
    static NDArray stack(NDArray... parts) {
        NDArray stacked = NDArrays.concat(new NDList(parts), 0);
        for (NDArray part : parts) {
            part.close();
        }
        return stacked;
    }

    private static NDArray rows(NDArray matrix, long from, long to) {
        return matrix.get(new NDIndex("{}:{}", from, to));
    }
}
