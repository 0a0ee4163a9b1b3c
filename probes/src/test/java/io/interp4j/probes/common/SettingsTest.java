package io.interp4j.probes.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void readsValidValues() {
        Settings s = new Settings("x", ConfigFactory.parseString(
                "a = 3, b = true, c = [2, 0], d = \"blocks.1.contribution\", e = -2, f = [0, -1], g = first, h = name"));
        assertThat(s.intInRange("a", 1, 5)).isEqualTo(3);
        assertThat(s.bool("b")).isTrue();
        assertThat(s.indices("c", "layer indices")).containsExactly(2, 0);
        assertThat(s.site("d")).isEqualTo(new Site.Contribution(1));
        assertThat(s.positions("e")).isEqualTo(Positions.of(-2));
        assertThat(s.positions("f")).isEqualTo(Positions.of(0, -1));
        assertThat(s.positions("g")).isEqualTo(Positions.FIRST);
        assertThat(s.nonEmptyString("h", "a name")).isEqualTo("name");
        s.check();
    }

    @Test
    void reportsEveryProblemTogetherNamingEachPath() {
        Settings s = new Settings("x", ConfigFactory.parseString(
                "a = 0, b = maybe, c = [1, 1], d = \"blocks.0.hook_nope\", e = middle, f = \"\", g = [], h = [\"blocks.0.attn.hook_pattern\"]"));
        s.intInRange("a", 1, 5);
        s.bool("b");
        s.indices("c", "layer indices");
        s.site("d");
        s.positions("e");
        s.nonEmptyString("f", "a name");
        s.sites("g");
        s.perPositionSites("h");
        assertThatThrownBy(s::check)
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("interp4j.probe.x.a: found 0; allowed: an integer in 1..5")
                .hasMessageContaining("interp4j.probe.x.b: found \"maybe\"; allowed: true or false")
                .hasMessageContaining("interp4j.probe.x.c: found [1, 1]")
                .hasMessageContaining("interp4j.probe.x.d: unknown site 'blocks.0.hook_nope'")
                .hasMessageContaining("interp4j.probe.x.e: found \"middle\"")
                .hasMessageContaining("interp4j.probe.x.f: found \"\"")
                .hasMessageContaining("interp4j.probe.x.g: found []")
                .hasMessageContaining("interp4j.probe.x.h: found 'blocks.0.attn.hook_pattern'");
    }
}
