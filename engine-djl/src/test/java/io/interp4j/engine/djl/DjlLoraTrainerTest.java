package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingLoss;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.api.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlLoraTrainerTest {
    @TempDir
    static Path dir;

    static Path base;
    static final List<TrainingExample> DATA = List.of(
            new TrainingExample(new int[] {5, 6, 7}, new int[] {40, 41}),
            new TrainingExample(new int[] {9, 10, 11, 12, 13}, new int[] {50, 51, 52}));

    @BeforeAll
    static void writeModel() {
        base = dir.resolve("base");
        RandomCheckpoint.write(base, ModelConfig.of(300, 32, 64, 2, 4, 2, true), DType.F32, 11);
    }

    private static TrainingOptions options(int steps, double dropout, List<Integer> checkpoints) {
        return new TrainingOptions(4, 8, dropout, List.of("q_proj", "v_proj", "o_proj", "down_proj"), 2e-2, 0.01, 2, steps, 2, 2, 1.0, 7,
                checkpoints);
    }

    private static LoraTrainer trainer() {
        return new DjlEngineProvider().loraTrainer().orElseThrow();
    }

    /** Mean cross-entropy over answer tokens, from a model's logits, in plain Java double. */
    private static double answerLoss(Model model, List<TrainingExample> data) {
        return loss(model, data, false, 0, -1);
    }

    /**
     * Mean cross-entropy, in plain Java double, over one micro-batch of all the examples, each run alone through the
     * model right-padded to {@code length} with {@code pad} (causal attention, no padding mask, as the trainer runs
     * it): the answer's predictions, the prompt's too with {@code fullText}, and those of the padding where {@code pad}
     * is not −1 (the last token's and every pad position's but the last).
     */
    private static double loss(Model model, List<TrainingExample> data, boolean fullText, int length, int pad) {
        double sum = 0;
        int count = 0;
        try (Run run = model.newRun()) {
            for (TrainingExample e : data) {
                int[] all = e.tokens();
                int[] row = java.util.Arrays.copyOf(all, pad < 0 ? all.length : length);
                java.util.Arrays.fill(row, all.length, row.length, pad);
                float[] logits = run.forward(row).logits().toFloatArray();
                int vocab = model.config().vocabSize();
                for (int t = fullText ? 0 : e.prompt().length - 1; t + 1 < row.length; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, logits[t * vocab + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < vocab; v++) {
                        z += Math.exp(logits[t * vocab + v] - max);
                    }
                    sum += -(logits[t * vocab + row[t + 1]] - max - Math.log(z));
                    count++;
                }
            }
        }
        return sum / count;
    }

    /**
     * The seed's recipes: with the full text and the padding counted (every example padded to 12 tokens with the
     * end-of-sequence token), step 1's loss (B starts at zero) is the base model's loss over exactly those positions.
     */
    @Test
    void theFullTextAndCountedPaddingEnterTheLoss() {
        TrainingOptions options = new TrainingOptions(4, 8, 0, List.of("q_proj", "v_proj"), 1e-2, 0.0, 0, 1, 2, 1, 1.0, 7, List.of(),
                new TrainingLoss(true, true, 12));
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(base))) {
            int eos = model.config().eosTokenId().orElseThrow();
            double expected = loss(model, DATA, true, 12, eos);
            double first = trainer().train(model, DATA, options, dir.resolve("padded"), (s, l, r) -> { }).losses().get(0);
            assertThat(first).isCloseTo(expected, within(1e-4));
            assertThat(expected).as("the settings change what is counted").isNotCloseTo(answerLoss(model, DATA), within(1e-3));
            TrainingOptions tooShort = new TrainingOptions(4, 8, 0, List.of("q_proj"), 1e-2, 0.0, 0, 1, 2, 1, 1.0, 7, List.of(),
                    new TrainingLoss(false, true, 6));
            assertThatThrownBy(() -> trainer().train(model, DATA, tooShort, dir.resolve("short"), (s, l, r) -> { }))
                    .isInstanceOf(Interp4jException.class).hasMessageContaining("an example of 8 tokens");
        }
    }

    @Test
    void theFirstLossIsTheBaseModelsAnswerLossAndTrainingLowersIt() throws IOException {
        Path out = dir.resolve("adapter-a");
        List<Double> seen = new ArrayList<>();
        TrainingResult result;
        double baseLoss;
        // one micro-batch of both examples per step, so every step sees the same tokens
        TrainingOptions options = new TrainingOptions(4, 8, 0, List.of("q_proj", "v_proj", "o_proj", "down_proj"), 1e-2, 0.0, 3, 30, 2, 1,
                1.0, 7, List.of(10));
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(base))) {
            baseLoss = answerLoss(model, DATA);
            result = trainer().train(model, DATA, options, out, (step, loss, lr) -> seen.add(loss));
        }
        assertThat(seen).isEqualTo(result.losses()).hasSize(30);
        assertThat(result.losses()).allSatisfy(loss -> assertThat(loss).isFinite());
        // B starts at zero, so step 1's loss is the base model's: the loss counts answer tokens only
        assertThat(result.losses().get(0)).isCloseTo(baseLoss, within(1e-4));
        assertThat(result.losses().get(29)).isLessThan(0.5 * baseLoss);
        assertThat(out.resolve("checkpoint-10").resolve(LoraAdapter.WEIGHTS_FILE)).exists();

        // the saved adapter, merged by the loader, reproduces the trained model's loss
        try (Model adapted = new DjlEngineProvider().load(Checkpoint.open(base), LoadOptions.withAdapter(out))) {
            double trained = answerLoss(adapted, DATA);
            assertThat(trained).isLessThan(result.losses().get(29) + 0.05);
            assertThat(trained).isLessThan(0.5 * baseLoss);
        }
    }

    @Test
    void theAdapterIsWrittenInPeftsFormat() throws IOException {
        Path out = dir.resolve("adapter-b");
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(base))) {
            trainer().train(model, DATA, options(3, 0.05, List.of()), out, (s, l, r) -> { });
        }
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("adapter_config.json"))).getAsJsonObject();
        assertThat(config.get("peft_type").getAsString()).isEqualTo("LORA");
        assertThat(config.get("r").getAsInt()).isEqualTo(4);
        assertThat(config.get("lora_alpha").getAsDouble()).isEqualTo(8);
        assertThat(config.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\",\"o_proj\",\"down_proj\"]");
        try (LoraAdapter adapter = LoraAdapter.open(out)) {
            assertThat(adapter.modules()).hasSize(2 * 4);
            assertThat(adapter.modules().get(0).a().name()).isEqualTo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            assertThat(adapter.modules().stream().map(LoraAdapter.Module::baseWeight))
                    .contains("model.layers.1.mlp.down_proj.weight", "model.layers.0.self_attn.v_proj.weight");
            assertThat(adapter.scaling(adapter.modules().get(0))).isEqualTo(2.0);
        }
    }

    @Test
    void theSameSeedGivesTheSameLossCurve() {
        List<Double> first;
        List<Double> second;
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(base))) {
            first = trainer().train(model, DATA, options(4, 0.1, List.of()), dir.resolve("s1"), (s, l, r) -> { }).losses();
            second = trainer().train(model, DATA, options(4, 0.1, List.of()), dir.resolve("s2"), (s, l, r) -> { }).losses();
        }
        assertThat(first).isEqualTo(second);
    }

    @Test
    void theScheduleWarmsUpThenDecaysLinearly() {
        TrainingOptions o = options(10, 0, List.of());
        assertThat(o.learningRateAt(0)).isCloseTo(1e-2, within(1e-12));
        assertThat(o.learningRateAt(1)).isCloseTo(2e-2, within(1e-12));
        assertThat(o.learningRateAt(2)).isCloseTo(2e-2, within(1e-12));
        assertThat(o.learningRateAt(6)).isCloseTo(1e-2, within(1e-12));
        assertThat(o.learningRateAt(9)).isCloseTo(2.5e-3, within(1e-12));
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> new TrainingOptions(4, 8, 0, List.of("qkv"), 1e-3, 0, 0, 5, 1, 1, 1, 1, List.of()))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("target modules");
        assertThatThrownBy(() -> new TrainingOptions(4, 8, 0, List.of("q_proj"), 1e-3, 0, 0, 5, 1, 1, 1, 1, List.of(9)))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("checkpoint step 9");
    }
}
