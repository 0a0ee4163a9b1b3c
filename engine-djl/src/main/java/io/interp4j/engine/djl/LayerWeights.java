package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;

/** One decoder block's weights, as float32 arrays that must never be modified in place. */
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
        NDArray downWeight) {}
