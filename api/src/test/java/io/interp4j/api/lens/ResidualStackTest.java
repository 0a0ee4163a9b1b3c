package io.interp4j.api.lens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The final norm's scale applied to a stack, on numbers small enough to check by hand. */
class ResidualStackTest {
    @Test
    void eachComponentIsDividedByTheCachedScaleAndMultipliedByTheNormWeight() {
        // residual (3, 4): mean of squares 12.5, plus eps 0.5 is 13, so the scale ln_final.hook_scale holds is √13
        double rms = Math.sqrt(13);
        ResidualStack stack = new ResidualStack(List.of("embed", "0_attn_out"), new double[][] {{3, 0}, {0, 4}}, new double[] {3, 4}, rms);
        double[][] scaled = stack.applyFinalNorm(new float[] {1, 2});
        assertThat(scaled[0]).containsExactly(new double[] {3 / rms, 0}, within(1e-15));
        assertThat(scaled[1]).containsExactly(new double[] {0, 8 / rms}, within(1e-15));
        assertThatThrownBy(() -> stack.applyFinalNorm(new float[] {1, 2, 3}))
                .hasMessage("the final norm's weight has 3 features; the residual has 2");
        // the scale is the one given (a hook may have replaced it), not recomputed from the residual
        ResidualStack replaced = new ResidualStack(List.of("embed"), new double[][] {{3, 4}}, new double[] {3, 4}, 2);
        assertThat(replaced.applyFinalNorm(new float[] {1, 1})[0]).containsExactly(1.5, 2.0);
        assertThat(replaced.logitAttribution(new float[] {1, 1}, new float[] {2, -1})).containsExactly(1.0);
    }

    @Test
    void thePointsAreTheEmbeddingEachBlocksOutputsAndTheLastResidual() {
        ModelConfig config = ModelConfig.of(300, 16, 32, 2, 2, 1, true);
        assertThat(ResidualStack.points(config)).extracting(HookPoint::name).containsExactly("hook_embed", "blocks.0.hook_attn_out",
                "blocks.0.hook_mlp_out", "blocks.1.hook_attn_out", "blocks.1.hook_mlp_out", "blocks.1.hook_resid_post", "ln_final.hook_scale");
        assertThat(ResidualStack.points(config, true)).extracting(HookPoint::name).containsExactly("hook_embed", "blocks.0.attn.hook_result",
                "blocks.0.hook_mlp_out", "blocks.1.attn.hook_result", "blocks.1.hook_mlp_out", "blocks.1.hook_resid_post", "ln_final.hook_scale");
    }

    @Test
    void labelsAndComponentsMustPair() {
        assertThatThrownBy(() -> new ResidualStack(List.of("embed"), new double[][] {{1}, {2}}, new double[] {3}, 1))
                .hasMessage("1 labels for 2 components");
        assertThatThrownBy(() -> new ResidualStack(List.of("embed"), new double[][] {{1, 2}}, new double[] {3}, 1))
                .hasMessage("component 'embed' has 2 features; the residual has 1");
        assertThatThrownBy(() -> new ResidualStack(List.of("embed"), new double[][] {{1}}, new double[] {3}, 0))
                .hasMessage("the final norm's scale must be positive and finite, found 0.0");
        assertThatThrownBy(() -> new ResidualStack(List.of("embed"), new double[][] {{1}}, new double[] {3}, Double.NaN))
                .hasMessageContaining("found NaN");
    }
}
