package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import io.interp4j.api.train.PretrainingOptions;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlPretrainerTest {
    /** Four invented facts, each answered with two byte tokens. */
    private static final List<TrainingExample> FACTS = List.of(
            new TrainingExample(new int[] {'Z', 'o', 'r', ':'}, new int[] {'k', 'e'}),
            new TrainingExample(new int[] {'M', 'a', 'b', ':'}, new int[] {'t', 'u'}),
            new TrainingExample(new int[] {'Q', 'i', 'x', ':'}, new int[] {'p', 'o'}),
            new TrainingExample(new int[] {'W', 'e', 'n', ':'}, new int[] {'l', 'a'}));

    @TempDir
    Path dir;

    @Test
    void aModelTrainedFromScratchLearnsItsExamplesAndLoadsOnTheEngine() {
        ByteLevelBpe tokenizer = ByteLevelBpe.train(ByteLevelBpe.MIN_VOCAB);
        ModelConfig config = ModelConfig.of(tokenizer.vocabSize(), 64, 128, 2, 4, 2, true);
        List<TrainingExample> data = FACTS;
        Path out = dir.resolve("toy");
        TrainingResult result = new DjlPretrainer().train(config, tokenizer.toJson(), data, new PretrainingOptions(3e-3, 0.01, 5, 150, 4, 1.0, 3, 1),
                out, (step, loss, lr) -> { });
        assertThat(result.losses()).hasSize(150).allSatisfy(loss -> assertThat(loss).isFinite());
        assertThat(result.losses().get(149)).isLessThan(0.1 * result.losses().get(0));
        try (Model model = new DjlEngineProvider().load(Checkpoint.open(out)); Run run = model.newRun()) {
            for (TrainingExample e : data) {
                int[] generated = run.generate(e.prompt(), new GenerationOptions(2, true, false)).generated();
                assertThat(generated).containsExactly(e.answer());
            }
        }
    }

    @Test
    void twoRunsWithTheSameOptionsWriteTheSameBitsAndLeaveTheThreadCountAsItWas() throws IOException {
        ByteLevelBpe tokenizer = ByteLevelBpe.train(ByteLevelBpe.MIN_VOCAB);
        ModelConfig config = ModelConfig.of(tokenizer.vocabSize(), 64, 128, 2, 4, 2, true);
        DjlRuntime.init();
        int threadsBefore = JniUtils.getNumThreads();
        List<byte[]> weights = new ArrayList<>();
        for (String name : List.of("first", "second")) {
            Path out = dir.resolve(name);
            new DjlPretrainer().train(config, tokenizer.toJson(), FACTS, new PretrainingOptions(3e-3, 0.01, 5, 60, 2, 1.0, 7, 1), out,
                    (step, loss, lr) -> { });
            weights.add(Files.readAllBytes(out.resolve(Checkpoint.SINGLE_FILE)));
        }
        assertThat(weights.get(1)).isEqualTo(weights.get(0));
        assertThat(JniUtils.getNumThreads()).isEqualTo(threadsBefore);
    }
}
