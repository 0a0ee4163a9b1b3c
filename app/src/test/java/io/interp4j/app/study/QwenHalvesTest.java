package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed halves of the Qwen atlas ({@code studies/atlas-qwen-0.5b.conf}, {@code -1.5b.conf}) repeat
 * {@code atlas-qwen.conf}'s step list with every step narrowed to one model: they must follow it, or a
 * half would measure or price another study than the one it names.
 */
class QwenHalvesTest {
    /** The repository's study folder, seen from the module's directory (where surefire runs). */
    private static final Path STUDIES = Path.of("..", "studies");

    @Test
    void eachHalfHasTheWholeAtlasStepsOfItsModelWithTheSameSettings() {
        assertHalf("atlas-qwen-0.5b.conf", "a");
        assertHalf("atlas-qwen-1.5b.conf", "b");
    }

    @Test
    void aHalfsOtherModelIsItsOwnModelsFolderAgainAsTheCommandLineSetsIt() {
        // -Dstudy.models.a.path=... reaches the study as a layer over the file, resolved after it
        Config small = ConfigFactory.parseString("study.models.a.path = /data/q05").withFallback(study("atlas-qwen-0.5b.conf")).resolve();
        assertThat(small.getString("study.name")).isEqualTo("atlas-qwen-0.5b");
        assertThat(small.getString("study.models.b.path")).isEqualTo("/data/q05");
        Config large = ConfigFactory.parseString("study.models.b.path = /data/q15").withFallback(study("atlas-qwen-1.5b.conf")).resolve();
        assertThat(large.getString("study.name")).isEqualTo("atlas-qwen-1.5b");
        assertThat(large.getString("study.models.a.path")).isEqualTo("/data/q15");
    }

    private static void assertHalf(String file, String model) {
        List<? extends Config> whole = study("atlas-qwen.conf").resolve().getConfigList("study.steps");
        List<? extends Config> half = study(file).resolve().getConfigList("study.steps");
        List<String> expected = new ArrayList<>();
        for (Config step : whole) {
            if (runsOn(step, model)) {
                expected.add(step.getString("id"));
            }
        }
        assertThat(half).extracting(step -> step.getString("id")).as(file + ": the steps of atlas-qwen.conf that run on " + model)
                .containsExactlyElementsOf(expected);
        for (Config step : half) {
            String id = step.getString("id");
            Config original = whole.stream().filter(s -> s.getString("id").equals(id)).findFirst().orElseThrow();
            assertThat(step.getStringList("settings.models")).as(file + ": step " + id).containsExactly(model);
            assertThat(step.getString("experiment")).as(file + ": step " + id).isEqualTo(original.getString("experiment"));
            assertThat(settingsBesideModels(step).root().unwrapped()).as(file + ": step " + id + "'s settings")
                    .isEqualTo(settingsBesideModels(original).root().unwrapped());
        }
    }

    /** Whether a step of the whole atlas runs on the model: every step does unless its settings list the models. */
    private static boolean runsOn(Config step, String model) {
        if (!step.hasPath("settings.models")) {
            return true;
        }
        return step.getValue("settings.models").valueType() == ConfigValueType.STRING
                ? step.getString("settings.models").equals("all")
                : step.getStringList("settings.models").contains(model);
    }

    private static Config settingsBesideModels(Config step) {
        return step.hasPath("settings") ? step.getConfig("settings").withoutPath("models") : ConfigFactory.empty();
    }

    private static Config study(String file) {
        return ConfigFactory.parseFile(STUDIES.resolve(file).toFile());
    }
}
