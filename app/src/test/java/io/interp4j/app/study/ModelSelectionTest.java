package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelSelectionTest {
    private static final Config STUDY = ConfigFactory.parseString("""
            name = atlas
            models { a { path = one }, b { path = two }, c { path = three } }
            """);

    private static ModelSelection select(String... names) {
        List<Problem> problems = new ArrayList<>();
        ModelSelection selection = ModelSelection.of(List.of(names), STUDY, problems);
        assertThat(problems).isEmpty();
        return selection;
    }

    @Test
    void unknownAndRepeatedNamesAreProblemsOfTheOption() {
        List<Problem> problems = new ArrayList<>();
        ModelSelection.of(List.of("a", "x", "a"), STUDY, problems);
        assertThat(problems).containsExactly(
                new Problem("--models", "unknown model 'x'; the study's models: [a, b, c]"),
                new Problem("--models", "'a' is listed twice; list each model once"));
    }

    @Test
    void selectingEveryModelOrNoneNarrowsNothing() {
        assertThat(select().narrows()).isFalse();
        assertThat(select("c", "b", "a").narrows()).isFalse();
        assertThat(select("c", "b", "a").study(STUDY, "atlas")).isSameAs(STUDY);
    }

    @Test
    void theStudyKeepsTheSelectedModelsAndIsNamedAfterThemInStudyOrder() {
        Config narrowed = select("c", "a").study(STUDY, "atlas");
        assertThat(narrowed.getObject("models").keySet()).containsExactlyInAnyOrder("a", "c");
        assertThat(narrowed.getString("models.c.path")).isEqualTo("three");
        assertThat(narrowed.getString("name")).isEqualTo("atlas-a-c");
    }

    @Test
    void aStepNamingOneModelRunsOnlyWhenItIsSelected() {
        ModelSelection selection = select("a");
        Config onA = ConfigFactory.parseString("model = a, layer = 3");
        assertThat(selection.settings(onA)).contains(onA);
        assertThat(selection.settings(ConfigFactory.parseString("model = b"))).isEmpty();
        // a name that is no study model is the step's own problem to report, not a reason to leave it out
        Config typo = ConfigFactory.parseString("model = bb");
        assertThat(selection.settings(typo)).contains(typo);
    }

    @Test
    void aStepNamingModelsKeepsTheSelectedOnesAndIsLeftOutWithNone() {
        ModelSelection selection = select("a", "c");
        assertThat(selection.settings(ConfigFactory.parseString("models = [b, c, a]")).orElseThrow().getStringList("models"))
                .containsExactly("c", "a");
        assertThat(selection.settings(ConfigFactory.parseString("models = [b]"))).isEmpty();
        assertThat(selection.settings(ConfigFactory.parseString("models = [b, zz]")).orElseThrow().getStringList("models"))
                .containsExactly("zz");
        assertThat(selection.settings(ConfigFactory.parseString("models = all")).orElseThrow().getString("models")).isEqualTo("all");
        // not a list of names: left whole for the experiment to report
        Config odd = ConfigFactory.parseString("models = [b, 3, {x = 1}]");
        assertThat(selection.settings(odd)).contains(odd);
    }

    @Test
    void perModelOverridesOfTheOtherModelsAreDropped() {
        Optional<Config> narrowed = select("b").settings(ConfigFactory.parseString("""
                models = all
                per-model { a { layer = 19 }, b { layer = 21 }, zz { layer = 1 } }
                """));
        assertThat(narrowed.orElseThrow().getObject("per-model").keySet()).containsExactlyInAnyOrder("b", "zz");
        assertThat(narrowed.orElseThrow().getInt("per-model.b.layer")).isEqualTo(21);
        Config none = ConfigFactory.parseString("per-model = null, models = all");
        assertThat(select("b").settings(none)).contains(none);
    }
}
