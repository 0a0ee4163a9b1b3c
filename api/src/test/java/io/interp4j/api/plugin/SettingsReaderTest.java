package io.interp4j.api.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.intervention.Positions;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {
    private static SettingsReader read(String hocon) {
        return new SettingsReader(PluginKind.INTERVENTION, "steer", ConfigFactory.parseString(hocon));
    }

    @Test
    void readsGoodValues() {
        SettingsReader s = read("t = \" x \", c = b, n = \"2.5\", i = 3, o = null, l = [0, 2], p = last, f = yes, obj { a = 1 }");
        assertThat(s.text("t")).isEqualTo("x");
        assertThat(s.choice("c", List.of("a", "b"))).isEqualTo("b");
        assertThat(s.number("n")).isEqualTo(2.5);
        assertThat(s.integer("i", 0)).isEqualTo(3);
        assertThat(s.optionalInteger("o", 0, "every layer")).isNull();
        assertThat(s.integers("l", 0)).containsExactly(0, 2);
        assertThat(s.positions("p")).isEqualTo(Positions.LAST);
        assertThat(s.bool("f")).isTrue();
        assertThat(s.objectOrEmpty("o").isEmpty()).isTrue();
        assertThat(s.objectOrEmpty("obj").getInt("a")).isEqualTo(1);
        assertThat(s.problems()).isEmpty();
        s.check();
    }

    @Test
    void recordsEveryProblemAtItsFullPathAndThrowsThemTogether() {
        SettingsReader s = read("t = \" \", c = z, n = abc, i = -1, l = [1, 1], f = maybe, obj = 3, per { x { i = 0.5 } }");
        assertThat(s.text("t")).isNull();
        assertThat(s.choice("c", List.of("a", "b"))).isNull();
        assertThat(s.number("n")).isNull();
        assertThat(s.integer("i", 0)).isNull();
        assertThat(s.integers("l", 0)).isNull();
        assertThat(s.bool("f")).isFalse();
        assertThat(s.objectOrEmpty("obj")).isNull();
        assertThat(s.text("missing")).isNull();
        assertThat(s.nested("per.x.", s.config().getConfig("per.x")).integer("i", 0)).isNull();
        String p = "interp4j.intervention.steer.";
        assertThat(s.problems()).extracting(Problem::toString).containsExactly(
                p + "t: found \" \"; allowed: a non-empty string",
                p + "c: found \"z\"; allowed: a, b",
                p + "n: found \"abc\"; allowed: a finite number",
                p + "i: found -1; allowed: an integer >= 0",
                p + "l: found [1,1]; allowed: a list of distinct integers >= 0, like [0, 3]",
                p + "f: found \"maybe\"; allowed: true or false",
                p + "obj: found 3; allowed: an object { ... } or null",
                p + "missing: found nothing; allowed: a non-empty string",
                p + "per.x.i: found 0.5; allowed: an integer >= 0");
        assertThatThrownBy(s::check).isInstanceOfSatisfying(Interp4jException.class,
                e -> assertThat(e.problems()).isEqualTo(s.problems()));
    }
}
