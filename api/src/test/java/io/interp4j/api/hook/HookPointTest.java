package io.interp4j.api.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ModelConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HookPointTest {
    /** Qwen2.5-0.5B shapes: d 896, 14 query heads, 2 kv heads, head_dim 64, d_mlp 4864. */
    private static final ModelConfig QWEN = ModelConfig.of(151_936, 896, 4864, 24, 14, 2, true);
    private static final ModelConfig TWO_LAYERS = ModelConfig.of(300, 16, 32, 2, 4, 2, false);

    @Test
    void parseRoundTripsEveryName() {
        List<HookPoint> all = HookPoint.all(QWEN);
        for (HookPoint point : all) {
            assertThat(HookPoint.parse(point.name())).isEqualTo(point);
            assertThat(HookPoint.parse(point.name(), QWEN)).isEqualTo(point);
        }
        // 1 embed + 24 layers x 21 per-block sites + ln_final's scale and output + logits
        assertThat(all).hasSize(1 + 24 * 21 + 3).doesNotHaveDuplicates();
    }

    @Test
    void parsesTransformerLensNames() {
        assertThat(HookPoint.parse("blocks.3.attn.hook_z")).isEqualTo(HookPoint.block(3, HookSite.ATTN_Z));
        assertThat(HookPoint.parse("blocks.0.hook_resid_post")).isEqualTo(new HookPoint(HookSite.RESID_POST, 0));
        assertThat(HookPoint.parse("blocks.12.ln2.hook_normalized")).isEqualTo(HookPoint.block(12, HookSite.LN2_NORMALIZED));
        assertThat(HookPoint.parse("hook_embed")).isEqualTo(HookPoint.global(HookSite.EMBED));
        assertThat(HookPoint.parse("ln_final.hook_normalized")).isEqualTo(HookPoint.global(HookSite.LN_FINAL_NORMALIZED));
        assertThat(HookPoint.parse(" hook_logits ")).isEqualTo(HookPoint.global(HookSite.LOGITS));
        assertThat(HookPoint.parse("blocks.2.ln1.hook_scale")).isEqualTo(HookPoint.block(2, HookSite.LN1_SCALE));
        assertThat(HookPoint.parse("blocks.2.ln2.hook_scale")).isEqualTo(HookPoint.block(2, HookSite.LN2_SCALE));
        assertThat(HookPoint.parse("ln_final.hook_scale")).isEqualTo(HookPoint.global(HookSite.LN_FINAL_SCALE));
        assertThat(HookPoint.parse("blocks.5.attn.hook_result")).isEqualTo(HookPoint.block(5, HookSite.ATTN_RESULT));
        assertThat(HookPoint.block(3, HookSite.ATTN_PATTERN).name()).isEqualTo("blocks.3.attn.hook_pattern");
        assertThat(HookPoint.global(HookSite.LOGITS).name()).isEqualTo("hook_logits");
        assertThat(HookPoint.block(7, HookSite.MLP_POST)).hasToString("blocks.7.mlp.hook_post");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hook_nope", "blocks.3.hook_nope", "blocks.x.hook_resid_pre", "blocks..hook_resid_pre",
            "blocks.3", "blocks.-1.hook_resid_pre", "blocks.01.hook_resid_pre", "hook_resid_pre", "blocks.0.hook_logits", "", "BLOCKS.0.hook_resid_pre",
            "blocks.0.hook_scale", "ln1.hook_scale", "blocks.0.ln_final.hook_scale", "hook_result", "blocks.0.hook_result", "blocks.0.attn.hook_results"})
    void unknownNamesListAllowed(String name) {
        assertThatThrownBy(() -> HookPoint.parse(name))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HOOK_ERROR))
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("hook_embed")
                .hasMessageContaining("blocks.{L}.attn.hook_z")
                .hasMessageContaining("blocks.{L}.hook_resid_post")
                .hasMessageContaining("hook_logits")
                .hasMessageContaining("blocks.{L}.ln1.hook_scale")
                .hasMessageContaining("blocks.{L}.ln2.hook_scale")
                .hasMessageContaining("ln_final.hook_scale")
                .hasMessageContaining("blocks.{L}.attn.hook_result");
    }

    @Test
    void layerOutOfRangeNamesTheRange() {
        assertThatThrownBy(() -> HookPoint.parse("blocks.2.hook_resid_post", TWO_LAYERS))
                .isInstanceOfSatisfying(Interp4jException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HOOK_ERROR))
                .hasMessageContaining("blocks.2.hook_resid_post")
                .hasMessageContaining("layer 2")
                .hasMessageContaining("0..1");
        assertThat(HookPoint.parse("blocks.1.hook_resid_post", TWO_LAYERS).layer()).isEqualTo(1);
        assertThat(HookPoint.parse("hook_logits", TWO_LAYERS).layer()).isEqualTo(-1);
    }

    @Test
    void constructorChecksLayerAgainstSite() {
        assertThatThrownBy(() -> HookPoint.block(-1, HookSite.RESID_PRE)).isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> new HookPoint(HookSite.LOGITS, 0)).isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> HookPoint.global(HookSite.ATTN_Z)).isInstanceOf(Interp4jException.class);
    }

    @Test
    void shapesUnderGroupedQueryAttention() {
        // batch 2, 5 new positions attending to 8 positions (3 cached)
        assertThat(HookPoint.block(0, HookSite.ATTN_Q).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 14, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_ROT_Q).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 14, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_K).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 2, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_V).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 2, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_ROT_K).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 2, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_Z).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 14, 64);
        assertThat(HookPoint.block(0, HookSite.ATTN_PATTERN).shape(QWEN, 2, 5, 8)).containsExactly(2, 14, 5, 8);
        assertThat(HookPoint.block(0, HookSite.ATTN_SCORES).shape(QWEN, 2, 5, 8)).containsExactly(2, 14, 5, 8);
        assertThat(HookPoint.block(0, HookSite.MLP_PRE).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 4864);
        assertThat(HookPoint.block(0, HookSite.MLP_PRE_LINEAR).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 4864);
        assertThat(HookPoint.block(0, HookSite.MLP_POST).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 4864);
        assertThat(HookPoint.block(0, HookSite.MLP_OUT).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 896);
        assertThat(HookPoint.block(0, HookSite.RESID_POST).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 896);
        assertThat(HookPoint.global(HookSite.EMBED).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 896);
        assertThat(HookPoint.global(HookSite.LOGITS).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 151_936);
        assertThat(HookPoint.block(0, HookSite.LN1_SCALE).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 1);
        assertThat(HookPoint.block(0, HookSite.LN2_SCALE).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 1);
        assertThat(HookPoint.global(HookSite.LN_FINAL_SCALE).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 1);
        assertThat(HookPoint.block(0, HookSite.ATTN_RESULT).shape(QWEN, 2, 5, 8)).containsExactly(2, 5, 14, 896);
    }

    @Test
    void symbolicShapes() {
        assertThat(HookPoint.block(0, HookSite.ATTN_PATTERN).symbolicShape(QWEN)).isEqualTo("[batch, 14, query_pos, key_pos]");
        assertThat(HookPoint.block(0, HookSite.ATTN_K).symbolicShape(QWEN)).isEqualTo("[batch, pos, 2, 64]");
        assertThat(HookPoint.block(0, HookSite.RESID_PRE).symbolicShape(QWEN)).isEqualTo("[batch, pos, 896]");
        assertThat(HookPoint.block(0, HookSite.LN1_SCALE).symbolicShape(QWEN)).isEqualTo("[batch, pos, 1]");
        assertThat(HookPoint.block(0, HookSite.ATTN_RESULT).symbolicShape(QWEN)).isEqualTo("[batch, pos, 14, 896]");
    }

    @Test
    void allIsInForwardOrder() {
        List<String> names = HookPoint.all(ModelConfig.of(300, 16, 32, 1, 4, 2, false)).stream().map(HookPoint::name).toList();
        assertThat(names).containsExactly(
                "hook_embed",
                "blocks.0.hook_resid_pre",
                "blocks.0.ln1.hook_scale",
                "blocks.0.ln1.hook_normalized",
                "blocks.0.attn.hook_q",
                "blocks.0.attn.hook_k",
                "blocks.0.attn.hook_v",
                "blocks.0.attn.hook_rot_q",
                "blocks.0.attn.hook_rot_k",
                "blocks.0.attn.hook_attn_scores",
                "blocks.0.attn.hook_pattern",
                "blocks.0.attn.hook_z",
                "blocks.0.attn.hook_result",
                "blocks.0.hook_attn_out",
                "blocks.0.hook_resid_mid",
                "blocks.0.ln2.hook_scale",
                "blocks.0.ln2.hook_normalized",
                "blocks.0.mlp.hook_pre",
                "blocks.0.mlp.hook_pre_linear",
                "blocks.0.mlp.hook_post",
                "blocks.0.hook_mlp_out",
                "blocks.0.hook_resid_post",
                "ln_final.hook_scale",
                "ln_final.hook_normalized",
                "hook_logits");
    }

    @Test
    void layersFollowEachOtherAndSortingAgrees() {
        List<HookPoint> all = HookPoint.all(TWO_LAYERS);
        assertThat(all.indexOf(HookPoint.block(0, HookSite.RESID_POST)))
                .isEqualTo(all.indexOf(HookPoint.block(1, HookSite.RESID_PRE)) - 1);
        assertThat(all.get(0)).isEqualTo(HookPoint.global(HookSite.EMBED));
        assertThat(all.get(all.size() - 1)).isEqualTo(HookPoint.global(HookSite.LOGITS));
        List<HookPoint> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new java.util.Random(1));
        Collections.sort(shuffled);
        assertThat(shuffled).isEqualTo(all);
        // layer 10 sorts after layer 9, not between 1 and 2
        assertThat(HookPoint.block(10, HookSite.RESID_PRE)).isGreaterThan(HookPoint.block(9, HookSite.RESID_POST));
    }
}
