package io.interp4j.experiments.atlas.steering;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.StudyFiles;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The steering row with studies/atlas-qwen.conf's settings, on two tiny models named as the Qwen study
 * names its models ({@code a} = 0.5B, {@code b} = 1.5B) and its committed suite: each model reads the
 * seed's spelling after the seed's prompt, and the different-tokens flag fires.
 */
class QwenSpellingsTest {
    @TempDir
    static Path dir;

    @Test
    void theQwenStudyReadsTheSeedsSpellingsAfterItsPromptAndFlagsThatTheyDiffer() {
        try (TinyStudy study = new TinyStudy(dir, new Planner(PlannerOptions.DEFAULTS))) {
            study.addModel("a", TinyStudy.CONFIG, 1).addModel("b", TinyStudy.CONFIG, 2).addSuite(StudyFiles.suite("qwen", "steering"));
            // the tiny models have 2 blocks, so the steered layer is their last; everything else is the Qwen study's
            Experiment step = Steps.create("steering-leverage", StudyFiles.rowSettings("atlas-qwen.conf", "steering-leverage",
                    "models = [a, b], layer = 1, random-vectors = 1"));
            assertThat(step.validate(study)).isEmpty();
            StepResult result = step.run(study, Progress.none());

            Map<String, String> spelling = Map.of("a", "rome", "b", " Rome");
            Table readout = table(result, "steering-readout");
            Table atlas = table(result, "atlas");
            for (String name : List.of("a", "b")) {
                Model model = study.raw(name);
                Tokenizer tokenizer = model.requireTokenizer();
                int token = tokenizer.encode(spelling.get(name))[0];
                // p(token) at s = 0 after the seed's prompt, trailing space included
                double p0 = p(model, tokenizer.encode("The capital of Italy is "), token);
                List<Object> row = readout.rows().stream().filter(r -> cell(readout, r, "model").equals(name)
                        && cell(readout, r, "protocol").equals("published") && number(readout, r, "scale") == 0).findFirst()
                        .orElseThrow();
                assertThat(cell(readout, row, "task")).isEqualTo("published-prompt");
                assertThat(cell(readout, row, "token")).isEqualTo(tokenizer.decode(new int[] {token}));
                assertThat(number(readout, row, "probability")).isCloseTo(p0, within(1e-6));
                // without the space the prompt is another prompt: the reading above is the spaced one
                assertThat(Math.abs(p(model, tokenizer.encode("The capital of Italy is"), token) - p0)).isGreaterThan(1e-6);
                List<Object> p0Cell = atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals("steering-leverage.p0")
                        && cell(atlas, r, "protocol").equals("published") && cell(atlas, r, "model").equals(name)).findFirst().orElseThrow();
                assertThat(number(atlas, p0Cell, "value")).isCloseTo(p0, within(1e-6));
            }
            assertThat(study.raw("a").requireTokenizer().encode("rome")[0]).isNotEqualTo(study.raw("b").requireTokenizer().encode(" Rome")[0]);
            Table flags = table(result, "atlas-flags");
            for (String name : List.of("a", "b")) {
                assertThat(flags.rows().stream().filter(r -> cell(flags, r, "model").equals(name)
                        && ((String) cell(flags, r, "message")).contains("the published target token differs across models"))).hasSize(1);
            }
        }
    }

    private static double p(Model model, int[] tokens, int token) {
        try (Run run = model.newRun()) {
            float[] all = run.forward(tokens).logits().toFloatArray();
            int vocab = model.config().vocabSize();
            float[] last = new float[vocab];
            System.arraycopy(all, all.length - vocab, last, 0, vocab);
            return Math.exp(Independent.logSoftmax(last)[token]);
        }
    }
}
