package io.interp4j.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {
    @Test
    void theFirstStepMovesEachWeightByTheLearningRateAgainstTheGradientsSign() {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray w = manager.create(new float[] {1f, -2f, 3f});
            w.setRequiresGradient(true);
            AdamW adam = new AdamW(List.of(w), List.of(false));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                // loss = sum(w²): gradient 2w
                collector.backward(w.square().sum());
            }
            adam.step(0.1, 0, 0);
            // Adam's first step is lr · g / (|g| + ε·...) = lr · sign(g)
            float[] after = w.toFloatArray();
            assertThat((double) after[0]).isCloseTo(0.9, within(1e-6));
            assertThat((double) after[1]).isCloseTo(-1.9, within(1e-6));
            assertThat((double) after[2]).isCloseTo(2.9, within(1e-6));
        }
    }

    @Test
    void manyStepsLeaveNoArraysBehind() {
        DjlRuntime.init();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray w = manager.randomNormal(new ai.djl.ndarray.types.Shape(8, 8));
            w.setRequiresGradient(true);
            AdamW adam = new AdamW(List.of(w), List.of(true));
            int before = -1;
            for (int step = 0; step < 50; step++) {
                try (NDManager scope = manager.newSubManager();
                        GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray view = w.reshape(w.getShape());
                    view.attach(scope);
                    collector.backward(view.square().sum());
                }
                adam.step(1e-2, 0.01, 1.0);
                if (step == 0) {
                    before = manager.getManagedArrays().size();
                }
            }
            assertThat(manager.getManagedArrays()).hasSize(before);
        }
    }
}
