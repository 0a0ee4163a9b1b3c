package io.interp4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pieces every engine computes the same way, on cases small enough to write out. */
class DecodingTest {
    @Test
    void headBlocksKeepOneHeadsSliceInEachRow() {
        // 2 heads of d_head 2: row 0 keeps columns 0..1, row 1 columns 2..3
        assertThat(Decoding.headBlocks(ModelConfig.of(10, 4, 8, 1, 2, 1, true))).containsExactly(1, 1, 0, 0, 0, 0, 1, 1);
        // 3 heads of d_head 2
        assertThat(Decoding.headBlocks(ModelConfig.of(10, 6, 8, 1, 3, 1, true)))
                .containsExactly(1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1);
    }
}
