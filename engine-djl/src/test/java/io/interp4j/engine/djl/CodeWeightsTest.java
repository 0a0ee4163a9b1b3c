package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Weights held as codes dequantise to exactly {@link QuantizedWeight#dequantize()}'s values. */
class CodeWeightsTest {
    /** Shapes with a partial last block per row (200 = 3·64 + 8) and, for NF4, along the flat weight (63, odd). */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4"})
    void dequantisedValuesAreTheDefinitionsBitForBit(Quantization scheme) {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch"); CodeWeights codes = new CodeWeights(manager)) {
            for (int[] shape : new int[][] {{70, 200}, {7, 9}, {3, 128}}) {
                QuantizedWeight w = QuantizedWeight.quantize(scheme, weight(shape[0] * shape[1], shape[0]), shape[0], shape[1]);
                NDArray held = codes.put(w);
                assertThat(held.getDataType()).isEqualTo(scheme == Quantization.INT8 ? DataType.INT8 : DataType.UINT8);
                NDArray values = codes.dequantise(held, manager);
                assertThat(values.getShape().getShape()).containsExactly(shape[0], shape[1]);
                assertThat(values.toFloatArray()).as("%s %dx%d", scheme, shape[0], shape[1]).containsExactly(w.dequantize());
            }
        }
    }

    /** Stacked codes (as {@link LayerWeights#fused} stacks them) dequantise to the parts' values, one after the other. */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4"})
    void stackedCodesDequantiseToThePartsInTurn(Quantization scheme) {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch"); CodeWeights codes = new CodeWeights(manager)) {
            QuantizedWeight a = QuantizedWeight.quantize(scheme, weight(5 * 192, 1), 5, 192);
            QuantizedWeight b = QuantizedWeight.quantize(scheme, weight(3 * 192, 2), 3, 192);
            List<NDArray> parts = List.of(codes.put(a), codes.put(b));
            assertThat(codes.stackable(parts)).isTrue();
            NDArray stacked = NDArrays.concat(new NDList(parts), 0);
            codes.stacked(stacked, parts);
            float[] expected = new float[8 * 192];
            System.arraycopy(a.dequantize(), 0, expected, 0, 5 * 192);
            System.arraycopy(b.dequantize(), 0, expected, 5 * 192, 3 * 192);
            assertThat(codes.dequantise(stacked, manager).toFloatArray()).containsExactly(expected);
        }
    }

    /** NF4's blocks run along the flat weight: a part that ends inside a block cannot be stacked. */
    @Test
    void nf4PartsEndingInsideABlockAreNotStackable() {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch"); CodeWeights codes = new CodeWeights(manager)) {
            NDArray aligned = codes.put(QuantizedWeight.quantize(Quantization.NF4, weight(4 * 48, 3), 4, 48));
            NDArray unaligned = codes.put(QuantizedWeight.quantize(Quantization.NF4, weight(5 * 48, 4), 5, 48));
            assertThat(codes.stackable(List.of(aligned, aligned))).isTrue();
            assertThat(codes.stackable(List.of(aligned, unaligned))).isFalse();
        }
    }

    /**
     * A model loaded with a faithful scheme holds its projections as codes only (no float32 copy), and
     * one with a fast scheme keeps their float32 values for PyTorch's products of many rows.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4", "Q8", "Q4"})
    void faithfulModesHoldTheirProjectionsAsCodes(Quantization scheme, @TempDir Path dir) throws Exception {
        // projections over several blocks (inputs 128 and 256), an untied unembedding
        ModelConfig config = ModelConfig.of(300, 128, 256, 2, 4, 2, false);
        RandomCheckpoint.write(dir, config, DType.F32, 3);
        boolean codes = scheme == Quantization.INT8 || scheme == Quantization.NF4;
        try (DjlModel model = (DjlModel) new DjlEngineProvider().load(Checkpoint.open(dir), LoadOptions.defaults().withQuantization(scheme))) {
            for (LayerWeights layer : model.weights().layers()) {
                assertThat(layer.isFused()).isTrue();
                for (NDArray w : List.of(layer.qkvWeight(), layer.oWeight(), layer.gateUpWeight(), layer.downWeight())) {
                    assertThat(w.getDataType()).isEqualTo(codes ? (scheme == Quantization.INT8 ? DataType.INT8 : DataType.UINT8) : DataType.FLOAT32);
                    assertThat(model.weights().codes() != null && model.weights().codes().holds(w)).isEqualTo(codes);
                }
            }
            assertThat(model.weights().unembed().getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    private static float[] weight(int n, long seed) {
        Random random = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) random.nextGaussian() * 0.05f;
        }
        return w;
    }
}
