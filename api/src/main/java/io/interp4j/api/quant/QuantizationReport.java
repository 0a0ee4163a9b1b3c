package io.interp4j.api.quant;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import java.nio.FloatBuffer;
import java.util.Locale;

/**
 * How far a quantised model's weights are from the originals, over every quantised weight (under the
 * fast modes the unembedding too, at its own scheme: {@link Quantization#unembeddingScheme()}).
 *
 * @param scheme the scheme
 * @param weights how many weight matrices were quantised
 * @param values how many values
 * @param maxAbsError the largest |dequantised − original|
 * @param rmsError the root mean square error
 * @param rmsWeight the root mean square of the original values, for scale
 * @since 0.1
 */
@Stable
public record QuantizationReport(Quantization scheme, int weights, long values, double maxAbsError, double rmsError, double rmsWeight) {
    /** Checks the fields. */
    public QuantizationReport {
        requireNonNull(scheme, "scheme is null");
    }

    /** Accumulates the errors of quantised weights. */
    public static final class Builder {
        private final Quantization scheme;
        private int weights;
        private long values;
        private double max;
        private double sumSquares;
        private double weightSquares;

        /**
         * Starts a report.
         *
         * @param scheme the scheme
         */
        public Builder(Quantization scheme) {
            this.scheme = scheme;
        }

        /**
         * Adds one weight.
         *
         * @param quantized the quantised weight
         * @param original the original values
         * @return this builder
         */
        public Builder add(QuantizedWeight quantized, float[] original) {
            return add(quantized, FloatBuffer.wrap(original));
        }

        /**
         * Adds one weight read from a buffer, element {@code i} at index {@code i}.
         *
         * @param quantized the quantised weight
         * @param original the original values
         * @return this builder
         * @since 0.2
         */
        public synchronized Builder add(QuantizedWeight quantized, FloatBuffer original) {
            double[] e = quantized.error(original);
            weights++;
            long n = original.limit();
            values += n;
            max = Math.max(max, e[0]);
            sumSquares += e[1] * e[1] * n;
            weightSquares += e[2] * e[2] * n;
            return this;
        }

        /**
         * Builds the report.
         *
         * @return the report
         */
        public synchronized QuantizationReport build() {
            return new QuantizationReport(scheme, weights, values, max, values == 0 ? 0 : Math.sqrt(sumSquares / values),
                    values == 0 ? 0 : Math.sqrt(weightSquares / values));
        }
    }

    /**
     * Describes the report in one line.
     *
     * @return e.g. {@code nf4 on 168 weights (358,612,992 values): max |error| 0.0213, RMS error 0.00197 (8.1% of the weights' RMS)}
     */
    public String describe() {
        Quantization unembedding = scheme.unembeddingScheme();
        String with = unembedding == Quantization.NONE ? "" : ", the unembedding among them at " + unembedding.configName();
        return String.format(Locale.ROOT, "%s on %d weights%s (%,d values): max |error| %.4g, RMS error %.4g (%.2f%% of the weights' RMS %.4g)",
                scheme.configName(), weights, with, values, maxAbsError, rmsError, rmsWeight == 0 ? 0 : 100 * rmsError / rmsWeight, rmsWeight);
    }
}
