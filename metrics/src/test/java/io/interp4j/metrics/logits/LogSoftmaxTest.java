package io.interp4j.metrics.logits;

import static io.interp4j.metrics.Logits.of;
import static io.interp4j.metrics.Logits.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.plugin.TensorData;
import org.junit.jupiter.api.Test;

class LogSoftmaxTest {
    @Test
    void knownDistribution() {
        // logits [0, ln2, ln3] → p = [1/6, 1/3, 1/2] → log p = [−1.791759, −1.098612, −0.693147]
        TensorData logits = rows(of(0, (float) Math.log(2), (float) Math.log(3)));
        assertThat(LogSoftmax.row(logits, 0)).containsExactly(new double[] {-Math.log(6), -Math.log(3), -Math.log(2)}, within(1e-7));
        assertThat(LogSoftmax.at(logits, 0, 2)).isEqualTo(LogSoftmax.row(logits, 0)[2]);
    }

    @Test
    void largeLogitsDoNotOverflow() {
        // shifted by the maximum: [1000, 1000] is still ½, ½
        assertThat(LogSoftmax.row(rows(of(1000, 1000)), 0)).containsExactly(new double[] {-Math.log(2), -Math.log(2)}, within(1e-12));
    }

    @Test
    void minusInfinityIsZeroProbabilityAndNonDistributionsAreNaN() {
        assertThat(LogSoftmax.row(rows(of(0, Float.NEGATIVE_INFINITY)), 0)).containsExactly(0.0, Double.NEGATIVE_INFINITY);
        assertThat(LogSoftmax.row(rows(of(0, Float.POSITIVE_INFINITY)), 0)).containsOnly(Double.NaN);
        assertThat(LogSoftmax.row(rows(of(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)), 0)).containsOnly(Double.NaN);
        assertThat(LogSoftmax.at(rows(of(0, Float.NaN)), 0, 0)).isNaN();
    }
}
