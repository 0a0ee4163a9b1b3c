package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.Independent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LoRA training: the golden run trains on one example with batch 1, no accumulation and no dropout,
 * so every step's loss is that example's mean answer-token cross-entropy under the adapter left by
 * the step before. The final loss is therefore recomputed by loading base + the checkpoint saved
 * after step {@code STEPS − 1} outside the study and taking, in double from its logits, the mean of
 * {@code −log p(answer token | everything before it)} over the answer's tokens (prompt and answer
 * encoded raw, no BOS or end-of-text, as the engine's trainer does). The recipe cell is the recipe of
 * {@link #settings()} written out by hand; tokens per second is a measured timing.
 */
public final class LoraTrainingGolden implements GoldenRow {
    /** The training steps; checkpoints at 2, 4, 5 and 6, so the last step's loss is the loss under checkpoint 5. */
    public static final int STEPS = 6;

    /** The training step's suite, split and family (the row's defaults). */
    private static final String SUITE = "lora-json";
    private static final String FAMILY = "json_training";
    /** The absolute tolerance of a float32 engine loss against the double recomputation. */
    private static final double LOSS_TOLERANCE = 1e-4;

    @Override
    public String settings() {
        // one training example (GoldenAtlas keeps one), batch 1, no accumulation, no dropout: every step's loss
        // is that example's answer-token loss under the adapter of the step before
        return "rank = 4, alpha = 8, dropout = 0, learning-rate = 0.05, warmup = 0, weight-decay = 0, steps = " + STEPS
                + ", batch-size = 1, grad-accum = 1, seed = 5, checkpoints = [2, 4, 5, 6]";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        List<Task> examples = atlas.suite(SUITE).split("train").tasks().stream().filter(t -> t.family().equals(FAMILY)).toList();
        assertThat(examples).as("the golden run trains on one example").hasSize(1);
        Path root = atlas.study().artefacts("lora-training");
        // the recipe as settings() writes it, plus the row's defaults for what it leaves out (q/k/v/o)
        String recipe = "r 4, α 8, dropout 0, q/k/v/o, lr 0.05, " + STEPS + " steps, batch 1 × 1";
        for (String model : GoldenAtlas.MODELS) {
            for (int step : List.of(2, 4, 5, 6)) {
                assertThat(root.resolve(model).resolve("checkpoint-" + step).resolve("adapter_model.safetensors"))
                        .as("%s: checkpoint after step %d, which later rows read", model, step).isRegularFile();
            }
            double expected;
            try (Model previous = withAdapter(atlas, model, root.resolve(model).resolve("checkpoint-" + (STEPS - 1)))) {
                expected = answerLoss(previous, examples.get(0));
            }
            // the last step still moved the adapter, so the check tells the step-5 adapter from the final one
            try (Model last = withAdapter(atlas, model, root.resolve(model).resolve("adapter"))) {
                assertThat(answerLoss(last, examples.get(0))).as("%s: loss under the final adapter", model)
                        .isNotCloseTo(expected, within(10 * LOSS_TOLERANCE));
            }
            for (String protocol : List.of("published", "corrected")) {
                ledger.number("lora-training.final-loss", protocol, model, expected, LOSS_TOLERANCE);
                Ledger.Cell loss = ledger.cell("lora-training.final-loss", protocol, model);
                ledger.display("lora-training.final-loss", protocol, model,
                        String.format(Locale.ROOT, "loss %.4f", ((Number) loss.value()).doubleValue()));
                ledger.measured("lora-training.tokens-per-second", protocol, model, "training tokens over the wall time of the training");
                Ledger.Cell tps = ledger.cell("lora-training.tokens-per-second", protocol, model);
                assertThat(tps.display()).isEqualTo(String.format(Locale.ROOT, "%.1f tok/s", ((Number) tps.value()).doubleValue()));
                ledger.exact("lora-training.recipe", protocol, model, recipe);
                ledger.display("lora-training.recipe", protocol, model, recipe);
            }
        }
    }

    /** Base + an adapter, loaded outside the study; the caller closes it. */
    private static Model withAdapter(GoldenAtlas atlas, String model, Path adapter) {
        return new DjlEngineProvider().load(Checkpoint.open(atlas.study().raw(model).directory()), LoadOptions.withAdapter(adapter));
    }

    /**
     * Mean over the answer's tokens of {@code −log p(token | all before it)}: prompt then answer, raw
     * token ids, position t predicting token t + 1 for the answer's positions only.
     */
    private static double answerLoss(Model model, Task task) {
        Tokenizer tokenizer = model.requireTokenizer();
        int[] prompt = tokenizer.encode(task.prompt());
        int[] answer = tokenizer.encode(task.target());
        int[] all = new int[prompt.length + answer.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(answer, 0, all, prompt.length, answer.length);
        int vocab = model.config().vocabSize();
        try (Run run = model.newRun()) {
            float[] logits = run.forward(all).logits().toFloatArray();
            double sum = 0;
            for (int t = prompt.length - 1; t + 1 < all.length; t++) {
                sum -= Independent.logSoftmax(Arrays.copyOfRange(logits, t * vocab, (t + 1) * vocab))[all[t + 1]];
            }
            return sum / answer.length;
        }
    }
}
