package io.interp4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.testkit.EngineContractTest.Ablation;
import io.interp4j.testkit.EngineContractTest.Spec;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks, without any engine, that the contract suite's fixtures can tell engines apart: test models
 * load, ablations and steering change the outcome, and greedy choices are clear enough for float32.
 */
class EngineContractFixturesTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void useOwnDirectory() {
        EngineContractTest.models = dir;
        EngineContractTest.forgetModelsOfPreviousClass();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.interp4j.testkit.EngineContractTest#parityCases")
    void parityModelsLoadAndRunInTheReference(EngineContractTest.ParityCase c) {
        Path model = EngineContractTest.modelDir(c.spec());
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            assertThat(checkpoint.storageType()).isEqualTo(c.spec().dtype());
            assertThat(checkpoint.config().tieWordEmbeddings()).isEqualTo(c.spec().config().tieWordEmbeddings());
        }
        ReferenceQwen2.Result result = EngineContractTest.reference(model).forward(EngineContractTest.randomTokens(c.length(), 100 + c.length()));
        assertThat(result.activations()).hasSize(HookPoint.all(c.spec().config()).size());
    }

    @ParameterizedTest
    @EnumSource(Ablation.class)
    void ablationsChangeTheLogits(Ablation ablation) {
        EngineContractTest.expectedAblation(ablation);
    }

    @ParameterizedTest(name = "{0}, prompt {1}, {2} new tokens")
    @MethodSource("io.interp4j.testkit.EngineContractTest#generationCases")
    void greedyChoicesAreClear(Spec spec, int promptLength, int newTokens) {
        assertThat(EngineContractTest.expectedGeneration(spec, EngineContractTest.generationPrompt(promptLength), newTokens, Map.of()))
                .hasSize(newTokens);
    }

    @Test
    void steeringChangesGenerationClearly() {
        assertThat(EngineContractTest.expectedSteeredGeneration()).hasSize(6);
    }
}
