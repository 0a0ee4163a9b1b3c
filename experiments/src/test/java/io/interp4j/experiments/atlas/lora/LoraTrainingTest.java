package io.interp4j.experiments.atlas.lora;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoraTrainingTest extends TinyStudyTest {
    @BeforeAll
    static void addModelsAndSuites() {
        TrainedStudy.prepare(study);
    }

    /**
     * Mean over examples of each example's mean next-token cross-entropy on its answer tokens, in plain
     * double from the engine's logits: the trainer's step loss with batch 1 (one micro-batch per example).
     */
    private static double answerLoss(Model model, List<Task> tasks) {
        return loss(model, tasks, false, 0, -1);
    }

    /**
     * The mean over examples (batch size 1) of each example's mean cross-entropy, in plain double: over the answer's
     * predictions, the prompt's too with {@code fullText}, and, where {@code pad} is not −1, over the example
     * right-padded to {@code padTo} tokens with {@code pad}, the last token's and the pad positions' predictions of it.
     */
    private static double loss(Model model, List<Task> tasks, boolean fullText, int padTo, int pad) {
        Tokenizer tokenizer = study.raw("main").requireTokenizer();
        double sum = 0;
        for (Task task : tasks) {
            int[] prompt = tokenizer.encode(task.prompt());
            int[] answer = tokenizer.encode(task.target());
            int[] all = new int[pad < 0 ? prompt.length + answer.length : padTo];
            java.util.Arrays.fill(all, pad);
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(answer, 0, all, prompt.length, answer.length);
            try (Run run = model.newRun()) {
                float[] logits = run.forward(all).logits().toFloatArray();
                int vocab = model.config().vocabSize();
                double example = 0;
                int counted = 0;
                for (int t = fullText ? 0 : prompt.length - 1; t + 1 < all.length; t++) {
                    float[] row = java.util.Arrays.copyOfRange(logits, t * vocab, (t + 1) * vocab);
                    example -= Independent.logSoftmax(row)[all[t + 1]];
                    counted++;
                }
                sum += example / counted;
            }
        }
        return sum / tasks.size();
    }

    /**
     * The seed's loss recipes, per model: main's loss over the full text (0.5B), deep's with its padding counted
     * (1.5B), each example padded to a few tokens past the longest. Step 1's loss (B starts at zero) is the base
     * model's over exactly those predictions; the published rows flag the counted padding.
     */
    @Test
    void theSeedsLossRecipesCountThePromptAndThePaddingPerModel() throws Exception {
        List<Task> examples = study.suite("lora-json").split("train").tasks().stream().filter(t -> t.family().equals("json_training")).toList();
        Tokenizer tokenizer = study.raw("main").requireTokenizer();
        int padTo = 3 + examples.stream().mapToInt(t -> tokenizer.encode(t.prompt()).length + tokenizer.encode(t.target()).length).max()
                .orElseThrow();
        Experiment training = Steps.create("lora-training", "models = [main, deep], steps = 1, grad-accum = 3, dropout = 0,"
                + " checkpoints = [1], per-model { main { loss-tokens = full-text }, deep { padding-in-loss = true, pad-to = " + padTo
                + " } }");
        assertThat(training.validate(study)).isEmpty();
        StepResult result = training.run(study, new Steps.Counter());
        StepResult.Table losses = table(result, "losses");
        double main = number(losses, losses.rows().stream().filter(r -> r.get(0).equals("main")).findFirst().orElseThrow(), "loss");
        double deep = number(losses, losses.rows().stream().filter(r -> r.get(0).equals("deep")).findFirst().orElseThrow(), "loss");
        assertThat(main).isCloseTo(loss(study.raw("main"), examples, true, 0, -1), within(1e-4));
        int eos = study.raw("deep").config().eosTokenId().orElseThrow();
        assertThat(deep).isCloseTo(loss(study.raw("deep"), examples, false, padTo, eos), within(1e-4));
        assertThat(deep).as("the settings change what is counted").isNotCloseTo(answerLoss(study.raw("deep"), examples), within(1e-3));
        assertThat(result.summary()).containsEntry("recipe.main", "r 8, α 16, dropout 0, q/k/v/o, lr 0.0002, 1 steps, batch 1 × 3, loss on"
                + " full text").containsEntry("recipe.deep", "r 8, α 16, dropout 0, q/k/v/o, lr 0.0002, 1 steps, batch 1 × 3, loss on answer"
                + " tokens + padding to " + padTo + " tokens");
        Config mainJson = ConfigFactory.parseFile(study.artefacts().resolve("main/losses.json").toFile());
        assertThat(mainJson.getString("options.loss_tokens")).isEqualTo("full-text");
        assertThat(mainJson.getBoolean("options.padding_in_loss")).isFalse();
        assertThat(mainJson.getString("options.pad_to")).isEqualTo("longest");
        Config deepJson = ConfigFactory.parseFile(study.artefacts().resolve("deep/losses.json").toFile());
        assertThat(deepJson.getString("options.loss_tokens")).isEqualTo("answer");
        assertThat(deepJson.getBoolean("options.padding_in_loss")).isTrue();
        assertThat(deepJson.getInt("options.pad_to")).isEqualTo(padTo);
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows().stream().filter(r -> cell(flags, r, "model").equals("deep"))).singleElement().satisfies(r -> assertThat(
                (String) cell(flags, r, "message")).contains("this recipe counts them too").contains("right-padded to " + padTo + " tokens")
                .contains("the loss counts those positions"));
        assertThat(flags.rows().stream().filter(r -> cell(flags, r, "model").equals("main"))).singleElement().satisfies(r -> assertThat(
                (String) cell(flags, r, "message")).contains("this recipe does not").contains("no example is ever padded"));
    }

    @Test
    void countedPaddingAtBatchSizeOneWithoutALengthPadsNothingAndSaysSo() {
        Experiment training = Steps.create("lora-training", "models = [main], steps = 1, grad-accum = 1, checkpoints = [1],"
                + " protocols = [published], padding-in-loss = true");
        StepResult result = training.run(study, new Steps.Counter());
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows()).singleElement().satisfies(r -> assertThat((String) cell(flags, r, "message"))
                .contains("this recipe counts them too").contains("no example is ever padded")
                .contains("STUDY.md does not record the padded length"));
    }

    @Test
    void trainsEachModelWritesTheLayoutAndItsLossesAreTheCrossEntropyOfTheSavedAdapters() throws Exception {
        Experiment training = Steps.create("lora-training", "models = [main, deep], steps = 3, grad-accum = 3, dropout = 0,"
                + " learning-rate = 0.05, seed = 5, checkpoints = [1, 2, 3]");
        assertThat(training.validate(study)).isEmpty();
        assertThat(training.forwardPasses(study)).isEqualTo(2 * 3 * 3);
        Steps.Counter progress = new Steps.Counter();
        StepResult result = training.run(study, progress);
        assertThat(progress.total()).isEqualTo(training.forwardPasses(study));

        List<Task> examples = study.suite("lora-json").split("train").tasks().stream().filter(t -> t.family().equals("json_training")).toList();
        assertThat(examples).hasSize(3);
        Path root = study.artefacts();
        StepResult.Table losses = table(result, "losses");
        for (String model : List.of("main", "deep")) {
            Path dir = root.resolve(model);
            assertThat(dir.resolve("adapter/adapter_config.json")).isRegularFile();
            assertThat(dir.resolve("adapter/adapter_model.safetensors")).isRegularFile();
            for (int step = 1; step <= 3; step++) {
                assertThat(dir.resolve("checkpoint-" + step + "/adapter_config.json")).isRegularFile();
                assertThat(dir.resolve("adapter/checkpoint-" + step)).doesNotExist();
            }
            List<List<Object>> rows = losses.rows().stream().filter(r -> r.get(0).equals(model)).toList();
            assertThat(rows).extracting(r -> r.get(1)).containsExactly(1, 2, 3);
            double[] curve = rows.stream().mapToDouble(r -> number(losses, r, "loss")).toArray();
            // each step is one epoch (3 examples, batch 1 × grad-accum 3) under the adapter of the step before
            assertThat(curve[0]).isCloseTo(answerLoss(study.raw(model), examples), within(1e-4));
            for (int step = 1; step <= 2; step++) {
                try (Model m = TrainedStudy.load(study, model, dir.resolve("checkpoint-" + step))) {
                    assertThat(curve[step]).as("%s step %d", model, step + 1).isCloseTo(answerLoss(m, examples), within(1e-4));
                }
            }
            assertThat(curve[2]).isLessThan(curve[0]);
            // the final adapter is the one after the last step
            try (Model last = TrainedStudy.load(study, model, dir.resolve("adapter"));
                    Model checkpoint = TrainedStudy.load(study, model, dir.resolve("checkpoint-3"))) {
                assertThat(answerLoss(last, examples)).isCloseTo(answerLoss(checkpoint, examples), within(1e-6));
            }
            Config json = ConfigFactory.parseFile(dir.resolve("losses.json").toFile());
            assertThat(json.getDoubleList("loss")).containsExactly(curve[0], curve[1], curve[2]);
            assertThat(json.getInt("options.steps")).isEqualTo(3);
            assertThat(json.getIntList("options.checkpoints")).containsExactly(1, 2, 3);
            Tokenizer tokenizer = study.raw(model).requireTokenizer();
            long tokens = 3L * examples.stream().mapToInt(t -> tokenizer.encode(t.prompt()).length + tokenizer.encode(t.target()).length).sum();
            assertThat(json.getLong("tokens")).isEqualTo(tokens);

            StepResult.Table atlas = table(result, AtlasRows.TABLE);
            for (String protocol : List.of("published", "corrected")) {
                List<Object> row = atlas.rows().stream().filter(r -> r.get(1).equals("lora-training.final-loss") && r.get(2).equals(protocol)
                        && r.get(3).equals(model)).findFirst().orElseThrow();
                assertThat(number(atlas, row, "value")).isEqualTo(curve[2]);
            }
            StepResult.Table training1 = table(result, "training");
            List<Object> summary = training1.rows().stream().filter(r -> r.get(0).equals(model)).findFirst().orElseThrow();
            assertThat(number(training1, summary, "tokens")).isEqualTo(tokens);
            assertThat(number(training1, summary, "tokens_per_second")).isCloseTo(tokens / number(training1, summary, "seconds"),
                    within(1e-6 * tokens / number(training1, summary, "seconds")));
        }
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows()).hasSize(2).allSatisfy(r -> {
            assertThat(cell(flags, r, "protocol")).isEqualTo("published");
            assertThat((String) cell(flags, r, "message")).contains("padding").contains("no example is ever padded");
        });
        assertThat(result.charts()).singleElement().satisfies(c -> assertThat(c.table()).isEqualTo("losses"));
    }

    @Test
    void theDefaultsAreThePublishedRecipe() {
        Experiment training = Steps.create("lora-training", "models = [main]");
        assertThat(training.describe()).contains("r 8, α 16, dropout 0.05, q/k/v/o, lr 0.0002, 100 steps, batch 1 × 4")
                .contains("family 'json_training' of suite 'lora-json' (split train)");
        assertThat(training.forwardPasses(study)).isEqualTo(400);
    }

    @Test
    void badSettingsAreReportedTogetherWithTheirPaths() {
        String p = "interp4j.experiment.lora-training.";
        assertThatThrownBy(() -> Steps.create("lora-training", """
                rank = 0, alpha = -1, dropout = 1, targets = [q_proj, attention], learning-rate = 0, steps = 10, warmup = 10,
                batch-size = 0, grad-accum = 1.5, seed = lots, checkpoints = [5, 11], protocols = [published, fixed], models = [],
                loss-tokens = everything, pad-to = 0
                """))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).problems().stream().map(Object::toString).toList()).containsExactlyInAnyOrder(
                        p + "rank: found 0; allowed: an integer >= 1",
                        p + "alpha: found -1; allowed: a number > 0",
                        p + "dropout: found 1; allowed: a number in [0, 1)",
                        p + "targets: found [q_proj, attention]; allowed: distinct modules among [down_proj, gate_proj, k_proj, o_proj,"
                                + " q_proj, up_proj, v_proj]",
                        p + "learning-rate: found 0; allowed: a number > 0",
                        p + "warmup: found 10; allowed: fewer warm-up steps than steps (10)",
                        p + "batch-size: found 0; allowed: an integer >= 1",
                        p + "grad-accum: found 1.5; allowed: an integer >= 1",
                        p + "seed: found \"lots\"; allowed: study or an integer >= 0",
                        p + "checkpoints: found [5, 11]; allowed: steps in 1..10 (the steps setting)",
                        p + "protocols: found [\"published\",\"fixed\"]; allowed: a non-empty list of distinct protocols from [published,"
                                + " corrected]",
                        p + "models: found []; allowed: all, or a non-empty list of study model names",
                        p + "loss-tokens: found everything; allowed: answer (the answer's tokens only) or full-text (the prompt's too)",
                        p + "pad-to: found 0; allowed: longest or an integer >= 1"));
    }

    @Test
    void theStudyIsCheckedBeforeAnythingLoads() {
        Experiment training = Steps.create("lora-training", "models = [main, big], suite = lora-json, family = poetry");
        assertThat(training.validate(study)).extracting(Object::toString).containsExactly(
                P + ".models: unknown model 'big'; the study's models: [deep, main, other, untokenized]",
                P + ".family: suite 'lora-json' (split train) has no task of family 'poetry'; its families there: [copying, json_training]");
        assertThat(Steps.create("lora-training", "suite = nope").validate(study)).extracting(Object::toString)
                .contains(P + ".suite: unknown suite 'nope'; the study's suites: [countries, fam, lora-json, main]");
    }

    @Test
    void aModelWithoutTokenizerFailsNamingIt() {
        Experiment training = Steps.create("lora-training", "models = [untokenized], steps = 1, checkpoints = [1]");
        // found before anything runs: the training examples are encoded to check them
        assertThat(training.validate(study)).singleElement().asString().startsWith(P + ".models: model 'untokenized': ")
                .contains("has no tokenizer.json");
        assertThatThrownBy(() -> training.run(study, new Steps.Counter()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(P + ".models: model 'untokenized'")
                .hasMessageContaining("has no tokenizer.json");
    }

    @Test
    void largerBatchesFlagThePaddingThePublishedRunCounted() {
        Experiment training = Steps.create("lora-training", "models = [main], steps = 1, batch-size = 2, grad-accum = 1,"
                + " checkpoints = [1], protocols = [published]");
        StepResult result = training.run(study, new Steps.Counter());
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows()).singleElement().satisfies(r -> assertThat((String) cell(flags, r, "message"))
                .contains("batches of 2 examples").contains("right-padded"));
        assertThat(table(result, AtlasRows.TABLE).rows()).allSatisfy(r -> assertThat(r.get(2)).isEqualTo("published"));
        assertThat(Files.exists(study.artefacts().resolve("main/checkpoint-1"))).isTrue();
    }

    /** The seed trained 1.5B with another recipe: per-model settings train each model with its own. */
    @Test
    void perModelSettingsTrainEachModelWithItsOwnRecipe() {
        Experiment training = Steps.create("lora-training", "models = [main, deep], steps = 2, grad-accum = 2, dropout = 0,"
                + " checkpoints = [1, 2], protocols = [corrected], per-model { deep { steps = 3, grad-accum = 1 } }");
        assertThat(training.validate(study)).isEmpty();
        assertThat(training.forwardPasses(study)).isEqualTo(2 * 2 + 3);
        Steps.Counter progress = new Steps.Counter();
        StepResult result = training.run(study, progress);
        assertThat(progress.total()).isEqualTo(7);
        StepResult.Table losses = table(result, "losses");
        assertThat(losses.rows().stream().filter(r -> r.get(0).equals("main"))).hasSize(2);
        assertThat(losses.rows().stream().filter(r -> r.get(0).equals("deep"))).hasSize(3);
        assertThat(result.summary()).containsEntry("recipe.main", "r 8, α 16, dropout 0, q/k/v/o, lr 0.0002, 2 steps, batch 1 × 2")
                .containsEntry("recipe.deep", "r 8, α 16, dropout 0, q/k/v/o, lr 0.0002, 3 steps, batch 1 × 1");
        Config json = ConfigFactory.parseFile(study.artefacts().resolve("deep/losses.json").toFile());
        assertThat(json.getInt("options.steps")).isEqualTo(3);
        assertThat(json.getInt("options.gradient_accumulation")).isEqualTo(1);
        assertThatThrownBy(() -> Steps.create("lora-training", "per-model { deep { checkpoints = [1] } }"))
                .hasMessageContaining("interp4j.experiment.lora-training.per-model.deep.checkpoints: cannot differ per model");
        assertThatThrownBy(() -> Steps.create("lora-training", "checkpoints = [10], per-model { deep { steps = 5 } }"))
                .hasMessageContaining("interp4j.experiment.lora-training.per-model.deep.checkpoints: found [10]; allowed: steps in 1..5");
    }
}
