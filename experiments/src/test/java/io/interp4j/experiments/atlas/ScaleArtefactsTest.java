package io.interp4j.experiments.atlas;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.StudyFiles;
import io.interp4j.testkit.study.TinyStudy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, point 1: the published atlas on a "0.5B-like" model ({@code main}, 2 blocks) and a
 * "1.5B-like" one ({@code deep}, 4 blocks), each row with the per-model settings of
 * studies/atlas-qwen.conf ({@code a} → main, {@code b} → deep; only the layers, which the tiny models do
 * not have, are set here), shows each scale-specific artefact of the seed where the seed's appeared:
 * the steering readouts compare different tokens, the 1.5B-like model's last-layer exit is not its
 * output, and the signed knockout formula turns a negative non-skill drop into the skill drop × 10⁶ at
 * the 0.5B-like model only. The family-mean rows' published prompts differ by scale as the seed's did
 * (2 test prompts per family at 0.5B, 1 for each of 8 families at 1.5B), on the Qwen families suite.
 */
class ScaleArtefactsTest {
    private static final String SMALL = "main";
    private static final String LARGE = "deep";
    private static final Map<String, String> NAMES = Map.of("a", SMALL, "b", LARGE);
    /** suites/qwen/families.jsonl, beside the tiny study's own {@code families}. */
    private static final String QWEN_FAMILIES = "qwen-families";
    /** The family-mean rows, whose published prompts the Qwen study sets per model. */
    private static final List<String> FAMILY_ROWS = List.of("universal-hub", "mlp-dominance", "head-specialisation", "layer-skipping",
            "early-exit");

    @TempDir
    static Path dir;

    static TinyStudy study;

    @BeforeAll
    static void writeStudy() {
        study = LoraStudy.create(dir);
        study.addSuite(StudyFiles.suite("qwen", "steering"));
        study.addSuite(new TaskSuite(QWEN_FAMILIES, StudyFiles.suite("qwen", "families").tasks()));
    }

    @AfterAll
    static void closeStudy() {
        study.close();
    }

    /** Runs a row published-only on both models with the Qwen study's per-model settings (less {@code without}) and {@code own}. */
    private static StepResult run(String id, Set<String> without, String own) {
        String settings = "models = [" + SMALL + ", " + LARGE + "], protocols = [published]\n"
                + StudyFiles.perModel("atlas-qwen.conf", id, NAMES, without) + "\n" + own;
        // the Qwen study's other settings of the row beneath (its per-model blocks name a and b, renamed above)
        Config qwen = ConfigFactory.parseString(StudyFiles.rowSettings("atlas-qwen.conf", id)).withoutPath("per-model");
        Experiment step = Steps.create(id, ConfigFactory.parseString(settings).withFallback(qwen).root()
                .render(ConfigRenderOptions.concise()));
        assertThat(step.validate(study.step(id))).extracting(Object::toString).as(id).isEmpty();
        return step.run(study, Progress.none());
    }

    private static List<String> flags(StepResult result, String model, Predicate<String> message) {
        Table flags = table(result, "atlas-flags");
        return flags.rows().stream().filter(r -> cell(flags, r, "model").equals(model)).map(r -> (String) cell(flags, r, "message"))
                .filter(message).toList();
    }

