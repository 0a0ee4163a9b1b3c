package org.example.interp4j;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.Distributions;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.plugin.TensorData;
import java.util.Arrays;

/**
 * The metric {@code top-token-drop}: at one position, the probability the reference run gives its
 * own top token minus the probability the intervened run gives that same token (softmax in double
 * precision). 0 when the intervention leaves the top token's probability alone; up to 1.
 */
public final class TopTokenDrop implements MetricFactory {
    @Override
    public String id() {
        return "top-token-drop";
    }

    @Override
    public String description() {
        return "p_ref(top) - p_int(top) for the reference run's top token at one position";
    }

    @Override
    public Metric create(Config settings) {
        return new Drop(settings.getInt("position"));
    }

    /** The metric at one position (negative counts from the end). */
    record Drop(int position) implements Metric {
        @Override
        public Class<? extends MetricInput> inputType() {
            return MetricInput.LogitComparison.class;
        }

        @Override
        public MetricResult compute(MetricInput input) {
            if (!(input instanceof MetricInput.LogitComparison logits)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "top-token-drop reads a LogitComparison, not a "
                        + input.getClass().getSimpleName());
            }
            double[] reference = Distributions.logSoftmax(row(logits.reference()));
            double[] intervened = Distributions.logSoftmax(row(logits.intervened()));
            int top = Distributions.argmax(reference);
            return MetricResult.of(Math.exp(reference[top]) - Math.exp(intervened[top]), "probability");
        }

        private float[] row(TensorData logits) {
            int positions = (int) logits.shape()[0];
            int vocab = (int) logits.shape()[1];
            int index = position < 0 ? positions + position : position;
            if (index < 0 || index >= positions) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "interp4j.metric.top-token-drop.position: found " + position
                        + " for " + positions + " compared positions; allowed: " + -positions + " to " + (positions - 1));
            }
            return Arrays.copyOfRange(logits.data(), index * vocab, (index + 1) * vocab);
        }

        @Override
        public String describe() {
            return "top-token-drop at position " + position;
        }
    }
}
