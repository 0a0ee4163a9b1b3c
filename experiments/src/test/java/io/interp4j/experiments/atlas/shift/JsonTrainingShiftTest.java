package io.interp4j.experiments.atlas.shift;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.lora.TrainedStudy;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsonTrainingShiftTest extends TinyStudyTest {
    private static final String SETTINGS = "models = [main], training-step = " + TrainedStudy.STEP + ", suite = fam, split = all";
    /** Per family, KL(trained ‖ base) of each prompt, computed independently. */
    private static final Map<String, double[]> KL = new LinkedHashMap<>();

    @BeforeAll
    static void trainAndMeasure() {
        TrainedStudy.prepare(study);
        TrainedStudy.train(study, "[2]");
        Model base = study.raw("main");
        Tokenizer tokenizer = base.requireTokenizer();
        try (Model trained = TrainedStudy.load(study, "main", study.artefacts(TrainedStudy.STEP).resolve("main/adapter"))) {
            Map<String, List<Task>> byFamily = study.suite("fam").byFamily();
            byFamily.forEach((family, tasks) -> KL.put(family, tasks.stream().mapToDouble(t -> {
                int[] tokens = tokenizer.encode(t.prompt());
                return Independent.kl(Independent.lastLogits(trained, tokens), Independent.lastLogits(base, tokens));
            }).toArray()));
        }
    }

    private static String largest(Map<String, Double> byFamily) {
        return byFamily.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a).orElseThrow().getKey();
    }

    @Test
    void perFamilyShiftsMatchAnIndependentKlOfTheMergedModelAgainstTheBase() {
        Experiment shift = Steps.create("json-training-shift", SETTINGS);
        assertThat(shift.validate(study)).isEmpty();
        assertThat(shift.dependsOn()).containsExactly(TrainedStudy.STEP);
        assertThat(shift.forwardPasses(study)).isEqualTo(2 * 11);
        Steps.Counter progress = new Steps.Counter();
        StepResult result = shift.run(study, progress);
        assertThat(progress.total()).isEqualTo(shift.forwardPasses(study));

        StepResult.Table shifts = table(result, "shift");
        Map<String, Double> published = new LinkedHashMap<>();
        Map<String, Double> corrected = new LinkedHashMap<>();
        KL.forEach((family, values) -> {
            published.put(family, values[0]);
            corrected.put(family, java.util.Arrays.stream(values).average().orElseThrow());
        });
        assertThat(published.values()).allSatisfy(v -> assertThat(v).isGreaterThan(1e-6));
        for (String protocol : List.of("published", "corrected")) {
            Map<String, Double> expected = protocol.equals("published") ? published : corrected;
            List<List<Object>> rows = shifts.rows().stream().filter(r -> r.get(1).equals(protocol)).toList();
            assertThat(rows).extracting(r -> r.get(2)).containsExactlyElementsOf(expected.keySet());
            for (List<Object> row : rows) {
                String family = (String) row.get(2);
                assertThat(number(shifts, row, "kl")).as("%s %s", protocol, family).isCloseTo(expected.get(family),
                        within(1e-6 + 1e-4 * expected.get(family)));
                assertThat(number(shifts, row, "prompts")).isEqualTo(protocol.equals("published") ? 1 : KL.get(family).length);
                if (protocol.equals("corrected")) {
                    assertThat(number(shifts, row, "ci_low")).isLessThanOrEqualTo(number(shifts, row, "kl") + 1e-12);
                    assertThat(number(shifts, row, "ci_high")).isGreaterThanOrEqualTo(number(shifts, row, "kl") - 1e-12);
                } else {
                    assertThat(cell(shifts, row, "ci_low")).isNull();
                }
            }
            String top = largest(expected);
            StepResult.Table atlas = table(result, AtlasRows.TABLE);
            List<Object> headline = atlas.rows().stream().filter(r -> r.get(1).equals("json-training-shift.largest-family")
                    && r.get(2).equals(protocol)).findFirst().orElseThrow();
            assertThat(cell(atlas, headline, "value")).isEqualTo(top);
            StepResult.Table flags = table(result, AtlasRows.FLAGS);
            boolean flagged = flags.rows().stream().anyMatch(r -> r.get(1).equals(protocol) && r.get(3).equals("artefact")
                    && ((String) r.get(4)).startsWith("json_schema is not the largest shift: " + top + " is"));
            assertThat(flagged).isEqualTo(!top.equals("json_schema"));
        }
        assertThat(table(result, "shift-prompts").rows()).hasSize(11);
    }

    @Test
    void anotherExpectedFamilyIsFlaggedWhenItIsNotTheLargest() {
        Map<String, Double> published = new LinkedHashMap<>();
        KL.forEach((family, values) -> published.put(family, values[0]));
        String top = largest(published);
        String other = published.keySet().stream().filter(f -> !f.equals(top)).findFirst().orElseThrow();
        Experiment shift = Steps.create("json-training-shift", SETTINGS + ", protocols = [published], expected-family = " + other);
        assertThat(shift.forwardPasses(study)).isEqualTo(2 * 4);
        StepResult result = shift.run(study, new Steps.Counter());
        StepResult.Table flags = table(result, AtlasRows.FLAGS);
        assertThat(flags.rows()).singleElement().satisfies(r -> assertThat((String) cell(flags, r, "message"))
                .startsWith(other + " is not the largest shift: " + top + " is"));
        StepResult.Table atlas = table(result, AtlasRows.TABLE);
        List<Object> rank = atlas.rows().stream().filter(r -> r.get(1).equals("json-training-shift.expected-rank")).findFirst().orElseThrow();
        long larger = published.values().stream().filter(v -> v > published.get(other)).count();
        assertThat(number(atlas, rank, "value")).isEqualTo(larger + 1);
    }

    @Test
    void badSettingsAreReportedWithTheirPaths() {
        assertThat(Steps.create("json-training-shift", SETTINGS + ", families = [copying, arithmetic]").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".expected-family: family 'json_schema' is not among the families measured [arithmetic, copying];"
                        + " name one of them, or add it to families");
        assertThat(Steps.create("json-training-shift", "models = [main, tiny], suite = fam, split = dev").validate(study)).extracting(Object::toString)
                .containsExactly(P + ".models: unknown model 'tiny'; the study's models: [deep, main, other, untokenized]",
                        P + ".split: split 'dev' selects no task of suite 'fam'; its splits: all, test");
        assertThatThrownBy(() -> Steps.create("json-training-shift", "expected-family = \" \", families = all-of-them"))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).problems().stream().map(Object::toString).toList()).containsExactlyInAnyOrder(
                        "interp4j.experiment.json-training-shift.families: found \"all-of-them\"; allowed: all or a non-empty list of"
                                + " distinct names",
                        "interp4j.experiment.json-training-shift.expected-family: found \" \"; allowed: a non-empty string"));
    }

    @Test
    void aModelTheTrainingStepLeftOutIsNamed() {
        Experiment shift = Steps.create("json-training-shift", "models = [other], training-step = " + TrainedStudy.STEP
                + ", suite = fam, split = all");
        assertThatThrownBy(() -> shift.run(study, new Steps.Counter()))
                .isInstanceOf(Interp4jException.class)
                .hasMessageStartingWith(P + ".training-step: step '" + TrainedStudy.STEP + "' left no adapter for model 'other'");
    }
}
