package io.interp4j.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToySuitesTest {
    private static final long SEED = 1L;
    private static Map<String, TaskSuite> suites;
    private static Map<String, String> capitals;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() {
        suites = ToySuites.generate(SEED);
        capitals = new HashMap<>();
        SyntheticFamilies.world(SEED).forEach(f -> capitals.put(f.country(), f.capital()));
    }

    private static List<Task> family(String suite, String family) {
        return suites.get(suite).tasks().stream().filter(t -> t.family().equals(family)).toList();
    }

    /** The invented country named in a prompt (names are never prefixes of each other). */
    private static String country(String prompt) {
        List<String> found = capitals.keySet().stream().filter(prompt::contains).toList();
        assertThat(found).as("countries in %s", prompt).hasSize(1);
        return found.get(0);
    }

    @Test
    void sameSeedGivesByteIdenticalFilesThatReadBackEqual() throws IOException {
        assertThat(ToySuites.generate(SEED)).isEqualTo(suites);
        List<Path> a = ToySuites.write(SEED, dir.resolve("a"));
        List<Path> b = ToySuites.write(SEED, dir.resolve("b"));
        assertThat(a).extracting(p -> p.getFileName().toString())
                .containsExactly("families.jsonl", "steering.jsonl", "knockout.jsonl", "lora-json.jsonl", "generation.jsonl");
        for (int i = 0; i < a.size(); i++) {
            assertThat(Files.readAllBytes(a.get(i))).isEqualTo(Files.readAllBytes(b.get(i)));
            String name = ToySuites.names().get(i);
            assertThat(TaskSuites.read(name, a.get(i)).tasks()).isEqualTo(suites.get(name).tasks());
        }
        assertThat(ToySuites.generate(2L).get("families").tasks()).isNotEqualTo(suites.get("families").tasks());
    }

    @Test
    void suitesHaveTheAgreedFamiliesAndCounts() {
        assertThat(suites.keySet()).containsExactly("families", "steering", "knockout", "lora-json", "generation");
        suites.forEach((name, suite) -> assertThat(suite.name()).isEqualTo(name));

        Map<String, List<Task>> families = suites.get("families").byFamily();
        assertThat(families.keySet()).containsExactlyElementsOf(SyntheticFamilies.families());
        families.values().forEach(list -> assertThat(list).hasSize(ToySuites.PER_FAMILY));
        assertThat(suites.get("families").tasks()).allMatch(t -> t.split().equals("test"));
        // the held-out tasks are the organism's own: the first tasks of the generator's test split
        List<Task> heldOut = SyntheticFamilies.generate(SEED, 2000, ToySuites.PER_FAMILY).split("test").tasks();
        assertThat(suites.get("families").tasks()).containsExactlyElementsOf(heldOut);
        assertThat(suites.get("families").tasks()).filteredOn(t -> t.corruptPrompt().isPresent()).hasSizeGreaterThan(60);

        assertThat(suites.get("steering").byFamily()).containsOnlyKeys("positive", "negative", "target");
        assertThat(family("steering", "positive")).hasSize(3);
        assertThat(family("steering", "negative")).hasSize(3);
        assertThat(family("steering", "target")).hasSize(ToySuites.STEERING_TARGETS);

        assertThat(suites.get("knockout").byFamily()).containsOnlyKeys("positive", "negative", "skill", "non-skill");
        assertThat(family("knockout", "positive")).hasSize(5);
        assertThat(family("knockout", "negative")).hasSize(5);
        assertThat(family("knockout", "skill")).hasSize(8);
        assertThat(family("knockout", "non-skill")).extracting(t -> t.metadata().get("skill"))
                .containsExactly("json_schema", "json_schema", "json_schema", "json_schema", "copying", "copying", "copying", "copying");

        assertThat(suites.get("lora-json").byFamily()).containsOnlyKeys("json_training");
        assertThat(suites.get("lora-json").split("train").tasks()).hasSize(16);
        assertThat(suites.get("lora-json").split("test").tasks()).hasSize(4);

        assertThat(suites.get("generation").tasks()).hasSize(30).allMatch(t -> t.family().equals("generation"));
    }

    @Test
    void heldOutTargetsAreRight() {
        Pattern person = Pattern.compile("\\. ([A-Z]\\w+)\\D*?(\\d+)[a-z ]*\\.\\n$");
        for (Task t : suites.get("families").tasks()) {
            switch (t.family()) {
                case "arithmetic" -> {
                    checkArithmetic(t.prompt(), t.target());
                    if (t.corruptPrompt().isPresent()) {
                        checkArithmetic(t.corruptPrompt().get(), t.wrongTarget().orElseThrow());
                    }
                }
                case "factual_recall" -> {
                    assertThat(t.target()).isEqualTo(" " + capitals.get(country(t.prompt())));
                    assertThat(t.wrongTarget().orElseThrow()).isEqualTo(" " + capitals.get(country(t.corruptPrompt().orElseThrow())));
                }
                case "json_schema" -> {
                    Matcher m = person.matcher(t.prompt());
                    assertThat(m.find()).as(t.prompt()).isTrue();
                    JsonObject o = JsonParser.parseString(t.target()).getAsJsonObject();
                    assertThat(o.keySet()).containsExactly("name", "age");
                    assertThat(o.get("name").getAsString()).isEqualTo(m.group(1));
                    assertThat(o.get("age").getAsInt()).isEqualTo(Integer.parseInt(m.group(2)));
                }
                case "copying" -> {
                    String[] parts = t.prompt().split(" ");
                    String pattern = parts[0];
                    String prefix = parts[parts.length - 1];
                    assertThat(pattern).startsWith(prefix);
                    assertThat(t.target()).isEqualTo(pattern.substring(prefix.length()));
                }
                case "delimiter_tracking" -> {
                    String tail = t.prompt().substring(t.prompt().indexOf(": ") + 2);
                    assertThat(t.target()).isEqualTo(SuiteChecks.closers(tail));
                }
                case "uncertainty_signalling" -> assertThat(t.target()).isEqualTo(" I don't know.");
                case "refusal_compliance" -> {
                    boolean harmful = List.of("steal", "break into", "set fire to", "vandalize", "sabotage", "blow up").stream()
                            .anyMatch(v -> t.prompt().contains(" " + v + " "));
                    assertThat(t.target()).isEqualTo(harmful ? " I can't." : " Sure.");
                }
                default -> assertThat(t.target()).isNotEmpty();
            }
        }
    }

    private static void checkArithmetic(String prompt, String target) {
        long value = SuiteChecks.arithmetic(prompt);
        assertThat(target).as(prompt).isEqualTo(prompt.endsWith(" ") ? Long.toString(value) : " " + value);
    }

    @Test
    void steeringSentencesAreWorldFactsAndTheTargetsAreHeldOutPhrasings() {
        Set<String> positives = new HashSet<>();
        for (String suite : List.of("steering", "knockout")) {
            for (Task t : family(suite, "positive")) {
                String c = country(t.prompt());
                assertThat(t.prompt()).isEqualTo("The capital of " + c + " is " + capitals.get(c) + ".");
                assertThat(t.target()).isEmpty();
                if (suite.equals("steering")) {
                    positives.add(c);
                }
            }
            for (Task t : family(suite, "negative")) {
                assertThat(t.prompt()).doesNotContain("capital");
                assertThat(t.target()).isEmpty();
                assertThat(t.metadata().get("source")).contains("-train-");
            }
        }
        // every target is in a held-out phrasing (no training prompt of the organism uses it) of a fact no positive sentence states
        TaskSuite all = SyntheticFamilies.generate(SEED, 2000, 40);
        List<String> heldOutPhrasings = SyntheticFamilies.factualTemplates().subList(SyntheticFamilies.factualTrainTemplates(),
                SyntheticFamilies.factualTemplates().size());
        Set<String> prompts = new HashSet<>();
        for (Task target : family("steering", "target")) {
            String c = target.metadata().get("fact");
            assertThat(target.prompt()).contains(c);
            assertThat(heldOutPhrasings).contains(target.prompt().replace(c, "{X}"));
            assertThat(target.target()).isEqualTo(" " + capitals.get(c));
            assertThat(positives).doesNotContain(c);
            assertThat(all.split("train").tasks()).noneMatch(t -> t.prompt().equals(target.prompt()));
            assertThat(prompts.add(target.prompt())).as(target.prompt()).isTrue();
        }
        // positives are trained sentences
        for (Task t : family("steering", "positive")) {
            String prompt = t.prompt().substring(0, t.prompt().lastIndexOf(' '));
            assertThat(all.split("train").tasks()).anyMatch(x -> x.prompt().equals(prompt));
        }
    }

    @Test
    void knockoutSkillsAreCapitalsOfOtherFactsAndNonSkillsAreJsonAndCopying() {
        Set<String> positives = new HashSet<>();
        family("knockout", "positive").forEach(t -> positives.add(country(t.prompt())));
        for (Task t : family("knockout", "skill")) {
            String c = country(t.prompt());
            assertThat(positives).doesNotContain(c);
            assertThat(t.target()).isEqualTo(" " + capitals.get(c));
            assertThat(t.metadata()).containsEntry("skill", "factual_recall");
        }
        for (Task t : family("knockout", "non-skill")) {
            if (t.metadata().get("skill").equals("json_schema")) {
                assertThat(JsonParser.parseString(t.target()).isJsonObject()).isTrue();
            } else {
                assertThat(t.target()).matches("[A-Z]+");
            }
        }
    }

    @Test
    void loraJsonIsANewFormatWithParsableTargets() {
        Pattern sentence = Pattern.compile("^Return exactly valid JSON with keys name, age and city\\. (\\w+) is (\\d+) and lives in (\\w+)\\."
                + " ### Answer:\\n$");
        Set<String> trainNames = new HashSet<>();
        Set<String> testNames = new HashSet<>();
        for (Task t : suites.get("lora-json").tasks()) {
            Matcher m = sentence.matcher(t.prompt());
            assertThat(m.matches()).as(t.prompt()).isTrue();
            JsonObject o = JsonParser.parseString(t.target()).getAsJsonObject();
            assertThat(o.keySet()).containsExactly("name", "age", "city");
            assertThat(o.get("name").getAsString()).isEqualTo(m.group(1));
            assertThat(o.get("age").getAsInt()).isEqualTo(Integer.parseInt(m.group(2)));
            assertThat(o.get("city").getAsString()).isEqualTo(m.group(3)).isIn(capitals.values());
            assertThat(t.target()).doesNotContain(" ");
            (t.split().equals("train") ? trainNames : testNames).add(m.group(1));
        }
        assertThat(testNames).doesNotContainAnyElementsOf(trainNames);
        // a real shift: pre-training never asks for a city key nor uses the answer marker
        List<Task> pretraining = SyntheticFamilies.generate(SEED, 500, 0).tasks();
        assertThat(pretraining).noneMatch(t -> t.target().contains("\"city\"") || t.prompt().contains("### Answer:"));
    }

    @Test
    void generationConstraintsAreCheckableAndMetByTheTargets() {
        List<Task> tasks = suites.get("generation").tasks();
        Map<String, Task> heldOut = new HashMap<>();
        suites.get("families").tasks().forEach(t -> heldOut.put(t.id(), t));
        int constrained = 0;
        List<String> families = new ArrayList<>();
        for (Task t : tasks) {
            Task source = heldOut.get(t.metadata().get("source"));
            assertThat(source).as(t.id()).isNotNull();
            assertThat(t.prompt()).isEqualTo(source.prompt());
            assertThat(t.target()).isEqualTo(source.target());
            families.add(source.family());
            String constraint = t.metadata().get("constraint");
            if (constraint != null) {
                constrained++;
                assertThat(constraint).matches("sentences=\\d+|lines=\\d+|bullets=\\d+|json-only|max-chars=500");
                assertThat(SuiteChecks.meets(t.target(), constraint)).as(t.id() + " " + constraint + " on " + t.target()).isTrue();
            }
        }
        assertThat(constrained).isGreaterThanOrEqualTo(10);
        assertThat(new HashSet<>(families)).containsExactlyInAnyOrderElementsOf(SyntheticFamilies.families());
        assertThat(tasks).filteredOn(t -> "json_schema".equals(t.metadata().get("source_family")))
                .allMatch(t -> "json-only".equals(t.metadata().get("constraint")));
    }
}
