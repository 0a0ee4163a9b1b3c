package io.interp4j.app.study;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.app.plugins.PluginRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Writes a syntactically valid HOCON study from the real grammar for the structure-aware fuzz test: the
 * study's own keys, models (the committed organisms, or a random model's {@code create} block), suites
 * (the built-in one and the committed toy suites), steps whose {@code experiment} is a registered
 * experiment, and plugin settings (a step's, the plugins it names by {@code { id, settings }}, and
 * top-level {@code interp4j.<kind>."<id>"} overrides) whose keys are the keys of the plugins' {@code
 * reference.conf} defaults, plus unknown ones. Each value is either the default's shape or a
 * fuzzer-chosen type: a string, a number (huge, negative, fractional), a boolean, null, a list, an
 * object, a substitution or an include. Every choice is read from the fuzzer's bytes, so libFuzzer's
 * mutations move through studies the loader understands instead of breaking their syntax.
 */
final class FuzzedStudy {
    private static final int DEPTH = 3;
    private static final List<PluginKind> KINDS = List.of(PluginKind.EXPERIMENT, PluginKind.INTERVENTION, PluginKind.PROBE, PluginKind.METRIC);
    private static final List<String> MODELS = List.of("main", "a", "b");
    private static final List<String> SUITES = List.of("main", "families", "steering", "knockout", "lora-json", "generation");
    private static final List<String> NAMES = List.of("fuzz", "a_b-1", "..", ".", "a/b", "", "x\u0001y", "\\");
    private static final List<String> NUMBERS = List.of("0", "1", "2", "3", "-1", "-2", "0.5", "-0.25", "1e-300", "1e400", "2147483648",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1000000000");
    /** Substitutions: of the study's keys (a cycle where they stand inside the key they name), optional, and of the environment. */
    private static final List<String> SUBSTITUTIONS = List.of("${study.seed}", "${study.name}", "${?study.nothing}", "${?study.seed}",
            "${study.suites.main}", "${interp4j.intervention.steering.vector}", "${interp4j.experiment.sweep.metrics}",
            "${interp4j.metric.top-k-overlap.k}", "${study.models}", "${study.steps}", "${HOME}");
    /** The include file {@link #write} also writes; the other targets are missing or refused. */
    static final String INCLUDED = "part.conf";
    private static final List<String> INCLUDES = List.of("include \"" + INCLUDED + "\"", "include file(\"" + INCLUDED + "\")",
            "include \"missing.conf\"", "include required(\"missing.conf\")", "include classpath(\"reference.conf\")",
            "include \"/etc/hostname\"", "include url(\"file:///etc/hostname\")");

    private final Config reference;
    private final Map<PluginKind, List<String>> ids;
    private final String repository;
    /** Every key of every plugin's defaults, at any depth: the keys a fuzzed object is made of. */
    private final List<String> keys;
    /** Every string in the plugins' defaults and every plugin id: the words a fuzzed string is made of. */
    private final List<String> words;

    /**
     * @param registry the plugins whose ids steps and settings name
     * @param reference the plugins' defaults, {@code interp4j.<kind>."<id>"}
     * @param repository the repository's root, whose committed organisms and toy suites a study may name
     */
    FuzzedStudy(PluginRegistry registry, Config reference, String repository) {
        this.reference = reference;
        this.repository = repository;
        // the bytes' first choices make a study that loads: a probe step, whose defaults fit any study
        List<String> experiments = new ArrayList<>(registry.ids(PluginKind.EXPERIMENT));
        experiments.sort(Comparator.comparing(id -> !id.equals("probe")));
        this.ids = Map.of(PluginKind.EXPERIMENT, List.copyOf(experiments), PluginKind.INTERVENTION,
                registry.ids(PluginKind.INTERVENTION), PluginKind.PROBE, registry.ids(PluginKind.PROBE), PluginKind.METRIC,
                registry.ids(PluginKind.METRIC));
        TreeSet<String> keys = new TreeSet<>(List.of("bogus", "Layer", "id", "settings"));
        TreeSet<String> words = new TreeSet<>(List.of("", "zzz", "blocks.0.hook_resid_post", "blocks.99.hook_z"));
        ids.forEach((kind, known) -> {
            words.addAll(known);
            known.forEach(id -> collect(reference.getObject(kind.settingsPath(id)), keys, words));
        });
        this.keys = List.copyOf(keys);
        this.words = List.copyOf(words);
    }

    /** A study and the file it may include ({@link #INCLUDED}, next to it). */
    record Written(String study, String included) {}

    /** Writes a study from the fuzzer's bytes. */
    Written write(FuzzedDataProvider data) {
        Writer writer = new Writer(data);
        String study = writer.study();
        return new Written(study, writer.members(DEPTH - 1));
    }

    /** The choices of one study, each read from the fuzzer's bytes. */
    private final class Writer {
        private final FuzzedDataProvider data;

        Writer(FuzzedDataProvider data) {
            this.data = data;
        }

        /**
         * The study's text. Its plugin defaults ({@code interp4j.<kind>."<id>"}) are chosen first: they reach a plugin's
         * settings check in the fewest bytes, and libFuzzer starts from inputs of a few bytes.
         */
        String study() {
            StringBuilder overrides = new StringBuilder();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                PluginKind kind = data.pickValue(KINDS);
                String id = data.pickValue(ids.get(kind));
                overrides.append("interp4j.").append(kind.configName()).append('.').append(ConfigUtil.joinPath(id)).append(' ')
                        .append(settings(kind, id, 1)).append('\n');
            }
            StringBuilder s = new StringBuilder("study {\n");
            if (data.consumeBoolean()) {
                s.append("  name = ").append(data.consumeBoolean() ? ConfigUtil.quoteString(data.pickValue(NAMES)) : value(1)).append('\n');
            }
            if (data.consumeBoolean()) {
                s.append("  seed = ").append(value(1)).append('\n');
            }
            s.append("  models {\n");
            for (int i = data.consumeInt(1, 2); i > 0; i--) {
                s.append("    ").append(data.pickValue(MODELS)).append(" { ").append(model()).append(" }\n");
            }
            s.append("  }\n  suites {\n");
            for (int i = data.consumeInt(1, 3); i > 0; i--) {
                s.append("    ").append(suite()).append('\n');
            }
            s.append("  }\n  steps = [\n");
            for (int i = data.consumeInt(1, 3); i > 0; i--) {
                String experiment = data.pickValue(ids.get(PluginKind.EXPERIMENT));
                s.append("    { id = s").append(i).append(", experiment = ").append(experiment).append(", settings ")
                        .append(settings(PluginKind.EXPERIMENT, experiment, 1)).append(" }\n");
            }
            s.append("  ]\n");
            if (data.consumeBoolean()) {
                s.append("  report { formats = ").append(value(1)).append(" }\n");
            }
            if (data.consumeBoolean()) {
                s.append("  forwards { executor = ").append(value(2)).append(", batch-tokens = ").append(value(2)).append(" }\n");
            }
            return s.append("}\n").append(overrides).toString();
        }

        private String model() {
            return switch (data.consumeInt(0, 2)) {
                case 0 -> "path = " + ConfigUtil.quoteString(repository + "/models/toy-s");
                case 1 -> "path = " + ConfigUtil.quoteString(repository + "/models/toy-m");
                default -> "path = \"models/tiny\", create { seed = 2, layers = " + number("2") + ", hidden = " + number("32")
                        + ", heads = " + number("4") + ", kv-heads = " + number("2") + ", vocab = " + number("300") + " }";
            };
        }

        private String suite() {
            String name = data.pickValue(SUITES);
            String source = data.consumeBoolean() || name.equals("main")
                    ? "builtin = families-mini"
                    : "file = " + ConfigUtil.quoteString(repository + "/suites/toy/" + name + ".jsonl");
            return name + " { " + source + (data.consumeBoolean() ? ", split = " + value(2) : "") + " }";
        }

        /** A plugin's settings object: some of its defaults' keys, each with a value of their shape or a fuzzed one. */
        private String settings(PluginKind kind, String id, int depth) {
            return object(reference.getObject(kind.settingsPath(id)), depth);
        }

        private String object(ConfigObject defaults, int depth) {
            StringBuilder s = new StringBuilder("{ ");
            for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
                if (data.consumeBoolean()) {
                    s.append(ConfigUtil.joinPath(e.getKey())).append(" = ").append(like(e.getValue(), depth)).append(", ");
                }
            }
            if (data.consumeInt(0, 7) == 7) {
                s.append(members(depth));
            }
            return s.append('}').toString();
        }

