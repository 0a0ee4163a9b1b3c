package io.interp4j.interventions.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.SettingsReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SiteSelectionTest {
    private static SiteSelection read(String hocon) {
        SettingsReader settings = new SettingsReader(PluginKind.INTERVENTION, "test", ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseString("site = layer-output, layer = null, positions = all, heads = []")));
        SiteSelection selection = SiteSelection.read(settings);
        settings.check();
        return selection;
    }

    @ParameterizedTest
    @CsvSource({
        "layer-output, blocks.2.hook_resid_post",
        "contribution, blocks.2.contribution",
        "attn-out, blocks.2.hook_attn_out",
        "mlp-out, blocks.2.hook_mlp_out",
        "'\"blocks.{L}.mlp.hook_post\"', blocks.2.mlp.hook_post",
        "'\"blocks.{L}.contribution\"', blocks.2.contribution",
    })
    void aShorthandOrAPlaceholderTakesTheBlockFromLayer(String site, String name) {
        assertThat(read("site = " + site + ", layer = 2").site().name()).isEqualTo(name);
    }

    @Test
    void theHeadShorthandIsAttentionZRestrictedToHeads() {
        SiteSelection head = read("site = head, layer = 0, heads = [3, 1], positions = last");

        assertThat(head.site()).isEqualTo(Site.parse("blocks.0.attn.hook_z"));
        assertThat(head.heads()).containsExactly(3, 1);
        assertThat(head.positions()).isEqualTo(Positions.LAST);
        assertThat(head.describe()).isEqualTo("blocks.0.attn.hook_z query heads [3, 1] (each reads KV head h / (heads / kv_heads)), positions last");
        assertThat(read("site = blocks.0.attn.hook_k, heads = [1]").describe()).isEqualTo("blocks.0.attn.hook_k KV heads [1], positions all");
    }

    @Test
    void aModelWideHookPointNeedsNoLayer() {
        assertThat(read("site = hook_embed, positions = [0]").site().name()).isEqualTo("hook_embed");
        assertThatThrownBy(() -> read("site = hook_embed, layer = 0"))
                .hasMessage("interp4j.intervention.test.layer: found 0; allowed: null: site 'hook_embed' names its block itself;"
                        + " write blocks.{L}.<hook> to take it from layer");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> read("site = \"\", layer = x, positions = [], heads = [a]"))
                .hasMessage(String.join("\n", List.of(
                        "interp4j.intervention.test.site: found \"\"; allowed: a non-empty string",
                        "interp4j.intervention.test.layer: found \"x\"; allowed: an integer >= 0, or null (only for a site name with a fixed block number)",
                        "interp4j.intervention.test.positions: found []; allowed: all, first, last, or a non-empty list of position indices"
                                + " like [0, -1] (negative: from the end)",
                        "interp4j.intervention.test.heads: found [\"a\"]; allowed: a list of distinct integers >= 0, like [0, 3]")));
    }
}
