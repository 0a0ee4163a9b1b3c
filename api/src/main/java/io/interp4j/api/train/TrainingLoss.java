package io.interp4j.api.train;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;

/**
 * Which next-token predictions a training loss counts: the mean token cross-entropy over the counted
 * positions of a micro-batch. The default, {@link #ANSWER}, counts the answer's tokens only (each
 * predicted from everything before it), never the prompt's and never padding. The other settings
 * reproduce recipes that counted more (the seed study's: the full text at 0.5B, padding at 1.5B).
 *
 * @param fullText count every prediction of the example's own tokens, prompt included (Hugging Face's
 *     {@code labels = input_ids}): position t predicts token t + 1 for every t before the last token
 * @param padding count the padding too: a micro-batch is right-padded with the model's
 *     end-of-sequence token (Qwen's {@code <|endoftext|>}, its tokenizer's pad token), and the last
 *     token and every pad position but the last predict that token, as when labels keep the pad ids
 *     instead of −100. The forward has no padding mask: a pad position attends to every earlier
 *     position, pads included (Hugging Face's padding mask would hide the pad keys from it); the
 *     example's own positions never see the padding either way
 * @param padTo 0 to pad each micro-batch to its longest example, else the length every example is
 *     padded to (Hugging Face's {@code padding="max_length"}); an example longer than that is an error
 * @since 0.2
 */
@Stable
public record TrainingLoss(boolean fullText, boolean padding, int padTo) {
    /** The answer's tokens only, no padding: what {@link TrainingExample} describes. */
    public static final TrainingLoss ANSWER = new TrainingLoss(false, false, 0);

    /** Checks the length. */
    public TrainingLoss {
        if (padTo < 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the padded length must be 0 (each micro-batch's longest example) or"
                    + " >= 1, found " + padTo);
        }
    }

    /**
     * Describes the setting in a few words.
     *
     * @return e.g. {@code answer tokens} or {@code full text + padding to 64}
     */
    public String describe() {
        String what = fullText ? "full text" : "answer tokens";
        return padding ? what + " + padding to " + (padTo == 0 ? "the longest example" : padTo + " tokens") : what;
    }
}