        /** A value of the default's shape (a plugin named by id with its settings, an object with its keys), or a fuzzed one. */
        private String like(ConfigValue defaults, int depth) {
            if (depth >= DEPTH || data.consumeBoolean()) {
                return value(depth);
            }
            Optional<PluginKind> named = namedPlugin(defaults);
            if (named.isPresent()) {
                String id = data.pickValue(ids.get(named.get()));
                return "{ id = " + id + ", settings = " + settings(named.get(), id, depth + 1) + " }";
            }
            if (defaults instanceof ConfigList list && !list.isEmpty() && namedPlugin(list.get(0)).isPresent()) {
                List<String> elements = new ArrayList<>();
                for (int i = data.consumeInt(1, 3); i > 0; i--) {
                    elements.add(like(list.get(0), depth));
                }
                return "[" + String.join(", ", elements) + "]";
            }
            if (defaults instanceof ConfigObject object) {
                return object(object, depth + 1);
            }
            return defaults.render();
        }

        /** The kind of plugin an object {@code { id = <plugin id>, settings = ... }} names. */
        private Optional<PluginKind> namedPlugin(ConfigValue value) {
            if (value instanceof ConfigObject object && object.containsKey("settings") && object.get("id") != null
                    && object.get("id").unwrapped() instanceof String id) {
                return KINDS.stream().filter(k -> ids.get(k).contains(id)).findFirst();
            }
            return Optional.empty();
        }

