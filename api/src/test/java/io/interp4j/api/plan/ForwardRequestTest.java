package io.interp4j.api.plan;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ForwardRequest#checkIn}: what a study checks of every planned forward before anything runs. */
class ForwardRequestTest {
    /** 300 tokens, d_model 8, 2 layers, 2 heads. */
    private static final ModelConfig CONFIG = ModelConfig.of(300, 8, 16, 2, 2, 1, true);

    /** A source run's activation at a d_model site: [1, positions, 8]. */
    private static TensorData source(int positions) {
        return new TensorData(new long[] {1, positions, 8}, new float[positions * 8]);
    }

    private static ForwardRequest patched(int length, Positions positions, int sourcePositions) {
        int[] tokens = new int[length];
        return ForwardRequest.intervened("main", tokens, List.of(Intervention.replace(Site.layerOutput(1), positions,
                source(sourcePositions), "another prompt")));
    }

    private static ForwardRequest zeroed(int length, Positions positions) {
        return ForwardRequest.intervened("main", new int[length], List.of(Intervention.zero(Site.layerOutput(1), positions)));
    }

    @Test
    void aPatchOfEveryPositionNeedsASourceOfTheSameLength() {
        assertThatCode(() -> patched(5, Positions.ALL, 5).checkIn(CONFIG)).doesNotThrowAnyException();
        assertThatThrownBy(() -> patched(5, Positions.ALL, 4).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("intervention at 'blocks.1.hook_resid_post': the source activation has 4 positions but this forward has 5;"
                        + " patch all positions only between equally long prompts, or pick positions");
    }

    @Test
    void everyPatchedPositionNeedsASourceRow() {
        // the last position reads the source's last row, whatever the lengths; index 3 of a 5-token prompt has no row in 3
        assertThatCode(() -> patched(5, Positions.LAST, 3).checkIn(CONFIG)).doesNotThrowAnyException();
        assertThatCode(() -> patched(5, Positions.of(0, 2), 3).checkIn(CONFIG)).doesNotThrowAnyException();
        assertThatThrownBy(() -> patched(5, Positions.of(0, 3), 3).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("intervention at 'blocks.1.hook_resid_post': position 3 has no row in the source activation of 3 positions");
        assertThatThrownBy(() -> patched(5, Positions.of(-4), 3).checkIn(CONFIG))
                .hasMessage("intervention at 'blocks.1.hook_resid_post': position -4 has no row in the source activation of 3 positions");
    }

    /** Found in issue #19's audit: positions = [40] on shorter prompts ran, touched nothing there, and lowered the family means. */
    @Test
    void everyListedPositionIsAPositionOfThePrompt() {
        assertThatCode(() -> zeroed(2, Positions.of(0, 1, -2)).checkIn(CONFIG)).doesNotThrowAnyException();
        assertThatThrownBy(() -> patched(2, Positions.of(0, 7), 3).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("intervention at 'blocks.1.hook_resid_post': position 7 is outside this prompt of 2 tokens, so it would touch"
                        + " nothing; allowed 0..1, or -2..-1 counting from the end");
        assertThatThrownBy(() -> zeroed(2, Positions.of(-3)).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("position -3 is outside this prompt of 2 tokens");
    }

    @Test
    void aVectorValueHasNoSourceRowsToCheck() {
        ForwardRequest request = ForwardRequest.intervened("main", new int[] {1, 2, 3}, List.of(Intervention.replace(Site.layerOutput(0),
                Positions.ALL, TensorData.vector(new float[8]), "a vector")));
        assertThatCode(() -> request.checkIn(CONFIG)).doesNotThrowAnyException();
    }

    @Test
    void tokensHookPointsAndSitesMustExistInTheModel() {
        assertThatThrownBy(() -> ForwardRequest.clean("main", new int[] {1, 300}).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class)
                .hasMessage("token 300 at position 1 is outside the vocabulary; allowed 0..299");
        assertThatThrownBy(() -> ForwardRequest.clean("main", new int[] {1}).reading(Readout.activation(HookPoint.block(2,
                HookSite.RESID_POST), Positions.ALL)).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("blocks.2.hook_resid_post");
        assertThatThrownBy(() -> ForwardRequest.intervened("main", new int[] {1}, List.of(Intervention.zero(Site.layerOutput(2),
                Positions.ALL))).checkIn(CONFIG))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("layer 2");
    }
}
