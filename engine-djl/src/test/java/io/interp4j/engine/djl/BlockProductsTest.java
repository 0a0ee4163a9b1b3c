package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two paths of a fast-mode product: PyTorch's (the quantised inputs' values times the dequantised
 * weights, for many rows) against the block kernels' (for one), on the same row.
 */
class BlockProductsTest {
    /** Inputs: 200 (three whole blocks and one of 8); outputs: 70. */
    private static final int COLUMNS = 200;
    private static final int ROWS = 70;

    /** PyTorch's quantisation gives each input exactly the value of the kernel's code times its scale. */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void bothPathsQuantiseEveryInputToTheSameValue(Quantization scheme) {
        DjlRuntime.init();
        float[] x = inputs(3);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float[] torch = BlockProducts.quantise(manager.create(x, new Shape(3, COLUMNS))).toFloatArray();
            for (int r = 0; r < 3; r++) {
                BlockKernel.Input input = BlockKernel.quantise(x, r * COLUMNS, COLUMNS, 4, false);
                for (int c = 0; c < COLUMNS; c++) {
                    assertThat(torch[r * COLUMNS + c]).as("row %d input %d", r, c).isEqualTo(input.codes()[c] * input.scales()[c / 64]);
                }
            }
        }
    }

    /** A row through the kernels (one row) equals the same row through PyTorch (three rows), to float32 sums. */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"Q8", "Q4"})
    void oneRowThroughTheKernelsEqualsItThroughPyTorch(Quantization scheme) {
        DjlRuntime.init();
        Random random = new Random(5);
        float[] weight = new float[ROWS * COLUMNS];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian() * 0.05f;
        }
        float[] bias = new float[ROWS];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) random.nextGaussian() * 0.1f;
        }
        QuantizedWeight quantized = QuantizedWeight.quantize(scheme, weight, ROWS, COLUMNS);
        float[] x = inputs(3);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                BlockProducts products = new BlockProducts(2)) {
            NDArray dequantized = manager.create(quantized.dequantize(), new Shape(ROWS, COLUMNS));
            products.put(dequantized, BlockKernel.Weight.of(quantized));
            NDArray b = manager.create(bias);
            float[] three = products.linear(manager.create(x, new Shape(1, 3, COLUMNS)), dequantized, b).toFloatArray();
            for (int r = 0; r < 3; r++) {
                float[] row = java.util.Arrays.copyOfRange(x, r * COLUMNS, (r + 1) * COLUMNS);
                float[] one = products.linear(manager.create(row, new Shape(1, 1, COLUMNS)), dequantized, b).toFloatArray();
                for (int n = 0; n < ROWS; n++) {
                    assertThat(one[n]).as("row %d output %d", r, n).isCloseTo(three[r * ROWS + n], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    /** Three rows of inputs, the second with a block of zeros. */
    private static float[] inputs(int rows) {
        Random random = new Random(3);
        float[] x = new float[rows * COLUMNS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int c = 64; c < 128; c++) {
            x[COLUMNS + c] = 0;
        }
        return x;
    }
}