        /** A value of a fuzzer-chosen type. */
        private String value(int depth) {
            return switch (data.consumeInt(0, depth >= DEPTH ? 4 : 6)) {
                case 0 -> ConfigUtil.quoteString(data.consumeBoolean() ? data.pickValue(words) : data.consumeString(12));
                case 1 -> number(data.pickValue(NUMBERS));
                case 2 -> String.valueOf(data.consumeBoolean());
                case 3 -> "null";
                case 4 -> data.pickValue(SUBSTITUTIONS);
                case 5 -> {
                    List<String> elements = new ArrayList<>();
                    for (int i = data.consumeInt(0, 3); i > 0; i--) {
                        elements.add(value(depth + 1));
                    }
                    yield "[" + String.join(", ", elements) + "]";
                }
                default -> "{ " + members(depth + 1) + "}";
            };
        }

        /** Members of an object: known and unknown keys with fuzzed values, and maybe an include. */
        private String members(int depth) {
            StringBuilder s = new StringBuilder();
            if (data.consumeInt(0, 7) == 7) {
                s.append(data.pickValue(INCLUDES)).append('\n');
            }
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                String key = data.consumeInt(0, 7) == 7 ? data.consumeString(8) : data.pickValue(keys);
                s.append(ConfigUtil.joinPath(key)).append(" = ").append(value(depth)).append(", ");
            }
            return s.toString();
        }

        /** A number: usually the given one, else a fuzzer-chosen integer or double, huge, negative or fractional. */
        private String number(String usual) {
            return switch (data.consumeInt(0, 3)) {
                case 0 -> usual;
                case 1 -> Long.toString(data.consumeLong());
                case 2 -> Double.toString(data.consumeRegularDouble());
                default -> data.pickValue(NUMBERS);
            };
        }
    }

    /** Collects the keys and string values of the plugins' defaults, at any depth. */
    private static void collect(ConfigValue value, TreeSet<String> keys, TreeSet<String> words) {
        if (value instanceof ConfigObject object) {
            object.forEach((key, child) -> {
                keys.add(key);
                collect(child, keys, words);
            });
        } else if (value instanceof ConfigList list) {
            list.forEach(child -> collect(child, keys, words));
        } else if (value.valueType() == ConfigValueType.STRING) {
            words.add((String) value.unwrapped());
        }
    }
}
