package io.interp4j.probes.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LoraNormsTest {
    @Test
    void handComputableNorms() {
        float[] a = {1, 0, 0, 2};
        float[] b = {3, 0, 0, 4};
        assertThat(LoraNorms.frobenius(a)).isCloseTo(Math.sqrt(5), within(1e-15));
        assertThat(LoraNorms.frobenius(b)).isCloseTo(5, within(1e-15));
        // B·A = [[3, 0], [0, 8]]
        assertThat(LoraNorms.productFrobenius(a, b, 2)).isCloseTo(Math.sqrt(9 + 64), within(1e-12));
    }

    @Test
    void productNormEqualsTheNormOfTheFormedProduct() {
        Random random = new Random(3);
        for (int[] dims : new int[][] {{1, 7, 5}, {4, 3, 9}, {8, 16, 12}}) {
            int r = dims[0];
            int in = dims[1];
            int out = dims[2];
            float[] a = new float[r * in];
            float[] b = new float[out * r];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            double sum = 0;
            for (int o = 0; o < out; o++) {
                for (int c = 0; c < in; c++) {
                    double v = 0;
                    for (int k = 0; k < r; k++) {
                        v += (double) b[o * r + k] * a[k * in + c];
                    }
                    sum += v * v;
                }
            }
            assertThat(LoraNorms.productFrobenius(a, b, r)).isCloseTo(Math.sqrt(sum), within(1e-9 * Math.sqrt(sum)));
        }
    }

    @Test
    void aZeroBGivesZero() {
        // PEFT initialises B to zero: before training the update B·A is exactly zero
        assertThat(LoraNorms.productFrobenius(new float[] {1, 2, 3, 4, 5, 6}, new float[8], 2)).isZero();
    }
}
