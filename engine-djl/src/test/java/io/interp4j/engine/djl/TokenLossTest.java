package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingLoss;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which positions the training loss counts, on a micro-batch small enough to lay out by hand: example A is
 * prompt [5, 6] + answer [7] (3 tokens), B is prompt [8] + answer [9, 10, 3] (4 tokens), padded with 11.
 * Position t predicts token t + 1; the last position of the padded row predicts nothing.
 */
class TokenLossTest {
    private static final int PAD = 11;
    private static final int VOCAB = 12;
    private static final List<TrainingExample> BATCH = List.of(
            new TrainingExample(new int[] {5, 6}, new int[] {7}),
            new TrainingExample(new int[] {8}, new int[] {9, 10, 3}));

    @Test
    void theAnswerOnlyLossCountsTheAnswersPredictionsAlone() {
        TokenLoss.Batch b = TokenLoss.Batch.of(BATCH, TrainingLoss.ANSWER, PAD);
        assertThat(b.length()).isEqualTo(4);
        assertThat(b.inputs()).isDeepEqualTo(new int[][] {{5, 6, 7, PAD}, {8, 9, 10, 3}});
        assertThat(b.targets()).containsExactly(6, 7, PAD, 0, 9, 10, 3, 0);
        // A: 6 is prompt, 7 answer; its last token's prediction of the padding is not counted
        assertThat(b.mask()).containsExactly(0, 1, 0, 0, 1, 1, 1, 0);
        assertThat(b.realTokens()).isEqualTo(7);
        assertThat(TokenLoss.Batch.of(BATCH).mask()).as("the trainers' default").containsExactly(b.mask());
    }

    @Test
    void theFullTextLossCountsThePromptsPredictionsToo() {
        TokenLoss.Batch b = TokenLoss.Batch.of(BATCH, new TrainingLoss(true, false, 0), PAD);
        assertThat(b.mask()).containsExactly(1, 1, 0, 0, 1, 1, 1, 0);
    }

    @Test
    void countedPaddingAddsTheLastTokensAndThePadPositionsPredictionsOfThePad() {
        TokenLoss.Batch b = TokenLoss.Batch.of(BATCH, new TrainingLoss(false, true, 0), PAD);
        assertThat(b.mask()).containsExactly(0, 1, 1, 0, 1, 1, 1, 0);
        // padded to 6: A's last token and its pads at 3 and 4 predict the pad, B's last token and its pad at 4 too
        TokenLoss.Batch six = TokenLoss.Batch.of(BATCH, new TrainingLoss(true, true, 6), PAD);
        assertThat(six.length()).isEqualTo(6);
        assertThat(six.inputs()).isDeepEqualTo(new int[][] {{5, 6, 7, PAD, PAD, PAD}, {8, 9, 10, 3, PAD, PAD}});
        assertThat(six.targets()).containsExactly(6, 7, PAD, PAD, PAD, 0, 9, 10, 3, PAD, PAD, 0);
        assertThat(six.mask()).containsExactly(1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0);
        assertThat(six.realTokens()).isEqualTo(7);
    }

    @Test
    void anExampleLongerThanThePaddedLengthIsAnError() {
        assertThatThrownBy(() -> TokenLoss.Batch.of(BATCH, new TrainingLoss(false, true, 3), PAD))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("an example of 4 tokens (prompt and answer) is longer than the padded length 3; allowed: a padded length of at"
                        + " least the longest example");
        assertThatThrownBy(() -> new TrainingLoss(false, true, -1)).isInstanceOf(Interp4jException.class).hasMessageContaining("found -1");
    }

    /** Uniform logits: every counted prediction costs ln V, whatever is counted. */
    @Test
    void uniformLogitsCostLnVocab() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            TokenLoss.Batch b = TokenLoss.Batch.of(BATCH, new TrainingLoss(true, true, 6), PAD);
            NDArray logits = manager.zeros(new Shape(2, 6, VOCAB));
            assertThat(TokenLoss.loss(logits, b, manager).getFloat()).isCloseTo((float) Math.log(VOCAB), within(1e-6f));
        }
    }

    /** The loss against plain double Java on the same random logits, for every setting. */
    @Test
    void theLossIsTheMeanCrossEntropyOverTheCountedPositions() {
        for (TrainingLoss loss : List.of(TrainingLoss.ANSWER, new TrainingLoss(true, false, 0), new TrainingLoss(false, true, 0),
                new TrainingLoss(true, true, 6))) {
            TokenLoss.Batch b = TokenLoss.Batch.of(BATCH, loss, PAD);
            int rows = 2;
            float[] values = new float[rows * b.length() * VOCAB];
            Random random = new Random(3);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (3 * random.nextGaussian());
            }
            double sum = 0;
            int count = 0;
            for (int r = 0; r < rows; r++) {
                int[] all = BATCH.get(r).tokens();
                int prompt = BATCH.get(r).prompt().length;
                for (int t = 0; t + 1 < b.length(); t++) {
                    boolean real = t + 1 < all.length;
                    boolean counted = real ? loss.fullText() || t + 1 >= prompt : loss.padding();
                    if (!counted) {
                        continue;
                    }
                    int target = real ? all[t + 1] : PAD;
                    int at = (r * b.length() + t) * VOCAB;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < VOCAB; v++) {
                        max = Math.max(max, values[at + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < VOCAB; v++) {
                        z += Math.exp(values[at + v] - max);
                    }
                    sum -= values[at + target] - max - Math.log(z);
                    count++;
                }
            }
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
                NDArray logits = manager.create(values, new Shape(rows, b.length(), VOCAB));
                assertThat((double) TokenLoss.loss(logits, b, manager).getFloat()).as(loss.describe()).isCloseTo(sum / count, within(1e-5));
            }
        }
    }
}
