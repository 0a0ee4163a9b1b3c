package io.interp4j.api.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QuantizedWeightTest {
    @Test
    void nf4PacksTheFirstValueInTheHighNibbleAndUsesTheNearestLevel() {
        // one row of 4; absmax 2: scaled values 1, -1, 0, 0.25 -> levels 15, 0, 7 and 10 (0.2461 is nearest to 0.25)
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.NF4, new float[] {2f, -2f, 0f, 0.5f}, 1, 4);
        assertThat(q.scales()).containsExactly(2f);
        assertThat(q.codes()).containsExactly((byte) 0xF0, (byte) 0x7A);
        float[] restored = q.dequantize();
        assertThat(restored[0]).isEqualTo(2f);
        assertThat(restored[1]).isEqualTo(-2f);
        assertThat(restored[2]).isEqualTo(0f);
        assertThat(restored[3]).isEqualTo(0.24611230194568634f * 2f);
    }

    @Test
    void nf4BlocksAreSixtyFourValuesOfTheRowMajorWeight() {
        float[] w = new float[2 * 64];
        w[0] = 4f;
        w[64] = -8f;
        w[65] = 8f;
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.NF4, w, 2, 64);
        assertThat(q.scales()).containsExactly(4f, 8f);
        assertThat(q.codes()).hasSize(64);
        float[] restored = q.dequantize();
        assertThat(restored[0]).isEqualTo(4f);
        assertThat(restored[1]).isEqualTo(0f);
        assertThat(restored[64]).isEqualTo(-8f);
        assertThat(restored[65]).isEqualTo(8f);
    }

    @Test
    void int8IsSymmetricAbsmaxPerBlockWithZeroPoint128() {
        // scale = 127 / 127 = 1; -63.4 rounds to -63 -> code 65; padding up to the 64-wide block is code 128
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.INT8, new float[] {127f, -63.4f, 0f, 1.2f}, 1, 4);
        assertThat(q.scales()).containsExactly(1f);
        assertThat(q.codes()).hasSize(64);
        assertThat(q.codes()[0] & 0xFF).isEqualTo(255);
        assertThat(q.codes()[1] & 0xFF).isEqualTo(65);
        assertThat(q.codes()[2] & 0xFF).isEqualTo(128);
        assertThat(q.codes()[3] & 0xFF).isEqualTo(129);
        assertThat(q.codes()[63] & 0xFF).isEqualTo(128);
        assertThat(q.dequantize()).containsExactly(127f, -63f, 0f, 1f);
        assertThat(Arrays.copyOf(q.signedCodes(), 4)).containsExactly(127, -63, 0, 1);
        double[] error = q.error(new float[] {127f, -63.4f, 0f, 1.2f});
        assertThat(error[0]).isCloseTo(0.4, within(1e-5));
        // RMS error sqrt((0.16 + 0.04) / 4)
        assertThat(error[1]).isCloseTo(Math.sqrt(0.2 / 4), within(1e-5));
    }

    @Test
    void q8HasTheCodesAndScalesOfInt8() {
        float[] w = {127f, -63.4f, 0f, 1.2f, 5f, -2f, 0.25f, 9f};
        QuantizedWeight int8 = QuantizedWeight.quantize(Quantization.INT8, w, 2, 4);
        QuantizedWeight q8 = QuantizedWeight.quantize(Quantization.Q8, w, 2, 4);
        assertThat(q8.scheme()).isEqualTo(Quantization.Q8);
        assertThat(q8.codes()).isEqualTo(int8.codes());
        assertThat(q8.scales()).isEqualTo(int8.scales());
        assertThat(q8.zeroPoints()).isEmpty();
        assertThat(q8.dequantize()).isEqualTo(int8.dequantize());
    }

    @Test
    void q4IsUniformWithAZeroPointAndPacksTheFirstValueInTheLowNibble() {
        // range widened to hold 0: [-0.5, 1.5]; scale 2/15; zero point round(0.5 / (2/15)) = round(3.75) = 4
        // codes: 1.5 -> 11.25 -> 11 + 4 = 15; -0.5 -> -3.75 -> -4 + 4 = 0; 0 -> 4; 0.3 -> 2.25 -> 2 + 4 = 6
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.Q4, new float[] {1.5f, -0.5f, 0f, 0.3f}, 1, 4);
        float scale = 2f / 15f;
        assertThat(q.scales()).containsExactly(scale);
        assertThat(q.zeroPoints()).containsExactly((byte) 0x04);
        assertThat(q.codes()).hasSize(32);
        assertThat(q.codes()[0]).isEqualTo((byte) 0x0F);
        assertThat(q.codes()[1]).isEqualTo((byte) 0x64);
        // padding up to the 64-wide block holds the zero point, the code for 0
        assertThat(q.codes()[31]).isEqualTo((byte) 0x44);
        assertThat(q.dequantize()).containsExactly(11 * scale, -4 * scale, 0f, 2 * scale);
    }

    @Test
    void q4ZeroPointsArePackedTwoBlocksPerByteLowNibbleFirst() {
        float[] w = new float[128];
        w[0] = 15f; // block 0: [0, 15], scale 1, zero point 0
        w[64] = -15f; // block 1: [-15, 0], scale 1, zero point 15
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.Q4, w, 1, 128);
        assertThat(q.blocksPerRow()).isEqualTo(2);
        assertThat(q.scales()).containsExactly(1f, 1f);
        assertThat(q.zeroPoints()).containsExactly((byte) 0xF0);
        assertThat(q.codes()[0]).isEqualTo((byte) 0x0F);
        assertThat(q.codes()[32]).isEqualTo((byte) 0xF0);
        float[] restored = q.dequantize();
        assertThat(restored[0]).isEqualTo(15f);
        assertThat(restored[1]).isEqualTo(0f);
        assertThat(restored[64]).isEqualTo(-15f);
        assertThat(restored[65]).isEqualTo(0f);
    }

    @Test
    void llmInt8IsOneAbsmaxPerRowWithSignedCodesRoundedHalfToEven() {
        // row 0: absmax 2, factor 63.5: 2 -> 127, -1 -> -63.5 -> -64 (half to even), 0.5 -> 31.75 -> 32, 0.0
        // row 1: absmax 0.3, factor 423.33: 0.3 -> 127, -0.1 -> -42.33 -> -42, 0.2 -> 84.67 -> 85, 0 -> 0
        // row 2: all zeros: absmax 0, codes 0
        float[] w = {2f, -1f, 0.5f, 0f, 0.3f, -0.1f, 0.2f, 0f, 0f, 0f, 0f, 0f};
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.LLM_INT8, w, 3, 4);
        assertThat(q.scales()).containsExactly(2f, 0.3f, 0f);
        assertThat(q.zeroPoints()).isEmpty();
        assertThat(q.codes()).containsExactly(127, -64, 32, 0, 127, -42, 85, 0, 0, 0, 0, 0);
        float[] restored = q.dequantize();
        assertThat(restored[0]).isCloseTo(2f, within(1e-6f));
        assertThat(restored[1]).isCloseTo(-64 * 2f / 127, within(1e-6f));
        assertThat(restored[6]).isCloseTo(85 * 0.3f / 127, within(1e-6f));
        assertThat(restored[8]).isZero();
    }

    @Test
    void llmInt8HasItsOwnConfigNameAndUnknownNamesListTheAllowedOnes() {
        assertThat(Quantization.LLM_INT8.configName()).isEqualTo("llm-int8");
        assertThat(Quantization.parse("llm-int8", "here")).isEqualTo(Quantization.LLM_INT8);
        assertThat(Quantization.parse("int8", "here")).isEqualTo(Quantization.INT8);
        assertThat(Quantization.LLM_INT8.quantizes("model.layers.0.mlp.up_proj.weight")).isTrue();
        assertThat(Quantization.LLM_INT8.quantizesActivations()).isFalse();
        for (String bad : new String[] {"llm_int8", "LLM-INT8", "int4"}) {
            assertThatThrownBy(() -> Quantization.parse(bad, "study.models.main.quantization"))
                    .hasMessageContaining("study.models.main.quantization")
                    .hasMessageContaining("unknown quantization '" + bad + "'; allowed: none, int8, nf4, q8, q4, llm-int8");
        }
    }

    @Test
    void onlyQ8AndQ4MayQuantiseActivations() {
        assertThat(Quantization.Q8.quantizesActivations()).isTrue();
        assertThat(Quantization.Q4.quantizesActivations()).isTrue();
        assertThat(Quantization.INT8.quantizesActivations()).isFalse();
        assertThat(Quantization.NF4.quantizesActivations()).isFalse();
        assertThat(Quantization.NONE.quantizesActivations()).isFalse();
        assertThat(Quantization.parse("q4", "here")).isEqualTo(Quantization.Q4);
        assertThat(Quantization.parse("q8", "here")).isEqualTo(Quantization.Q8);
    }

    @Test
    void onlyTheBlocksProjectionsAreQuantised() {
        assertThat(Quantization.NF4.quantizes("model.layers.3.mlp.down_proj.weight")).isTrue();
        assertThat(Quantization.NF4.quantizes("model.layers.3.self_attn.q_proj.bias")).isFalse();
        assertThat(Quantization.NF4.quantizes("model.embed_tokens.weight")).isFalse();
        assertThat(Quantization.NF4.quantizes("lm_head.weight")).isFalse();
        assertThat(Quantization.NONE.quantizes("model.layers.3.mlp.down_proj.weight")).isFalse();
    }

    /**
     * A weight of many rows, quantised and dequantised over its rows in parallel, holds for every row
     * exactly what that row quantised alone (one row: nothing to split) holds.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4", "Q8", "Q4", "LLM_INT8"})
    void manyRowsQuantiseAsEachRowAlone(Quantization scheme) {
        int rows = 1031;
        int columns = 192;
        Random random = new Random(17);
        float[] w = new float[rows * columns];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        QuantizedWeight whole = QuantizedWeight.quantize(scheme, w, rows, columns);
        float[] restored = whole.dequantize();
        int codeBytes = whole.codes().length / rows;
        int scales = whole.scales().length / rows;
        int zeroPoints = whole.zeroPoints().length / rows;
        for (int r = 0; r < rows; r++) {
            float[] row = Arrays.copyOfRange(w, r * columns, (r + 1) * columns);
            QuantizedWeight alone = QuantizedWeight.quantize(scheme, row, 1, columns);
            assertThat(Arrays.copyOfRange(whole.codes(), r * codeBytes, (r + 1) * codeBytes)).as("%s row %d codes", scheme, r)
                    .containsExactly(alone.codes());
            assertThat(Arrays.copyOfRange(whole.scales(), r * scales, (r + 1) * scales)).as("%s row %d scales", scheme, r)
                    .containsExactly(alone.scales());
            assertThat(Arrays.copyOfRange(whole.zeroPoints(), r * zeroPoints, (r + 1) * zeroPoints)).as("%s row %d zero points", scheme, r)
                    .containsExactly(alone.zeroPoints());
            assertThat(Arrays.copyOfRange(restored, r * columns, (r + 1) * columns)).as("%s row %d values", scheme, r)
                    .containsExactly(alone.dequantize());
        }
    }

    /**
     * A weight read from a direct little-endian buffer (what a mapped checkpoint gives) quantises to the
     * codes, scales and zero points of the array holding the same values, and reports the same error.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4", "Q8", "Q4", "LLM_INT8"})
    void aBufferQuantisesAsTheArrayHoldingItsValues(Quantization scheme) {
        int rows = 37;
        int columns = 201;
        float[] w = gaussian(rows * columns, 19);
        ByteBuffer bytes = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(w);
        FloatBuffer buffer = bytes.asFloatBuffer();
        QuantizedWeight fromArray = QuantizedWeight.quantize(scheme, w, rows, columns);
        QuantizedWeight fromBuffer = QuantizedWeight.quantize(scheme, buffer, rows, columns);
        assertThat(fromBuffer.codes()).containsExactly(fromArray.codes());
        assertThat(fromBuffer.scales()).containsExactly(fromArray.scales());
        assertThat(fromBuffer.zeroPoints()).containsExactly(fromArray.zeroPoints());
        assertThat(fromBuffer.error(buffer)).containsExactly(fromArray.error(w));
        assertThatThrownBy(() -> QuantizedWeight.quantize(scheme, buffer, rows, columns + 1)).hasMessageContaining("values, not 37 × 202");
    }

    /**
     * Rows {@code from..to} dequantise to each value's definition, computed here from the codes and
     * scales one value at a time (NF4 ranges starting at odd positions of its flat blocks included), and
     * a range past the rows is refused.
     */
    @ParameterizedTest
    @EnumSource(value = Quantization.class, names = {"INT8", "NF4", "Q8", "Q4", "LLM_INT8"})
    void someRowsDequantiseToEachValuesDefinition(Quantization scheme) {
        int rows = 37;
        int columns = 201;
        QuantizedWeight q = QuantizedWeight.quantize(scheme, gaussian(rows * columns, 23), rows, columns);
        int[][] ranges = {{0, rows}, {5, 6}, {3, 20}, {36, 37}, {7, 7}};
        for (int[] range : ranges) {
            float[] values = q.dequantize(range[0], range[1]);
            assertThat(values).hasSize((range[1] - range[0]) * columns);
            for (int j = 0; j < values.length; j++) {
                int i = range[0] * columns + j;
                assertThat(Float.floatToIntBits(values[j])).as("%s rows %d..%d value %d", scheme, range[0], range[1], i)
                        .isEqualTo(Float.floatToIntBits(definition(q, i / columns, i % columns)));
            }
        }
        assertThat(q.dequantize()).containsExactly(q.dequantize(0, rows));
        assertThatThrownBy(() -> q.dequantize(30, 38)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> q.dequantize(6, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /**
     * The error of a weight larger than the rows it restores at once (2,100 × 1,000: three parts) is the
     * maximum and RMS over every value of the difference from each value's definition.
     */
    @Test
    void theErrorOfALargeWeightCoversEveryValue() {
        int rows = 2100;
        int columns = 1000;
        float[] w = gaussian(rows * columns, 29);
        QuantizedWeight q = QuantizedWeight.quantize(Quantization.Q4, w, rows, columns);
        double max = 0;
        double sumSquares = 0;
        double weightSquares = 0;
        for (int i = 0; i < w.length; i++) {
            double e = (double) definition(q, i / columns, i % columns) - w[i];
            max = Math.max(max, Math.abs(e));
            sumSquares += e * e;
            weightSquares += (double) w[i] * w[i];
        }
        double[] error = q.error(w);
        assertThat(error[0]).isEqualTo(max);
        assertThat(error[1]).isCloseTo(Math.sqrt(sumSquares / w.length), within(1e-12));
        assertThat(error[2]).isCloseTo(Math.sqrt(weightSquares / w.length), within(1e-12));
    }

    /** The float32 value of one weight, from the class documentation's formulas. */
    private static float definition(QuantizedWeight q, int r, int c) {
        int i = r * q.columns() + c;
        switch (q.scheme()) {
            case NF4: {
                int packed = q.codes()[i / 2] & 0xFF;
                return QuantizedWeight.nf4Level(i % 2 == 0 ? packed >> 4 : packed & 0xF) * q.scales()[i / 64];
            }
            case LLM_INT8:
                return q.codes()[i] * (q.scales()[r] * (1f / 127));
            case Q4: {
                int block = r * q.blocksPerRow() + c / 64;
                int index = block * 64 + c % 64;
                int packed = q.codes()[index / 2] & 0xFF;
                int zeroByte = q.zeroPoints()[r * ((q.blocksPerRow() + 1) / 2) + (c / 64) / 2] & 0xFF;
                int zero = (c / 64) % 2 == 0 ? zeroByte & 0xF : zeroByte >> 4;
                return ((index % 2 == 0 ? packed & 0xF : packed >> 4) - zero) * q.scales()[block];
            }
            default: {
                int block = r * q.blocksPerRow() + c / 64;
                return ((q.codes()[block * 64 + c % 64] & 0xFF) - 128) * q.scales()[block];
            }
        }
    }

    private static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) random.nextGaussian();
        }
        return w;
    }
}
