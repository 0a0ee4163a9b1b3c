package io.interp4j.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Held-out means held out (issue 14, point 5): at the toy presets' counts, no test prompt of any family has
 * a training prompt of the same skeleton, where a skeleton renames what a renaming can change: every number
 * becomes {@code 0}, every capitalised or upper-case word (names, countries, capitals, letter patterns) and
 * every filler word the families draw from (variable and function names, antonyms, verbs, objects) becomes
 * {@code _}. A test prompt that is a training prompt with other names or numbers therefore fails. Test prompts
 * are distinct, and the generator's own {@code structure} metadata is disjoint between the splits.
 */
class HeldOutSplitsTest {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z_]+|[0-9]+|.", Pattern.DOTALL);

    /** A prompt with every number, capitalised word and filler word renamed. */
    static String skeleton(String prompt, Set<String> fillers) {
        StringBuilder out = new StringBuilder();
        Matcher m = TOKEN.matcher(prompt);
        while (m.find()) {
            String t = m.group();
            if (Character.isDigit(t.charAt(0))) {
                out.append('0');
            } else if (Character.isUpperCase(t.charAt(0)) || fillers.contains(t)) {
                out.append('_');
            } else {
                out.append(t);
            }
        }
        return out.toString();
    }

    @Test
    void theSkeletonRenamesNumbersNamesAndFillersOnly() {
        Set<String> fillers = Set.of("x", "run", "hot");
        assertThat(skeleton("The capital of Zorvia is", fillers)).isEqualTo("_ capital of _ is");
        assertThat(skeleton("12 * 7 = ", fillers)).isEqualTo("0 * 0 = ");
        assertThat(skeleton("ABC ABC AB", fillers)).isEqualTo("_ _ _");
        assertThat(skeleton("run(x, [([", fillers)).isEqualTo("_(_, [([");
        assertThat(skeleton("the opposite of hot is\n", fillers)).isEqualTo("the opposite of _ is\n");
    }

    @Test
    void noTestPromptIsATrainingPromptRenamedAndNoneRepeats() {
        Set<String> fillers = SyntheticFamilies.fillers();
        for (long seed : new long[] {1L, 42L}) {
            TaskSuite suite = SyntheticFamilies.generate(seed, ToySuites.TRAIN_PER_FAMILY, 40);
            Map<String, String> renamed = new LinkedHashMap<>();
            Map<String, String> repeated = new LinkedHashMap<>();
            for (String family : SyntheticFamilies.families()) {
                List<Task> train = suite.split(SyntheticFamilies.TRAIN).byFamily().get(family);
                List<Task> test = suite.split(SyntheticFamilies.TEST).byFamily().get(family);
                Map<String, String> trainSkeletons = new LinkedHashMap<>();
                train.forEach(t -> trainSkeletons.putIfAbsent(skeleton(t.prompt(), fillers), t.prompt()));
                // the renaming really collapses the fillers: a family has a few structures, not one per prompt
                assertThat(trainSkeletons).as(seed + "/" + family + " training skeletons").hasSizeLessThanOrEqualTo(120);
                List<String> hits = new ArrayList<>();
                Set<String> prompts = new HashSet<>();
                List<String> repeats = new ArrayList<>();
                for (Task t : test) {
                    String twin = trainSkeletons.get(skeleton(t.prompt(), fillers));
                    if (twin != null) {
                        hits.add(quote(t.prompt()) + " ~ train " + quote(twin));
                    }
                    if (!prompts.add(t.prompt())) {
                        repeats.add(quote(t.prompt()));
                    }
                }
                if (!hits.isEmpty()) {
                    renamed.put(seed + "/" + family, hits.size() + " of " + test.size() + ", e.g. " + hits.get(0));
                }
                if (!repeats.isEmpty()) {
                    repeated.put(seed + "/" + family, (test.size() - prompts.size()) + " repeats, e.g. " + repeats.get(0));
                }
                Set<String> trainStructures = new HashSet<>();
                train.forEach(t -> trainStructures.add(t.metadata().get("structure")));
                assertThat(test).as(seed + "/" + family + " structures").noneMatch(t -> trainStructures.contains(t.metadata().get("structure")));
                Set<String> trainPrompts = new HashSet<>();
                train.forEach(t -> trainPrompts.add(t.prompt()));
                assertThat(test).as(seed + "/" + family).noneMatch(t -> trainPrompts.contains(t.prompt()));
            }
            assertThat(renamed).as("test prompts equal to a training prompt after renaming, seed " + seed).isEmpty();
            assertThat(repeated).as("repeated test prompts, seed " + seed).isEmpty();
        }
    }

    private static String quote(String text) {
        return '"' + text.replace("\n", "\\n") + '"';
    }
}
