package io.interp4j.api.task;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Internal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The atlas suites of a toy model organism, generated from the seed it was pre-trained with: the same
 * five suites, file names, families and metadata keys as the hand-written suites of the real models
 * ({@code suites/qwen/}), drawn from the organism's own distribution ({@link SyntheticFamilies}).
 *
 * <ul>
 *   <li>{@code families}: the first {@value #PER_FAMILY} held-out ({@code test}) tasks of each of the
 *       twelve families, exactly as {@link SyntheticFamilies#generate} gives them (ids, corrupt prompts
 *       and wrong targets where the generator has them, metadata). They are the organism's held-out
 *       tasks whenever it was trained with at least {@value #TRAIN_PER_FAMILY} tasks per family or,
 *       more generally, with at least as many as the largest pair-split fact list.
 *   <li>{@code steering}: {@code positive} = 3 sentences {@code "The capital of X is C."} of trained
 *       facts, {@code negative} = 3 sentences (prompt + answer) of trained tasks of non-factual
 *       families, {@code target} = the first {@value #STEERING_TARGETS} held-out {@code factual_recall}
 *       tasks (phrasings never trained) of other facts, target {@code " C"}.
 *   <li>{@code knockout}: {@code positive}/{@code negative} = 5 sentences each, built the same way;
 *       {@code skill} = 8 held-out {@code factual_recall} tasks of facts not among the positives;
 *       {@code non-skill} = 4 held-out {@code json_schema} and 4 held-out {@code copying} tasks.
 *       Every skill and non-skill task has metadata {@code skill} (its family).
 *   <li>{@code lora-json}: family {@code json_training}, 16 {@code train} and 4 {@code test} tasks of
 *       a JSON format the organism never saw: a third key, {@code city}, and the seed's
 *       {@code " ### Answer:\n"} marker, e.g. {@code "Return exactly valid JSON with keys name, age and
 *       city. Bob is 32 and lives in Kelon. ### Answer:\n"} &rarr;
 *       {@code {"name":"Bob","age":32,"city":"Kelon"}}. Test tasks use first names no train task uses.
 *   <li>{@code generation}: 30 tasks, family {@code generation}: task {@code i} is the
 *       {@code (i / 12)}-th held-out task of family {@code i mod 12}, with its target; metadata
 *       {@code constraint} where the answer's shape makes one checkable ({@code json-only} for
 *       {@code json_schema}, {@code lines=1} for arithmetic and code, {@code sentences=1} for the
 *       one-sentence answers, {@code max-chars=500} for factual recall and copying; none for
 *       delimiters and renaming), plus {@code source} (the task's id) and {@code source_family}.
 * </ul>
 *
 * <p>Sentences, skill and non-skill tasks carry metadata {@code source} naming the generated task they
 * come from; all tasks but the lora-json train tasks are in split {@code test}. Everything is a
 * function of the seed (see {@link SyntheticFamilies} on determinism), so {@link #write} gives
 * byte-identical files for the same seed.
 *
 * @since 0.1
 */
@Internal
public final class ToySuites {
    /** Held-out tasks per family in the {@code families} suite. */
    public static final int PER_FAMILY = 12;

    /**
     * Train tasks per family of the generated suite the tasks are taken from: the toy presets' count.
     * Test tasks do not depend on it once it reaches the largest pair-split fact list.
     */
    public static final int TRAIN_PER_FAMILY = 2000;

    /** Number of {@code generation} tasks. */
    public static final int GENERATION_PROMPTS = 30;

    private static final List<String> NAMES = List.of("families", "steering", "knockout", "lora-json", "generation");

    private static final String CAPITAL_TEMPLATE = "The capital of {X} is";

    /** Families whose trained tasks make the negative sentences: no capital facts, no JSON, no copying. */
    private static final List<String> NEGATIVE_FAMILIES = List.of(
            "verbosity_control", "refusal_compliance", "uncertainty_signalling", "arithmetic", "code_semantics");

    private static final Map<String, String> CONSTRAINTS = Map.ofEntries(
            Map.entry("json_schema", "json-only"),
            Map.entry("arithmetic", "lines=1"),
            Map.entry("code_syntax", "lines=1"),
            Map.entry("code_semantics", "lines=1"),
            Map.entry("dead_code", "lines=1"),
            Map.entry("verbosity_control", "sentences=1"),
            Map.entry("uncertainty_signalling", "sentences=1"),
            Map.entry("refusal_compliance", "sentences=1"),
            Map.entry("factual_recall", "max-chars=500"),
            Map.entry("copying", "max-chars=500"));

    /** Number of steering {@code target} tasks: enough prompts for an interval over them. */
    public static final int STEERING_TARGETS = 24;

    private static final int LORA_TRAIN = 16;
    private static final int LORA_TEST = 4;

    private ToySuites() {}

    /**
     * Returns the suite names, which are also the file names without {@code .jsonl}, in a fixed order.
     *
     * @return {@code families}, {@code steering}, {@code knockout}, {@code lora-json}, {@code generation}
     */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * Generates the five suites of an organism.
     *
     * @param seed the organism's seed (the {@code --seed} it was pre-trained with)
     * @return the suites by name, in {@link #names()} order; each suite is named like its key
     */
    public static Map<String, TaskSuite> generate(long seed) {
        List<SyntheticFamilies.Fact> world = SyntheticFamilies.world(seed);
        TaskSuite test = SyntheticFamilies.generate(seed, TRAIN_PER_FAMILY, Math.max(PER_FAMILY, SyntheticFamilies.WORLD_SIZE))
                .split(SyntheticFamilies.TEST);
        TaskSuite train = SyntheticFamilies.generate(seed, NEGATIVE_FAMILIES.size() * 2, 0);
        Map<String, List<Task>> heldOut = test.byFamily();
        Map<String, List<Task>> trained = train.byFamily();

        Map<String, TaskSuite> suites = new LinkedHashMap<>();
        suites.put("families", families(heldOut));
        suites.put("steering", steering(world, heldOut, trained));
        suites.put("knockout", knockout(world, heldOut, trained));
        suites.put("lora-json", loraJson(seed, world));
        suites.put("generation", generation(heldOut));
        return Collections.unmodifiableMap(suites);
    }

    /**
     * Writes the five suites of an organism as {@code <name>.jsonl} files into a folder (created if
     * missing; existing files of those names are replaced).
     *
     * @param seed the organism's seed
     * @param dir the folder
     * @return the files written, in {@link #names()} order
     */
    public static List<Path> write(long seed, Path dir) {
        requireNonNull(dir, "dir is null");
        List<Path> files = new ArrayList<>();
        generate(seed).forEach((name, suite) -> {
            Path file = dir.resolve(name + ".jsonl");
            TaskSuites.write(suite, file);
            files.add(file);
        });
        return List.copyOf(files);
    }

    private static TaskSuite families(Map<String, List<Task>> heldOut) {
        List<Task> tasks = new ArrayList<>();
        for (String family : SyntheticFamilies.families()) {
            tasks.addAll(heldOut.get(family).subList(0, PER_FAMILY));
        }
        return new TaskSuite("families", tasks);
    }

    /**
     * Facts of the world in world order, leaving out the given countries. Every fact is trained in the
     * {@code "The capital of X is"} phrasing (a training phrasing: each fact goes through every training
     * phrasing at the presets' counts), so its sentence is one the organism has seen.
     */
    private static List<SyntheticFamilies.Fact> trainedCapitalFacts(List<SyntheticFamilies.Fact> world, Set<String> exclude) {
        if (SyntheticFamilies.factualTemplates().indexOf(CAPITAL_TEMPLATE) >= SyntheticFamilies.factualTrainTemplates()) {
            throw new IllegalStateException("'" + CAPITAL_TEMPLATE + "' is not a training phrasing of factual_recall");
        }
        return world.stream().filter(f -> !exclude.contains(f.country())).toList();
    }

    private static Task sentence(String family, int index, String text, String source) {
        return new Task(family + "-" + index, family, text, "", Optional.empty(), Optional.empty(), SyntheticFamilies.TEST,
                Map.of("source", source));
    }

    private static void positives(List<Task> out, List<SyntheticFamilies.Fact> facts, int n) {
        for (int i = 0; i < n; i++) {
            SyntheticFamilies.Fact f = facts.get(i);
            out.add(sentence("positive", i, CAPITAL_TEMPLATE.replace("{X}", f.country()) + " " + f.capital() + ".",
                    "world:" + f.country()));
        }
    }

    private static void negatives(List<Task> out, Map<String, List<Task>> trained, int n) {
        for (int i = 0; i < n; i++) {
            Task t = trained.get(NEGATIVE_FAMILIES.get(i)).stream()
                    .filter(x -> x.split().equals(SyntheticFamilies.TRAIN) && !x.prompt().contains("capital"))
                    .findFirst()
                    .orElseThrow();
            out.add(sentence("negative", i, t.prompt() + t.target(), t.id()));
        }
    }

    private static Task copy(Task t, String family, int index, Map<String, String> extra) {
        Map<String, String> metadata = new LinkedHashMap<>(extra);
        metadata.put("source", t.id());
        return new Task(family + "-" + index, family, t.prompt(), t.target(), Optional.empty(), Optional.empty(),
                SyntheticFamilies.TEST, metadata);
    }

    private static TaskSuite steering(List<SyntheticFamilies.Fact> world, Map<String, List<Task>> heldOut,
            Map<String, List<Task>> trained) {
        List<Task> candidates = heldOut.get("factual_recall");
        Task first = candidates.get(0);
        List<SyntheticFamilies.Fact> positiveFacts = trainedCapitalFacts(world, Set.of(first.metadata().get("fact"))).subList(0, 3);
        Set<String> positiveCountries = new LinkedHashSet<>();
        positiveFacts.forEach(f -> positiveCountries.add(f.country()));
        List<Task> tasks = new ArrayList<>();
        positives(tasks, positiveFacts, 3);
        negatives(tasks, trained, 3);
        // held-out prompts in test order (the published protocol reads the first), none of a positive sentence's country
        candidates.stream().filter(t -> !positiveCountries.contains(t.metadata().get("fact"))).limit(STEERING_TARGETS)
                .forEach(t -> tasks.add(copy(t, "target", tasks.size() - 6, Map.of("fact", t.metadata().get("fact")))));
        return new TaskSuite("steering", tasks);
    }

    private static TaskSuite knockout(List<SyntheticFamilies.Fact> world, Map<String, List<Task>> heldOut,
            Map<String, List<Task>> trained) {
        List<Task> skill = heldOut.get("factual_recall").subList(0, 8);
        Set<String> skillFacts = new LinkedHashSet<>();
        skill.forEach(t -> skillFacts.add(t.metadata().get("fact")));
        List<Task> tasks = new ArrayList<>();
        positives(tasks, trainedCapitalFacts(world, skillFacts), 5);
        negatives(tasks, trained, 5);
        for (int i = 0; i < skill.size(); i++) {
            tasks.add(copy(skill.get(i), "skill", i, Map.of("skill", "factual_recall")));
        }
        int n = 0;
        for (String family : List.of("json_schema", "copying")) {
            for (Task t : heldOut.get(family).subList(0, 4)) {
                tasks.add(copy(t, "non-skill", n++, Map.of("skill", family)));
            }
        }
        return new TaskSuite("knockout", tasks);
    }

    private static TaskSuite loraJson(long seed, List<SyntheticFamilies.Fact> world) {
        Random r = new Random(SyntheticFamilies.stream(seed, "toy-suites/lora-json"));
        List<String> names = new ArrayList<>(SyntheticFamilies.names());
        Collections.shuffle(names, r);
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < LORA_TRAIN + LORA_TEST; i++) {
            boolean isTrain = i < LORA_TRAIN;
            String split = isTrain ? SyntheticFamilies.TRAIN : SyntheticFamilies.TEST;
            String name = names.get(i);
            int age = 10 + r.nextInt(81);
            String city = world.get(r.nextInt(world.size())).capital();
            String prompt = "Return exactly valid JSON with keys name, age and city. " + name + " is " + age + " and lives in " + city
                    + ". ### Answer:\n";
            String target = "{\"name\":\"" + name + "\",\"age\":" + age + ",\"city\":\"" + city + "\"}";
            tasks.add(new Task("json_training-" + split + "-" + (isTrain ? i : i - LORA_TRAIN), "json_training", prompt, target,
                    Optional.empty(), Optional.empty(), split, Map.of()));
        }
        return new TaskSuite("lora-json", tasks);
    }

    private static TaskSuite generation(Map<String, List<Task>> heldOut) {
        List<String> families = SyntheticFamilies.families();
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < GENERATION_PROMPTS; i++) {
            String family = families.get(i % families.size());
            Task t = heldOut.get(family).get(i / families.size());
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("source", t.id());
            metadata.put("source_family", family);
            if (CONSTRAINTS.containsKey(family)) {
                metadata.put("constraint", CONSTRAINTS.get(family));
            }
            tasks.add(new Task(String.format(Locale.ROOT, "generation-%02d", i), "generation", t.prompt(), t.target(),
                    Optional.empty(), Optional.empty(), SyntheticFamilies.TEST, metadata));
        }
        return new TaskSuite("generation", tasks);
    }
}
