package io.interp4j.api.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.Interp4jException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SyntheticFamiliesTest {
    private static final TaskSuite SUITE = SyntheticFamilies.generate(42L, 200, 40);

    private static List<Task> tasks(TaskSuite suite, String family, String split) {
        return suite.tasks().stream().filter(t -> t.family().equals(family) && t.split().equals(split)).toList();
    }

    @Test
    void sameSeedGivesEqualSuiteAndDifferentSeedsDifferentFacts() {
        assertThat(SyntheticFamilies.generate(42L, 200, 40).tasks()).isEqualTo(SUITE.tasks());
        assertThat(SyntheticFamilies.generate(42L, 200, 40)).isEqualTo(SUITE);
        assertThat(SyntheticFamilies.world(42L)).isEqualTo(SyntheticFamilies.world(42L));

        Set<SyntheticFamilies.Fact> a = new HashSet<>(SyntheticFamilies.world(1L));
        Set<SyntheticFamilies.Fact> b = new HashSet<>(SyntheticFamilies.world(2L));
        a.retainAll(b);
        assertThat(a).isEmpty();
        assertThat(SyntheticFamilies.generate(43L, 200, 40).tasks()).isNotEqualTo(SUITE.tasks());
    }

    @Test
    void everyFamilyHasTheRequestedCountsInOrder() {
        Map<String, List<Task>> byFamily = SUITE.byFamily();
        assertThat(byFamily.keySet()).containsExactlyElementsOf(SyntheticFamilies.families());
        assertThat(SyntheticFamilies.families()).hasSize(12);
        for (String family : SyntheticFamilies.families()) {
            List<Task> list = byFamily.get(family);
            assertThat(list).hasSize(240);
            for (int i = 0; i < 240; i++) {
                String split = i < 200 ? "train" : "test";
                int index = i < 200 ? i : i - 200;
                assertThat(list.get(i).id()).isEqualTo(family + "-" + split + "-" + index);
                assertThat(list.get(i).split()).isEqualTo(split);
            }
        }
        assertThat(SUITE.split("train").tasks()).hasSize(12 * 200);
        assertThat(SUITE.split("test").tasks()).hasSize(12 * 40);
        assertThat(SyntheticFamilies.generate(5L, 0, 3).tasks()).hasSize(36);
    }

    @Test
    void rejectsBadCounts() {
        assertThatThrownBy(() -> SyntheticFamilies.generate(1L, -1, 2)).isInstanceOf(Interp4jException.class);
        assertThatThrownBy(() -> SyntheticFamilies.generate(1L, 0, 0)).isInstanceOf(Interp4jException.class);
    }

    @Test
    void targetsAreShortAndStartUnambiguously() {
        for (Task t : SUITE.tasks()) {
            int max = t.family().equals("json_schema") ? 30 : 14;
            assertThat(t.target().length()).as(t.id()).isBetween(1, max);
            char last = t.prompt().charAt(t.prompt().length() - 1);
            boolean wordEnd = Character.isLetterOrDigit(last) || last == ':' || last == '=';
            if (wordEnd && !t.family().equals("copying")) {
                assertThat(Character.isLetterOrDigit(t.target().charAt(0))).as(t.id() + " " + t.prompt()).isFalse();
            }
            if (last == ' ') {
                assertThat(t.family()).as(t.id() + " ends with a space").isEqualTo("arithmetic");
            }
            assertThat(t.metadata()).containsKey("key");
            t.wrongTarget().ifPresent(w -> assertThat(w).as(t.id()).isNotEqualTo(t.target()));
            t.corruptPrompt().ifPresent(c -> assertThat(c).as(t.id()).isNotEqualTo(t.prompt()));
        }
    }

    @Test
    void noTestStructureOrPromptOccursInTraining() {
        // a key (a letter pattern, a name and age) may recur in another structure; HeldOutSplitsTest checks renamings
        for (String family : SyntheticFamilies.families()) {
            Set<String> trainStructures = tasks(SUITE, family, "train").stream().map(t -> t.metadata().get("structure")).collect(Collectors.toSet());
            Set<String> trainPrompts = tasks(SUITE, family, "train").stream().map(Task::prompt).collect(Collectors.toSet());
            for (Task t : tasks(SUITE, family, "test")) {
                assertThat(trainStructures).as(t.id()).doesNotContain(t.metadata().get("structure"));
                assertThat(trainPrompts).as(t.id()).doesNotContain(t.prompt());
            }
        }
    }

    @Test
    void arithmeticTargetsAreComputedAndTestPromptsAreUnseenPromptsOfSeenFacts() {
        Pattern p = Pattern.compile("(\\d+) ([-+*]) (\\d+)");
        Set<String> trainPrompts = new HashSet<>();
        Set<String> trainFacts = new HashSet<>();
        for (String split : List.of("train", "test")) {
            for (Task t : tasks(SUITE, "arithmetic", split)) {
                Matcher m = p.matcher(t.prompt());
                assertThat(m.find()).as(t.prompt()).isTrue();
                int a = Integer.parseInt(m.group(1));
                int b = Integer.parseInt(m.group(3));
                int expected = switch (m.group(2)) {
                    case "+" -> a + b;
                    case "-" -> a - b;
                    default -> a * b;
                };
                String space = t.prompt().endsWith(" ") ? "" : " ";
                assertThat(t.target()).as(t.prompt()).isEqualTo(space + expected);
                assertThat(expected).isNotNegative();
                assertThat(Math.max(a, b)).isLessThanOrEqualTo(m.group(2).equals("*") ? 10 : 12);
                String fact = m.group();
                if (split.equals("train")) {
                    trainPrompts.add(t.prompt());
                    trainFacts.add(fact);
                } else {
                    assertThat(trainPrompts).doesNotContain(t.prompt());
                    assertThat(trainFacts).as("fact of " + t.id() + " is trained").contains(fact);
                }
                // the contrast prompt: another fact in the same phrasing, with its own answer
                Matcher c = p.matcher(t.corruptPrompt().orElseThrow());
                assertThat(c.find()).isTrue();
                assertThat(t.corruptPrompt().get().replace(c.group(), "X")).isEqualTo(t.prompt().replace(fact, "X"));
                int ca = Integer.parseInt(c.group(1));
                int cb = Integer.parseInt(c.group(3));
                int v = c.group(2).equals("+") ? ca + cb : c.group(2).equals("-") ? ca - cb : ca * cb;
                assertThat(t.wrongTarget()).contains(space + v);
                assertThat(v).isNotEqualTo(expected);
            }
        }
    }

    @Test
    void factualTestPromptsAreHeldOutPhrasingsOfSeenFacts() {
        List<SyntheticFamilies.Fact> world = SyntheticFamilies.world(42L);
        assertThat(world).hasSize(SyntheticFamilies.WORLD_SIZE);
        Map<String, String> capitals = new HashMap<>();
        world.forEach(f -> capitals.put(f.country(), f.capital()));
        List<String> names = world.stream().flatMap(f -> java.util.stream.Stream.of(f.country(), f.capital())).toList();
        assertThat(new HashSet<>(names)).hasSize(80);
        for (String x : names) {
            assertThat(x).matches("[A-Z][a-z]{3,11}");
            for (String y : names) {
                if (!x.equals(y)) {
                    assertThat(y).doesNotStartWith(x);
                }
            }
        }
        int trainPhrasings = SyntheticFamilies.factualTrainTemplates();
        assertThat(trainPhrasings).isBetween(1, SyntheticFamilies.factualTemplates().size() - 1);
        for (int trainCount : new int[] {200, 10}) {
            // with 10 trained facts there are 10 x 2 held-out prompts
            TaskSuite suite = SyntheticFamilies.generate(42L, trainCount, trainCount == 10 ? 20 : 40);
            Map<String, Set<String>> trainTemplates = new HashMap<>();
            for (Task t : tasks(suite, "factual_recall", "train")) {
                trainTemplates.computeIfAbsent(t.metadata().get("fact"), k -> new HashSet<>()).add(t.metadata().get("template"));
            }
            if (trainCount >= SyntheticFamilies.WORLD_SIZE) {
                assertThat(trainTemplates.keySet()).isEqualTo(capitals.keySet());
            }
            for (Task t : tasks(suite, "factual_recall", "test")) {
                String fact = t.metadata().get("fact");
                assertThat(trainTemplates).as("fact of " + t.id() + " is trained").containsKey(fact);
                assertThat(trainTemplates.get(fact)).doesNotContain(t.metadata().get("template")).isNotEmpty();
                assertThat(Integer.parseInt(t.metadata().get("template"))).as(t.id() + " is in a held-out phrasing").isGreaterThanOrEqualTo(trainPhrasings);
                assertThat(t.target()).isEqualTo(" " + capitals.get(fact));
                String template = SyntheticFamilies.factualTemplates().get(Integer.parseInt(t.metadata().get("template")));
                assertThat(t.prompt()).isEqualTo(template.replace("{X}", fact));
                String other = t.wrongTarget().orElseThrow().substring(1);
                String otherCountry = world.stream().filter(f -> f.capital().equals(other)).findFirst().orElseThrow().country();
                assertThat(t.corruptPrompt()).contains(template.replace("{X}", otherCountry));
            }
        }
        // the question phrasing, which uncertainty_signalling asks about unknown countries, is never held out:
        // with one round per training template every known country is trained in it
        String question = Integer.toString(SyntheticFamilies.factualTemplates().indexOf("Q: What is the capital of {X}?\nA:"));
        assertThat(question).isNotEqualTo("-1");
        TaskSuite full = SyntheticFamilies.generate(42L, SyntheticFamilies.WORLD_SIZE * (SyntheticFamilies.factualTemplates().size() - 1), 40);
        assertThat(tasks(full, "factual_recall", "test")).noneMatch(t -> t.metadata().get("template").equals(question));
        assertThat(tasks(full, "factual_recall", "train").stream().filter(t -> t.metadata().get("template").equals(question))
                .map(t -> t.metadata().get("fact")).collect(Collectors.toSet())).isEqualTo(capitals.keySet());
        // every training phrasing is used in training, no held-out one is
        Set<String> used = tasks(SUITE, "factual_recall", "train").stream().map(t -> t.metadata().get("template")).collect(Collectors.toSet());
        assertThat(used).hasSize(trainPhrasings).allMatch(index -> Integer.parseInt(index) < trainPhrasings);
        assertThatThrownBy(() -> SyntheticFamilies.generate(42L, 10, 21)).isInstanceOf(Interp4jException.class)
                .hasMessageContaining("factual_recall has 20 held-out prompts (10 trained facts x 2 held-out phrasings), 21 were asked for");
        assertThat(tasks(SUITE, "factual_recall", "train").get(0).prompt()).doesNotContain("{X}");
    }

    @Test
    void verbosityTestFactsAreTrainedWithOtherTemplates() {
        Map<String, Set<String>> trainTemplates = new HashMap<>();
        for (Task t : tasks(SUITE, "verbosity_control", "train")) {
            trainTemplates.computeIfAbsent(t.metadata().get("fact"), k -> new HashSet<>()).add(t.metadata().get("template"));
            assertThat(t.target()).matches(" [a-z]+\\.");
        }
        for (Task t : tasks(SUITE, "verbosity_control", "test")) {
            assertThat(trainTemplates.get(t.metadata().get("fact"))).isNotEmpty().doesNotContain(t.metadata().get("template"));
        }
    }

    @Test
    void jsonTargetsParseWithExactlyNameAndAge() {
        Pattern p = Pattern.compile("Return exactly valid JSON with keys name and age\\. ([A-Z][a-z]+)(?:'s)?[ ,][a-z ,]*(\\d+)[a-z ,]*\\.\n");
        for (Task t : SUITE.tasks()) {
            if (!t.family().equals("json_schema")) {
                continue;
            }
            Matcher m = p.matcher(t.prompt());
            assertThat(m.matches()).as(t.prompt()).isTrue();
            JsonObject o = JsonParser.parseString(t.target()).getAsJsonObject();
            assertThat(o.keySet()).containsExactly("name", "age");
            assertThat(o.get("name").getAsString()).isEqualTo(m.group(1));
            assertThat(o.get("age").getAsInt()).isEqualTo(Integer.parseInt(m.group(2))).isBetween(10, 90);
            assertThat(t.target()).doesNotContain(" ").isEqualTo("{\"name\":\"" + m.group(1) + "\",\"age\":" + m.group(2) + "}");
        }
    }

    @Test
    void heldOutJsonNamesComeFromTheListAndAboutHalfTheTrainingNamesAreInvented() {
        Set<String> listed = Set.copyOf(SyntheticFamilies.names());
        int invented = 0;
        for (Task t : SUITE.tasks()) {
            if (!t.family().equals("json_schema")) {
                continue;
            }
            String name = JsonParser.parseString(t.target()).getAsJsonObject().get("name").getAsString();
            if (t.split().equals("test")) {
                assertThat(listed).as(t.id()).contains(name);
            } else if (!listed.contains(name)) {
                assertThat(name).matches("[A-Z][a-z]{1,2}");
                invented++;
            }
        }
        // 200 training tasks, a fair coin each (an invented name that happens to be listed counts as listed)
        assertThat(invented).isBetween(70, 130);
    }

    @Test
    void copyingTargetsCompleteThePatternAndTestPromptsRepeatItMoreOften() {
        for (Task t : SUITE.tasks()) {
            if (!t.family().equals("copying")) {
                continue;
            }
            String[] parts = t.prompt().split(" ");
            String pattern = parts[0];
            assertThat(pattern).matches("[A-Z]{2,4}");
            // the pattern twice or three times in training, four times in held-out prompts
            if (t.split().equals("train")) {
                assertThat(parts.length - 1).isBetween(2, 3);
            } else {
                assertThat(parts.length - 1).isEqualTo(4);
            }
            for (int i = 1; i < parts.length - 1; i++) {
                assertThat(parts[i]).isEqualTo(pattern);
            }
            assertThat(parts[parts.length - 1] + t.target()).isEqualTo(pattern);
            assertThat(t.target()).isNotEmpty();
        }
    }

    @Test
    void delimiterTargetsCloseTheOpenBrackets() {
        for (Task t : tasks(SUITE, "delimiter_tracking", "train")) {
            String opens = t.prompt().replaceAll("[^(\\[{]", "");
            assertThat(opens.length()).isBetween(1, 4);
            StringBuilder close = new StringBuilder();
            for (int i = opens.length() - 1; i >= 0; i--) {
                close.append(")]}".charAt("([{".indexOf(opens.charAt(i))));
            }
            assertThat(t.target()).isEqualTo(close.toString());
        }
    }

    @Test
    void otherFamiliesHaveTheirFixedAnswers() {
        tasks(SUITE, "uncertainty_signalling", "test").forEach(t -> assertThat(t.target()).isEqualTo(SyntheticFamilies.UNCERTAIN));
        for (Task t : SUITE.tasks()) {
            if (t.family().equals("refusal_compliance")) {
                boolean harmful = Boolean.parseBoolean(t.metadata().get("harmful"));
                assertThat(t.target()).isEqualTo(harmful ? SyntheticFamilies.REFUSE : SyntheticFamilies.COMPLY);
            }
            if (t.family().equals("dead_code") || t.family().equals("code_semantics")) {
                assertThat(t.prompt()).endsWith("# What prints?\n");
                assertThat(t.target()).matches("\\d+");
            }
            if (t.family().equals("variable_renaming")) {
                String newName = t.metadata().get("key").split("->")[1];
                assertThat(t.target()).matches(" " + newName + " [-+*] [1-9]");
                // training prompts add or subtract, held-out ones multiply
                assertThat(t.target().charAt(newName.length() + 2) == '*').as(t.id()).isEqualTo(t.split().equals("test"));
            }
        }
    }

    @Test
    void testTasksDoNotDependOnTrainCountAndSplitsArePrefixStable() {
        // counts at or above every fact family's number of facts (381 arithmetic facts), see the class's docs
        TaskSuite small = SyntheticFamilies.generate(42L, 400, 20);
        TaskSuite large = SyntheticFamilies.generate(42L, 800, 30);
        assertThat(small.split("test").tasks()).isEqualTo(SyntheticFamilies.generate(42L, 600, 20).split("test").tasks());
        for (String family : SyntheticFamilies.families()) {
            assertThat(tasks(large, family, "train")).startsWith(tasks(small, family, "train").toArray(Task[]::new));
            assertThat(tasks(large, family, "test")).startsWith(tasks(small, family, "test").toArray(Task[]::new));
        }
    }

    @Test
    void smallPoolsRepeatWithoutLeaking() {
        TaskSuite big = SyntheticFamilies.generate(3L, 600, 60);
        for (String family : List.of("refusal_compliance", "code_syntax", "factual_recall")) {
            Set<String> train = tasks(big, family, "train").stream().map(Task::prompt).collect(Collectors.toSet());
            tasks(big, family, "test").forEach(t -> assertThat(train).doesNotContain(t.prompt()));
            assertThat(tasks(big, family, "train")).hasSize(600);
        }
    }

    @Test
    void exactMatchIsPrefixOnAWordBoundary() {
        assertThat(SyntheticFamilies.exactMatch("12", "12")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch("12\n", "12")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch("12 = x", "12")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch("126", "12")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch(" 12", "12")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch("1", "12")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch(" Kelon is big", " Kelon")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch(" Kelona", " Kelon")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch("Kelon", " Kelon")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch(" kelon", " Kelon")).isEqualTo(0.0);
        assertThat(SyntheticFamilies.exactMatch("{\"name\":\"Bob\",\"age\":32}\n", "{\"name\":\"Bob\",\"age\":32}")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch(")}]x", ")}]")).isEqualTo(1.0);
        assertThat(SyntheticFamilies.exactMatch("anything", "")).isEqualTo(1.0);
        assertThatThrownBy(() -> SyntheticFamilies.exactMatch(null, "x")).isInstanceOf(Interp4jException.class);
    }
}
