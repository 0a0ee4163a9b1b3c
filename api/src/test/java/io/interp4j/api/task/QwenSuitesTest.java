package io.interp4j.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Checks the hand-written suites of the real models in suites/qwen (the test runs in api/). */
class QwenSuitesTest {
    private static final Path DIR = Path.of("..", "suites", "qwen");

    private static TaskSuite suite(String name) {
        return TaskSuites.read(name, DIR.resolve(name + ".jsonl"));
    }

    private static List<Task> family(TaskSuite suite, String family) {
        return suite.tasks().stream().filter(t -> t.family().equals(family)).toList();
    }

    @Test
    void everyFileParsesAndTheSuitesAreTheAgreedOnes() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl")).sorted().toList();
            assertThat(names).containsExactly("families.jsonl", "generation.jsonl", "knockout.jsonl", "lora-json.jsonl", "steering.jsonl");
            for (String n : names) {
                assertThat(TaskSuites.read(n, DIR.resolve(n)).tasks()).isNotEmpty();
            }
        }
    }

    @Test
    void familiesHasTheTwelveSeedFamiliesWithTenOrMoreTasksEach() {
        TaskSuite families = suite("families");
        Map<String, List<Task>> byFamily = families.byFamily();
        assertThat(byFamily.keySet()).containsExactlyElementsOf(SyntheticFamilies.families());
        byFamily.forEach((f, list) -> assertThat(list).as(f).hasSizeGreaterThanOrEqualTo(10));
        for (Task t : families.tasks()) {
            assertThat(t.split()).isEqualTo("test");
            assertThat(t.target()).as(t.id()).isNotEmpty();
            t.wrongTarget().ifPresent(w -> assertThat(t.corruptPrompt()).as(t.id()).isPresent());
            t.wrongTarget().ifPresent(w -> assertThat(w).as(t.id()).isNotEqualTo(t.target()));
            t.corruptPrompt().ifPresent(c -> assertThat(c).as(t.id()).isNotEqualTo(t.prompt()));
        }
        // every family but code_syntax has a clean/corrupt pair on every task
        assertThat(families.tasks()).filteredOn(t -> !t.family().equals("code_syntax")).allMatch(t -> t.corruptPrompt().isPresent());
    }

    @Test
    void arithmeticTargetsAreRight() {
        Pattern p = Pattern.compile("^(\\d+) ([-+*]) (\\d+) = $");
        for (Task t : family(suite("families"), "arithmetic")) {
            assertThat(t.target()).isEqualTo(evaluate(p, t.prompt()));
            assertThat(t.wrongTarget().orElseThrow()).isEqualTo(evaluate(p, t.corruptPrompt().orElseThrow()));
            // the answers' first digits differ, so their first tokens do
            assertThat(t.target().charAt(0)).isNotEqualTo(t.wrongTarget().get().charAt(0));
        }
        Task ko = suite("knockout").tasks().stream().filter(t -> "arithmetic".equals(t.metadata().get("skill"))).findFirst().orElseThrow();
        assertThat(ko.target()).isEqualTo(evaluate(p, ko.prompt()));
    }

    private static String evaluate(Pattern p, String prompt) {
        assertThat(prompt).as("arithmetic prompt shape").matches(p);
        return Long.toString(SuiteChecks.arithmetic(prompt));
    }

    @Test
    void copyingDelimiterAndJsonTargetsAreRight() {
        TaskSuite families = suite("families");
        for (Task t : family(families, "copying")) {
            checkCopy(t.prompt(), t.target());
            checkCopy(t.corruptPrompt().orElseThrow(), t.wrongTarget().orElseThrow());
        }
        for (Task t : family(families, "delimiter_tracking")) {
            assertThat(t.target()).isEqualTo(closers(t.prompt()));
            assertThat(t.wrongTarget().orElseThrow()).isEqualTo(closers(t.corruptPrompt().orElseThrow()));
        }
        for (Task t : family(families, "json_schema")) {
            assertThat(t.prompt()).startsWith("Return exactly valid JSON with keys ").endsWith("\n");
            checkCompactJson(t.prompt(), t.target());
            assertThat(t.wrongTarget()).isEmpty();
        }
        for (Task t : family(families, "factual_recall")) {
            assertThat(t.prompt()).matches("The capital of \\w+ is");
            assertThat(t.target()).matches(" [A-Z]\\w+");
        }
    }

    /** Space-separated letters: the pattern repeated, then a prefix of it; the target is the next letter. */
    private static void checkCopy(String prompt, String target) {
        String letters = prompt.replace(" ", "");
        for (int period = 2; period <= letters.length() / 2; period++) {
            String pattern = letters.substring(0, period);
            if ((pattern.repeat(letters.length() / period + 1)).startsWith(letters) && pattern.chars().distinct().count() == period) {
                assertThat(target).isEqualTo(" " + pattern.charAt(letters.length() % period));
                return;
            }
        }
        throw new AssertionError("no repeated pattern in " + prompt);
    }

    private static String closers(String prompt) {
        return SuiteChecks.closers(prompt.substring("Complete the closing delimiters: ".length()));
    }

    /** A compact JSON object whose values all occur in the prompt. */
    private static void checkCompactJson(String prompt, String target) {
        JsonObject o = JsonParser.parseString(target).getAsJsonObject();
        assertThat(new GsonBuilder().disableHtmlEscaping().create().toJson(o)).isEqualTo(target);
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            assertThat(prompt).contains(e.getKey()).contains(e.getValue().getAsString());
        }
    }

    @Test
    void steeringAndKnockoutHaveTheirFamilies() {
        TaskSuite steering = suite("steering");
        assertThat(steering.byFamily()).containsOnlyKeys("positive", "negative", "target");
        assertThat(family(steering, "positive")).hasSizeGreaterThanOrEqualTo(3)
                .allMatch(t -> t.prompt().matches("The capital of \\w+ is \\w+\\.") && t.target().isEmpty());
        assertThat(family(steering, "negative")).hasSizeGreaterThanOrEqualTo(3).allMatch(t -> !t.prompt().contains("capital"));
        // many readout prompts (an interval over prompts), the seed's Italy first, no positive sentence's country
        assertThat(family(steering, "target")).hasSizeGreaterThanOrEqualTo(20)
                .allMatch(t -> t.prompt().matches("The capital of \\w+ is") && t.target().matches(" [A-Z][a-z]+"))
                .noneMatch(t -> family(steering, "positive").stream().anyMatch(p -> p.prompt().startsWith(t.prompt() + " ")))
                .extracting(Task::prompt).doesNotHaveDuplicates();
        assertThat(family(steering, "target").get(0).prompt()).isEqualTo("The capital of Italy is");
        assertThat(family(steering, "target").get(0).target()).isEqualTo(" Rome");

        TaskSuite knockout = suite("knockout");
        assertThat(knockout.byFamily()).containsOnlyKeys("positive", "negative", "skill", "non-skill");
        assertThat(family(knockout, "positive")).hasSize(5);
        assertThat(family(knockout, "negative")).hasSize(5);
        assertThat(family(knockout, "skill")).extracting(Task::target).contains(" Rome", " Madrid");
        assertThat(family(knockout, "skill")).allMatch(t -> t.prompt().matches("The capital of \\w+ is"));
        assertThat(family(knockout, "non-skill")).extracting(t -> t.metadata().get("skill")).contains("json_schema", "copying");
        for (Task t : family(knockout, "non-skill")) {
            if (t.metadata().get("skill").equals("json_schema")) {
                checkCompactJson(t.prompt(), t.target());
            } else if (t.metadata().get("skill").equals("copying")) {
                checkCopy(t.prompt(), t.target());
            }
        }
    }

    @Test
    void loraJsonHasTrainAndTestExamplesInTheSeedFormat() {
        TaskSuite lora = suite("lora-json");
        assertThat(lora.byFamily()).containsOnlyKeys("json_training");
        assertThat(lora.split("train").tasks()).hasSizeBetween(10, 20);
        assertThat(lora.split("test").tasks()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(lora.split("train").tasks().size() + lora.split("test").tasks().size()).isEqualTo(lora.tasks().size());
        for (Task t : lora.tasks()) {
            assertThat(t.prompt()).endsWith(" ### Answer:\n");
            checkCompactJson(t.prompt(), t.target());
        }
    }

    @Test
    void generationHasThirtyPromptsWithCheckableConstraints() {
        TaskSuite generation = suite("generation");
        assertThat(generation.tasks()).hasSize(30).allMatch(t -> t.family().equals("generation") && t.split().equals("test"));
        int constrained = 0;
        for (Task t : generation.tasks()) {
            assertThat(t.metadata().keySet()).isSubsetOf("constraint");
            String c = t.metadata().get("constraint");
            if (c == null) {
                continue;
            }
            constrained++;
            assertThat(c).matches("sentences=\\d+|lines=\\d+|bullets=\\d+|json-only|max-chars=(280|500)");
            // the prompt states the constraint in words, some as the seed's keyword rules recognise them ("exactly 3
            // sentences", "JSON only", "280 characters"), some otherwise ("a single sentence", "a two-line poem")
            String n = c.substring(c.indexOf('=') + 1);
            String word = List.of("", "single", "two", "three", "four", "five").get(Math.min(5, c.contains("=") ? Integer.parseInt(n) : 0));
            List<String> stated = switch (c.replaceAll("=\\d+", "")) {
                case "sentences" -> List.of("exactly " + n + " sentence", "a " + word + " sentence", "a " + word + "-sentence");
                case "lines" -> List.of("exactly " + n + " line", "a " + word + "-line");
                case "bullets" -> List.of("exactly " + n + " ");
                case "json-only" -> List.of("JSON only", "only JSON", "nothing but JSON");
                default -> List.of("at most " + n + " characters");
            };
            assertThat(stated).as(t.id() + ": " + t.prompt()).anyMatch(t.prompt()::contains);
            if (c.startsWith("bullets")) {
                assertThat(t.prompt()).contains("bullet points");
            }
        }
        assertThat(constrained).isEqualTo(16);
    }
}
