package io.interp4j.app.cli;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.Hook;
import java.util.Locale;

/**
 * Finds NaN and ±Infinity in logits, so that a forward producing them says so instead of handing on
 * numbers that look like results (a greedy step over NaN logits picks token 0).
 */
public final class NonFinite {
    private NonFinite() {}

    /**
     * Counts the non-finite values.
     *
     * @param values the values
     * @return how many are NaN or infinite
     */
    public static long count(float[] values) {
        long n = 0;
        for (float v : values) {
            if (!Float.isFinite(v)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Describes the non-finite values of row-major {@code [positions, vocab]} logits.
     *
     * @param logits the logits
     * @param vocab the row width
     * @param firstPosition the position of the first row
     * @return e.g. {@code 300 of 900 logits are not finite (first: NaN at position 0, token 0)}, or
     *     null when every value is finite
     */
    public static String describe(float[] logits, int vocab, int firstPosition) {
        long bad = count(logits);
        if (bad == 0) {
            return null;
        }
        int first = 0;
        while (Float.isFinite(logits[first])) {
            first++;
        }
        return String.format(Locale.ROOT, "%d of %d logits are not finite (first: %s at position %d, token %d)", bad, logits.length,
                logits[first], firstPosition + first / vocab, first % vocab);
    }

    /**
     * A hook for {@code hook_logits} that stops generation at the first step whose logits are not
     * finite.
     *
     * @return the hook (returns the logits unchanged)
     */
    public static Hook stopOnNonFiniteLogits() {
        return (logits, context) -> {
            long[] shape = logits.getShape().getShape();
            String found = describe(logits.toFloatArray(), (int) shape[shape.length - 1], context.firstPosition());
            if (found != null) {
                throw new Interp4jException(ErrorCode.INVALID_CHECKPOINT, "generation step " + context.step() + ": " + found
                        + "; greedy decoding over them is meaningless, so generation stopped (do the weights or adapter overflow?)");
            }
            return logits;
        };
    }
}
