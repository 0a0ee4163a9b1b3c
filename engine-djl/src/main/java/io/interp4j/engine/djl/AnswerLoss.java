package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.train.TrainingExample;
import java.util.List;

/** The training loss both trainers use: mean next-token cross-entropy over answer tokens only. */
final class AnswerLoss {
    private AnswerLoss() {}

    /** Right-padded inputs, next-token targets and the answer mask of a micro-batch. */
    record Batch(int[][] inputs, long[] targets, float[] mask, int length, int realTokens) {
        static Batch of(List<TrainingExample> examples) {
            int length = examples.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
            int rows = examples.size();
            int[][] inputs = new int[rows][length];
            long[] targets = new long[rows * length];
            float[] mask = new float[rows * length];
            int real = 0;
            for (int r = 0; r < rows; r++) {
                TrainingExample e = examples.get(r);
                int[] all = e.tokens();
                real += all.length;
                System.arraycopy(all, 0, inputs[r], 0, all.length);
                for (int t = 0; t + 1 < all.length; t++) {
                    targets[r * length + t] = all[t + 1];
                    // position t predicts token t + 1, which counts when it is part of the answer
                    if (t + 1 >= e.prompt().length) {
                        mask[r * length + t] = 1;
                    }
                }
            }
            return new Batch(inputs, targets, mask, length, real);
        }
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
