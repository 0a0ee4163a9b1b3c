package io.interp4j.metrics.target;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.metrics.logits.LogSoftmax;
import io.interp4j.metrics.logits.PositionSelection;
import java.util.OptionalInt;

/** The position and token ids a target metric reads, checked against the logits' shape. */
record TargetRead(int position, int target, int wrongTarget) {
    /**
     * Checks an input.
     *
     * @param metricId the metric, for messages
     * @param input the logits and targets
     * @param position the selected position
     * @param needsWrongTarget whether {@code wrongTarget} is required too
     * @return the resolved position and ids ({@code wrongTarget} −1 when not needed)
     */
    static TargetRead of(String metricId, LogitComparison input, PositionSelection position, boolean needsWrongTarget) {
        int vocab = LogSoftmax.vocab(input.reference());
        int row = position.resolve(LogSoftmax.positions(input.reference()))[0];
        int target = token(metricId, "target", input.target(), vocab);
        int wrong = needsWrongTarget ? token(metricId, "wrongTarget", input.wrongTarget(), vocab) : -1;
        return new TargetRead(row, target, wrong);
    }

    private static int token(String metricId, String field, OptionalInt id, int vocab) {
        if (id.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "metric '" + metricId + "' needs LogitComparison." + field
                    + " (a token id); none was given");
        }
        if (id.getAsInt() < 0 || id.getAsInt() >= vocab) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "metric '" + metricId + "': " + field + " token id "
                    + id.getAsInt() + " is outside the vocabulary 0.." + (vocab - 1));
        }
        return id.getAsInt();
    }
}
