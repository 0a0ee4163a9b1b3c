package io.interp4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a padded batch's real positions lie, on layouts small enough to write out. */
class BatchLayoutTest {
    @Test
    void realMarksEachRowsOwnPositions() {
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6});
        assertThat(BatchLayout.of(prompts, Padding.LEFT).real())
                .containsExactly(true, true, true, false, false, true, false, true, true);
        assertThat(BatchLayout.of(prompts, Padding.RIGHT).real())
                .containsExactly(true, true, true, true, false, false, true, true, false);
        assertThat(BatchLayout.uniform(2, 2).real()).containsExactly(true, true, true, true);
    }
}
