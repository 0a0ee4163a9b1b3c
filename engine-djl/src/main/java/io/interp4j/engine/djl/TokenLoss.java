package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingLoss;
import java.util.List;

/**
 * The training loss both trainers use: mean next-token cross-entropy over the positions a {@link
 * TrainingLoss} counts (by default the answer's tokens only).
 */
final class TokenLoss {
    private TokenLoss() {}

    /** Right-padded inputs, next-token targets and the mask of counted positions of a micro-batch. */
    record Batch(int[][] inputs, long[] targets, float[] mask, int length, int realTokens) {
        /** The answer's tokens only, padding (id 0, never seen by a real position) never counted. */
        static Batch of(List<TrainingExample> examples) {
            return of(examples, TrainingLoss.ANSWER, 0);
        }

        /**
         * Lays a micro-batch out for a loss.
         *
         * @param examples the micro-batch
         * @param loss which predictions count
         * @param pad the id of the padding (its target too where padding counts)
         * @return the batch
         */
        static Batch of(List<TrainingExample> examples, TrainingLoss loss, int pad) {
            int longest = requireFits(examples, loss);
            int length = Math.max(longest, loss.padTo());
            int rows = examples.size();
            int[][] inputs = new int[rows][length];
            long[] targets = new long[rows * length];
            float[] mask = new float[rows * length];
            int real = 0;
            for (int r = 0; r < rows; r++) {
                TrainingExample e = examples.get(r);
                int[] all = e.tokens();
                real += all.length;
                java.util.Arrays.fill(inputs[r], pad);
                System.arraycopy(all, 0, inputs[r], 0, all.length);
                // position t predicts token t + 1: an answer token counts always, a prompt token with the full text
                int first = loss.fullText() ? 0 : e.prompt().length - 1;
                for (int t = 0; t + 1 < length; t++) {
                    if (t + 1 < all.length) {
                        targets[r * length + t] = all[t + 1];
                        mask[r * length + t] = t >= first ? 1 : 0;
                    } else {
                        // the last token and the pad positions predict the padding
                        targets[r * length + t] = pad;
                        mask[r * length + t] = loss.padding() ? 1 : 0;
                    }
                }
            }
            return new Batch(inputs, targets, mask, length, real);
        }
    }

    /**
     * Checks that every example fits the loss's padded length.
     *
     * @param examples the examples
     * @param loss the loss
     * @return the longest example's length
     */
    static int requireFits(List<TrainingExample> examples, TrainingLoss loss) {
        int longest = examples.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        if (loss.padTo() > 0 && longest > loss.padTo()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "an example of " + longest + " tokens (prompt and answer) is longer"
                    + " than the padded length " + loss.padTo() + "; allowed: a padded length of at least the longest example");
        }
        return longest;
    }

    /** Mean cross-entropy over the masked positions, from log-softmax in float32. */
    static NDArray loss(NDArray logits, Batch batch, NDManager scope) {
        int rows = batch.inputs().length;
        NDArray targets = Qwen2Forward.owned(scope.create(batch.targets(), new Shape(rows, batch.length(), 1)));
        NDArray mask = Qwen2Forward.owned(scope.create(batch.mask(), new Shape(rows, batch.length())));
        NDArray picked = logits.logSoftmax(-1).gather(targets, 2).squeeze(2);
        float count = 0;
        for (float m : batch.mask()) {
            count += m;
        }
        return picked.mul(mask).sum().neg().div(Qwen2Forward.constant(scope, count));
    }
}