    private static List<Object> atlasRow(StepResult result, String key, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "model").equals(model)).findFirst()
                .orElseThrow(() -> new AssertionError("no atlas row " + key + " for " + model));
    }

    @Test
    void steeringComparesTheSeedsDifferentTokens() {
        StepResult result = run("steering-leverage", Set.of(), "layer = 1, random-vectors = 1");
        Table atlas = table(result, "atlas");
        assertThat(cell(atlas, atlasRow(result, "steering-leverage.token", SMALL), "value"))
                .isEqualTo(study.raw(SMALL).requireTokenizer().decode(new int[] {study.raw(SMALL).requireTokenizer().encode("rome")[0]}));
        assertThat(cell(atlas, atlasRow(result, "steering-leverage.token", LARGE), "value"))
                .isEqualTo(study.raw(LARGE).requireTokenizer().decode(new int[] {study.raw(LARGE).requireTokenizer().encode(" Rome")[0]}));
        for (String model : List.of(SMALL, LARGE)) {
            assertThat(flags(result, model, m -> m.contains("the published target token differs across models"))).hasSize(1);
        }
    }

    @Test
    void theLargeModelsLastLayerExitIsNotItsOutput() {
        // the tiny study's families suite has three of the Qwen study's published families: all of them here
        StepResult result = run("early-exit", Set.of("published-families"), "suite = families, split = all");
        Table atlas = table(result, "atlas");
        // 0.5B-like: the last layer special-cased to the model's own logits, 100% agreement, KL 0
        assertThat(number(atlas, atlasRow(result, "early-exit.final-layer", SMALL), "value")).isEqualTo(1.0);
        assertThat((String) cell(atlas, atlasRow(result, "early-exit.final-layer", SMALL), "display")).endsWith("(the model's own logits)");
        assertThat(flags(result, SMALL, m -> m.contains("the last layer's exit is not the model's output"))).isEmpty();
        // 1.5B-like: lm_head on the last layer's output without the final norm, which is not the model's output
        assertThat((String) cell(atlas, atlasRow(result, "early-exit.final-layer", LARGE), "display"))
                .endsWith("(lm_head without the final norm)");
        assertThat(flags(result, LARGE, m -> m.contains("the last layer's exit is not the model's output"))).hasSize(1);
    }

    @Test
    void theSignedKnockoutFormulaGivesTheSkillDropTimesAMillionAtTheSmallModelOnly() {
        StepResult result = run("skill-knockout", Set.of("layer"), "random-vectors = 0, per-model { main { layer = 0 }, deep { layer = 2 } }");
        Table atlas = table(result, "atlas");
        double skill = number(atlas, atlasRow(result, "skill-knockout.skill-drop", SMALL), "value");
        double nonSkill = number(atlas, atlasRow(result, "skill-knockout.non-skill-drop", SMALL), "value");
        assertThat(nonSkill).as("the 0.5B-like model's mean non-skill drop").isNegative();
        assertThat(number(atlas, atlasRow(result, "skill-knockout.selectivity", SMALL), "value"))
                .isCloseTo(skill * 1e6, within(1e-9 * Math.abs(skill * 1e6)));
        assertThat(flags(result, SMALL, m -> m.contains("× 10^6") && m.contains("formula signed"))).hasSize(1);
        double largeNonSkill = number(atlas, atlasRow(result, "skill-knockout.non-skill-drop", LARGE), "value");
        double largeSkill = number(atlas, atlasRow(result, "skill-knockout.skill-drop", LARGE), "value");
        assertThat(Math.abs(largeNonSkill)).isGreaterThan(1e-6);
        assertThat(number(atlas, atlasRow(result, "skill-knockout.selectivity", LARGE), "value"))
                .isCloseTo(largeSkill / Math.abs(largeNonSkill), within(1e-9 * Math.abs(largeSkill / largeNonSkill)));
        assertThat(flags(result, LARGE, m -> m.contains("× 10^"))).isEmpty();
    }

    @Test
    void thePublishedPromptsDifferByScaleOnTheQwenSuiteAndTheCorrectedKeepEveryPrompt() {
        String suite = "suite = " + QWEN_FAMILIES + ", split = test";
        for (String id : FAMILY_ROWS) {
            // the Qwen study's per-model settings of every family-mean row are valid against the Qwen suite (less the head
            // scan's layers, which the tiny models do not have)
            String settings = "models = [" + SMALL + ", " + LARGE + "], " + suite + "\n"
                    + StudyFiles.perModel("atlas-qwen.conf", id, NAMES, Set.of("published-layers"));
            assertThat(Steps.create(id, settings).validate(study.step(id))).extracting(Object::toString).as(id).isEmpty();
        }
        StepResult result = run("mlp-dominance", Set.of(), suite);
        Table prompts = table(result, "prompts");
        Map<String, List<String>> small = chosen(prompts, SMALL);
        Map<String, List<String>> large = chosen(prompts, LARGE);
        // 0.5B-like: the first 2 test prompts of each of the twelve families
        assertThat(small).hasSize(12).allSatisfy((family, tasks) -> assertThat(tasks).as(family).hasSize(2));
        assertThat(small.get("arithmetic")).containsExactly("arithmetic-00", "arithmetic-01");
        // 1.5B-like: the first prompt of each of 8 families
        assertThat(large).containsOnlyKeys("copying", "delimiter_tracking", "json_schema", "factual_recall", "arithmetic", "code_syntax",
                "code_semantics", "dead_code").allSatisfy((family, tasks) -> assertThat(tasks).as(family).hasSize(1));
        assertThat(large.get("dead_code")).containsExactly("dead_code-00");
        // the corrected protocol keeps every test prompt
        StepResult corrected = Steps.create("mlp-dominance", "models = [" + SMALL + "], protocols = [corrected], " + suite + "\n"
                + StudyFiles.perModel("atlas-qwen.conf", "mlp-dominance", NAMES, Set.of())).run(study, Progress.none());
        assertThat(chosen(table(corrected, "prompts"), SMALL).values().stream().mapToInt(List::size).sum()).isEqualTo(144);
    }

    /** The tasks of a model's first profile in a row's prompts table, by family. */
    private static Map<String, List<String>> chosen(Table prompts, String model) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        prompts.rows().stream().filter(r -> cell(prompts, r, "model").equals(model) && ((Number) cell(prompts, r, "layer")).intValue() == 0)
                .filter(r -> cell(prompts, r, "method").equals(cell(prompts, prompts.rows().get(0), "method")))
                .forEach(r -> out.computeIfAbsent((String) cell(prompts, r, "family"), f -> new java.util.ArrayList<>())
                        .add((String) cell(prompts, r, "task")));
        return out;
    }
}
