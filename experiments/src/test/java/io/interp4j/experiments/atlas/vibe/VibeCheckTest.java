package io.interp4j.experiments.atlas.vibe;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks vibe-check against generations made by hand (greedy, one full forward per new token, no KV
 * cache) on each variant loaded independently ({@code llm-int8} by the double-precision reference,
 * quantised as the step's KV-cache generation multiplies: {@code Independent.llmInt8Generation}), and
 * the seed's rules written out again in plain code.
 */
class VibeCheckTest extends TinyStudyTest {
    private static final int MAX_NEW = 8;
    private static final List<Quantization> VARIANTS = List.of(Quantization.NONE, Quantization.LLM_INT8, Quantization.NF4);
    private static StepResult result;
    private static long planned;
    private static long reported;
    private static long counted;

    @BeforeAll
    static void runOnce() {
        study.addSuite(new TaskSuite("generation", List.of(
                task("g0", "Write one sentence about the sea.", "sentences=1"),
                task("g1", "Return only JSON with key a.", "json-only; max-chars=5"),
                task("g2", "Describe Paris in a 280 char tweet.", "max-chars=280"),
                task("g3", "Tell me a story.", null),
                other())));
        Experiment step = Steps.create("vibe-check", "models = [main], suite = generation, max-new-tokens = " + MAX_NEW);
        assertThat(step.validate(study)).isEmpty();
        planned = step.forwardPasses(study);
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        result = step.run(study, progress);
        assertThat(study.loadedVariants()).as("each quantised variant is released after use").isZero();
        reported = progress.total();
        counted = study.takeForwards();
    }

    /**
     * What the seed's keyword rules recognise in the prompt texts above, worked out by hand in the metadata's
     * language: "one sentence" in g0; "280 char" in g2, checked as at most 500 characters (the seed's literal
     * check); nothing in g1 ("only JSON" is not "json only") or g3.
     */
    private static final Map<String, String> PUBLISHED = Map.of("g0", "sentences=1", "g2", "max-chars=500");

    private static Task task(String id, String prompt, String constraint) {
        return new Task(id, "generation", prompt, "", Optional.empty(), Optional.empty(), "test",
                constraint == null ? Map.of() : Map.of("constraint", constraint));
    }

    /** A task of another family, which the row leaves out. */
    private static Task other() {
        return new Task("x0", "other", "not a generation prompt", "", Optional.empty(), Optional.empty(), "test", Map.of());
    }

    /**
     * Greedy generation by hand: a full forward per new token, argmax (first on ties), stop after
     * end-of-text; under llm-int8 the forward is the double-precision reference's.
     */
    private static int[] generate(Model model, Path dir, int[] prompt) {
        int eos = model.config().eosTokenId().orElse(-1);
        List<Integer> sequence = new ArrayList<>();
        Arrays.stream(prompt).forEach(sequence::add);
        List<Integer> generated = new ArrayList<>();
        boolean llmInt8 = model.quantization().map(q -> q.scheme() == Quantization.LLM_INT8).orElse(false);
        for (int i = 0; i < MAX_NEW; i++) {
            int[] tokens = sequence.stream().mapToInt(Integer::intValue).toArray();
            double[] logits;
            if (llmInt8) {
                try (Checkpoint checkpoint = Checkpoint.open(dir)) {
                    logits = Independent.lastRow(Independent.llmInt8Generation(checkpoint, prompt.length).forward(tokens).logits());
                }
            } else {
                float[] engine = Independent.lastLogits(model, tokens);
                logits = new double[engine.length];
                for (int v = 0; v < engine.length; v++) {
                    logits[v] = engine[v];
                }
            }
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            sequence.add(best);
            generated.add(best);
            if (best == eos) {
                break;
            }
        }
        return generated.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The seed's rules, written out again: met / recognised for one prompt's constraints. */
    private static double[] score(String constraint, String text) {
        if (constraint == null) {
            return new double[] {0, 0};
        }
        int met = 0;
        String[] parts = constraint.split(";");
        for (String part : parts) {
            String c = part.trim();
            String t = text.trim();
            boolean ok;
            if (c.equals("json-only")) {
                ok = t.startsWith("{") && t.endsWith("}");
            } else if (c.startsWith("max-chars=")) {
                ok = text.codePoints().count() <= Integer.parseInt(c.substring(10));
            } else if (c.startsWith("sentences=")) {
                int sentences = 0;
                boolean inside = false;
                for (int i = 0; i < t.length(); i++) {
                    char ch = t.charAt(i);
                    if (!inside && !Character.isWhitespace(ch)) {
                        inside = true;
                        sentences++;
                    }
                    boolean end = ch == '.' || ch == '!' || ch == '?';
                    if (inside && end && (i + 1 == t.length() || Character.isWhitespace(t.charAt(i + 1)))) {
                        inside = false;
                    }
                }
                ok = sentences == Integer.parseInt(c.substring(10));
            } else {
                throw new AssertionError(c);
            }
            met += ok ? 1 : 0;
        }
        return new double[] {met, parts.length};
    }

    private static double repetition(String text) {
        String[] words = text.toLowerCase().trim().split("\\s+");
        if (text.isBlank() || words.length <= 10) {
            return 0;
        }
        Set<List<String>> bigrams = new HashSet<>();
        for (int i = 1; i < words.length; i++) {
            bigrams.add(List.of(words[i - 1], words[i]));
        }
        return 1 - bigrams.size() / (double) (words.length - 1);
    }

    private static List<Object> row(Table table, String variant, String task) {
        return table.rows().stream().filter(r -> cell(table, r, "variant").equals(variant) && cell(table, r, "task").equals(task))
                .findFirst().orElseThrow(() -> new AssertionError("no row " + variant + " " + task));
    }

    private static List<Object> atlasRow(String key, String protocol) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol))
                .findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key + " " + protocol));
    }

    @Test
    void countsForwardsAsAnUpperBoundReportedInFull() {
        // every variant, llm-int8 too (its outlier columns are each sequence's own): the 4 prompts batched, one forward per
        // row and step, then the first 3 alone after a 1-token warm-up
        assertThat(planned).isEqualTo(3L * (4 * MAX_NEW + 3 * (1 + MAX_NEW)));
        assertThat(reported).isEqualTo(planned);
        assertThat(counted).isBetween(3L * (4 + 3 * 2), planned);
        // one by one, as the seed: every prompt after its warm-up
        assertThat(Steps.create("vibe-check", "models = [main], suite = generation, max-new-tokens = " + MAX_NEW + ", generation-batch = 1")
                .forwardPasses(study)).isEqualTo(3L * 4 * (1 + MAX_NEW));
    }

    @Test
    void generationsAndTheirMeasuresMatchAHandGreedyLoopOnEachVariant() throws IOException {
        Table generations = table(result, "vibe-generations");
        assertThat(generations.rows()).hasSize(3 * 4);
        Path dir = study.raw("main").directory();
        List<String> lines = Files.readAllLines(study.artefacts().resolve("generations.jsonl"));
        assertThat(lines).hasSize(3 * 4);
        for (Quantization variant : VARIANTS) {
            String v = variant.configName();
            double publishedSum = 0;
            List<Double> constrained = new ArrayList<>();
            try (Model model = new DjlEngineProvider().load(Checkpoint.open(dir), new LoadOptions(Optional.empty(), variant))) {
                Tokenizer tokenizer = model.requireTokenizer();
                int eos = model.config().eosTokenId().orElseThrow();
                for (Task task : study.suite("generation").tasks()) {
                    if (!task.family().equals("generation")) {
                        continue;
                    }
                    int[] generated = generate(model, dir, tokenizer.encode(task.prompt()));
                    boolean stopped = generated[generated.length - 1] == eos;
                    String text = tokenizer.decode(stopped ? Arrays.copyOf(generated, generated.length - 1) : generated);
                    List<Object> row = row(generations, v, task.id());
                    assertThat(number(generations, row, "new_tokens")).as("%s %s", v, task.id()).isEqualTo(generated.length);
                    assertThat(cell(generations, row, "stopped_at_eos")).isEqualTo(stopped);
                    assertThat(number(generations, row, "repetition")).isCloseTo(repetition(text), within(1e-12));
                    String constraint = task.metadata().get("constraint");
                    double[] score = score(constraint, text);
                    assertThat(number(generations, row, "constraints")).isEqualTo(score[1]);
                    assertThat(number(generations, row, "met")).isEqualTo(score[0]);
                    double adherence = score[1] == 0 ? 0 : score[0] / score[1];
                    if (constraint != null) {
                        constrained.add(adherence);
                        assertThat(number(generations, row, "corrected_adherence")).isCloseTo(adherence, within(1e-12));
                    }
                    double[] seed = score(PUBLISHED.get(task.id()), text);
                    assertThat(number(generations, row, "published_recognised")).as("%s %s", v, task.id()).isEqualTo(seed[1]);
                    assertThat(number(generations, row, "published_met")).as("%s %s", v, task.id()).isEqualTo(seed[0]);
                    double published = seed[1] == 0 ? 0 : seed[0] / seed[1];
                    assertThat(number(generations, row, "published_adherence")).isCloseTo(published, within(1e-12));
                    publishedSum += published;
                    Config line = lines.stream().map(ConfigFactory::parseString)
                            .filter(c -> c.getString("variant").equals(v) && c.getString("task").equals(task.id())).findFirst()
                            .orElseThrow();
                    assertThat(line.getString("text")).isEqualTo(text);
                    assertThat(line.getString("prompt")).isEqualTo(task.prompt());
                    assertThat(line.getString("model")).isEqualTo("main");
                }
                QuantizationReport report = model.quantization().orElse(null);
                if (variant == Quantization.NONE) {
                    assertThat(report == null || report.scheme() == Quantization.NONE).isTrue();
                } else {
                    Table quant = table(result, "vibe-quantization");
                    double relative = report.rmsError() / report.rmsWeight();
                    assertThat(number(quant, row(quant, v), "relative_rms_error")).isCloseTo(relative, within(1e-12));
                    assertThat(number(table(result, "atlas"), atlasRow("vibe-check.quant-error." + v, "both"), "value"))
                            .isCloseTo(relative, within(1e-12));
                    assertThat(relative).isPositive();
                }
            }
            Table atlas = table(result, "atlas");
            assertThat(number(atlas, atlasRow("vibe-check.adherence." + v, "published"), "value")).isCloseTo(publishedSum / 4,
                    within(1e-12));
            List<Object> corrected = atlasRow("vibe-check.adherence." + v, "corrected");
            double mean = constrained.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertThat(number(atlas, corrected, "value")).isCloseTo(mean, within(1e-12));
            double min = constrained.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = constrained.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            assertThat(number(atlas, corrected, "ci_low")).isBetween(min, max);
            assertThat(number(atlas, corrected, "ci_high")).isBetween(number(atlas, corrected, "ci_low"), max);
        }
    }

    private static List<Object> row(Table table, String variant) {
        return table.rows().stream().filter(r -> cell(table, r, "variant").equals(variant)).findFirst().orElseThrow();
    }

    @Test
    void flagsThePublishedCeilingAndKeepsTimingsApart() {
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).singleElement().satisfies(r -> {
            assertThat(cell(flags, r, "kind")).isEqualTo("artefact");
            assertThat((String) cell(flags, r, "message")).contains("keyword rules recognise a constraint in only 2 of 4 prompts (the"
                    + " metadata states one in 3)").contains("50.0%");
        });
        Table timings = table(result, "vibe-timings");
        // the first 3 prompts timed alone, and the total, per variant (llm-int8 batched like the others)
        assertThat(timings.rows()).hasSize(3 * (3 + 1));
        assertThat(timings.rows().stream().filter(r -> cell(timings, r, "variant").equals("nf4")).map(r -> (String) cell(timings, r, "task")))
                .containsExactly("g0", "g1", "g2", "all");
        assertThat(timings.rows().stream().filter(r -> cell(timings, r, "variant").equals("llm-int8")).map(r -> (String) cell(timings, r, "task")))
                .containsExactly("g0", "g1", "g2", "all");
        assertThat(result.summary()).containsEntry("timed-prompts", "g0, g1, g2").containsEntry("generation-batch", 4)
                .containsEntry("constrained-prompts", 3L).containsEntry("published-recognised-prompts", 2L);
        assertThat(timings.rows()).allSatisfy(r -> assertThat(number(timings, r, "tokens_per_second")).isPositive());
        for (Table t : result.tables()) {
            if (!t.name().equals("vibe-timings")) {
                assertThat(t.columns()).noneMatch(c -> c.contains("second"));
            }
        }
        assertThat(result.summary().keySet()).noneMatch(k -> k.contains("second"));
    }

    @Test
    void rejectsBadSettingsWithTheirPaths() {
        assertThatThrownBy(() -> Steps.create("vibe-check", "variants = [none, fp16], max-new-tokens = 0, family = \"\""))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.vibe-check.variants: found [\"none\",\"fp16\"]; allowed: a non-empty list of"
                        + " distinct quantisations from [none, int8, nf4, q8, q4, llm-int8]")
                .hasMessageContaining("interp4j.experiment.vibe-check.max-new-tokens: found 0; allowed: an integer >= 1")
                .hasMessageContaining("interp4j.experiment.vibe-check.family: found \"\"");
        assertThatThrownBy(() -> Steps.create("vibe-check", "variants = [int8, int8]")).hasMessageContaining("variants: found");
        assertThatThrownBy(() -> Steps.create("vibe-check", "generation-batch = 0, timed-prompts = -1"))
                .hasMessageContaining("interp4j.experiment.vibe-check.generation-batch: found 0; allowed: all, or an integer >= 1")
                .hasMessageContaining("interp4j.experiment.vibe-check.timed-prompts: found -1; allowed: an integer >= 0");
        study.addSuite(new TaskSuite("bad-generation", List.of(task("b0", "Hi.", "words=3"))));
        assertThat(Steps.create("vibe-check", "models = [main], suite = bad-generation").validate(study)).extracting(Object::toString).containsExactly(
                P + ".suite: suite 'bad-generation' task 'b0': metadata constraint 'words=3' is not recognised; allowed: "
                        + Constraint.ALLOWED + ", or no constraint key");
        assertThat(Steps.create("vibe-check", "models = [main], suite = main").validate(study)).extracting(Object::toString).containsExactly(
                P + ".family: suite 'main' (split all) has no task of family 'generation'; its families: [arithmetic, copying,"
                        + " factual_recall]");
    }

    @Test
    void defaultsFollowTheSeed() {
        assertThat(Steps.create("vibe-check", "").describe())
                .contains("at most 200 new tokens, all prompts in one batch with the KV cache; tok/s at batch 1 on the first 3"
                        + " prompt(s), each after a 1-token warm-up)")
                .contains("family 'generation' per quantisation none, llm-int8, nf4")
                .contains("suite 'generation' (split all)")
                .contains("models all, protocols published, corrected");
    }
}
