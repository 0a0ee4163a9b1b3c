package io.interp4j.app.study;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.TaskSuites;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.app.randommodel.RandomModelRecipe;
import io.interp4j.planner.PlannerOptions;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a study file and validates all of it before anything runs: unknown keys, unknown plugin ids
 * (listing the known ones), wrong types, missing files, and each step's own checks against the
 * named models (layers, heads). Every problem is collected with its config path and reported together.
 */
final class StudyLoader {
    private static final Set<String> STUDY_KEYS = Set.of("name", "seed", "models", "suites", "steps", "report", "forwards");
    private static final Set<String> FORWARDS_KEYS = Set.of("executor", "engine", "batch-tokens", "cache-mb");
    private static final Set<String> MODEL_KEYS = Set.of("path", "engine", "dtype", "create", "adapter", "quantization");
    private static final Set<String> CREATE_KEYS = Set.of("seed", "preset", "layers", "hidden", "heads", "kv-heads",
            "intermediate", "vocab", "dtype", "tied");
    private static final Set<String> SUITE_KEYS = Set.of("builtin", "file", "split");
    private static final Set<String> STEP_KEYS = Set.of("id", "experiment", "settings");
    private static final Set<String> REPORT_KEYS = Set.of("formats");
    private static final Set<String> FORMATS = Set.of("json", "md", "html");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*([-_][a-z0-9]+)*");

    private final PluginRegistry registry;
    private final Map<String, ExperimentFactory> experiments;
    private final Map<String, EngineProvider> engines;

    @Inject
    StudyLoader(PluginRegistry registry, Map<String, ExperimentFactory> experiments, Map<String, EngineProvider> engines) {
        this.registry = registry;
        this.experiments = experiments;
        this.engines = engines;
    }

    /**
     * Loads and validates a study.
     *
     * @param file the study file
     * @return the plan and the registry whose settings follow the study's layering
     * @throws Interp4jException listing every problem ({@link Interp4jException#problems()})
     */
    Loaded load(Path file) {
        return load(file, List.of());
    }

    /**
     * Loads and validates the part of a study that some of its models take ({@link ModelSelection}).
     *
     * @param file the study file
     * @param models the models to run, empty for every model
     * @return the plan of the narrowed study, the registry, and the steps left out
     * @throws Interp4jException listing every problem ({@link Interp4jException#problems()})
     */
    Loaded load(Path file, List<String> models) {
        if (!Files.isRegularFile(file)) {
            throw new Interp4jException(List.of(new Problem(file.toString(), "study file not found")));
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(file.toFile(), StudyIncluder.options(file));
        } catch (ConfigException e) {
            throw new Interp4jException(List.of(HoconErrors.describe(file, e)));
        }
        ConfigFactory.invalidateCaches(); // system properties are read afresh for every study
        // the plugins' reference.conf files (and those of plugin folders), without the system properties
        // defaultReference() merges in
        Config reference = ConfigFactory.defaultReferenceUnresolved(StudyLoader.class.getClassLoader())
                .withFallback(registry.folderDefaults()).resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        Config layered;
        Config written; // the study file's own keys, its substitutions resolved against the layered config
        try {
            // only the study's and the plugins' keys come from system properties, and substitutions never
            // read the environment: ${HOME} or ${user.home} must not put this machine's values into a report
            Config properties = ConfigFactory.systemProperties();
            Config overrides = properties.withOnlyPath("study").withFallback(properties.withOnlyPath("interp4j"));
            layered = overrides.withFallback(parsed).withFallback(reference)
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
            written = parsed.resolveWith(layered, ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (ConfigException.UnresolvedSubstitution e) {
            Problem problem = HoconErrors.describe(file, e);
            throw new Interp4jException(List.of(new Problem(problem.path(), problem.message() + " (substitutions refer to keys of the study only;"
                    + " environment variables and system properties are not read: write the value, or pass -Dstudy.<key>=...)")));
        } catch (ConfigException e) {
            throw new Interp4jException(List.of(HoconErrors.describe(file, e)));
        }
        PluginRegistry studyRegistry = registry.withReference(layered);
        List<Problem> problems = new ArrayList<>();
        for (String key : parsed.root().keySet()) {
            if (!key.equals("study") && !key.equals("interp4j")) {
                problems.add(new Problem(key, "unknown top-level key; allowed: study, interp4j (plugin defaults)"));
            }
        }
        checkPluginOverrides(written, reference, problems);
        if (!written.hasPath("study") || written.getValue("study").valueType() != ConfigValueType.OBJECT) {
            problems.add(new Problem("study", "missing; a study file holds a study { ... } object"));
            throw new Interp4jException(problems);
        }
        Config study = layered.getConfig("study");
        unknownKeys(study, "study", STUDY_KEYS, problems);
        String name = string(study, "name", "study", problems).orElse(file.getFileName().toString().replaceAll("\\.conf$", ""));
        if (!isFolderName(name)) {
            problems.add(new Problem("study.name", "'" + name + "' is not a folder name (it names out/<name>); allowed: one path segment without"
                    + " '/', '\\', control characters, '.' or '..'"));
        }
        ModelSelection selection = ModelSelection.of(models, study, problems);
        study = selection.study(study, name);
        name = selection.narrows() ? study.getString("name") : name;
        long seed = study.hasPath("seed") ? number(study, "seed", "study", problems) : 0;
        Path base = file.toAbsolutePath().getParent();

        Map<String, StudyPlan.ModelSpec> modelSpecs = models(study, base, problems);
        Map<String, String> unreadableSuites = new LinkedHashMap<>();
        Map<String, StudyPlan.SuiteSpec> suites = suites(study, base, problems, unreadableSuites);
        Set<String> formats = formats(study, problems);
        StudyPlan.ForwardsSpec forwards = forwards(study, problems);
        StudyPlan provisional = new StudyPlan(file, layered, name, seed, modelSpecs, suites, List.of(), formats, forwards);
        List<String> leftOut = new ArrayList<>();
        List<StudyPlan.StepSpec> steps = steps(study, studyRegistry, provisional, unreadableSuites, selection, leftOut, problems);
        if (!problems.isEmpty()) {
            throw new Interp4jException(problems);
        }
        if (selection.narrows()) {
            // the recorded config is the narrowed study that ran: its models, its name and the steps it kept
            layered = layered.withValue("study", study.withValue("steps", keptSteps(study, steps, selection)).root());
        }
        return new Loaded(new StudyPlan(file, layered, name, seed, modelSpecs, suites, steps, formats, forwards), studyRegistry,
                List.copyOf(leftOut));
    }

    /** The study file's objects of the steps kept, each with its written settings narrowed as its merged ones were. */
    private static ConfigValue keptSteps(Config study, List<StudyPlan.StepSpec> steps, ModelSelection selection) {
        List<? extends ConfigObject> written = study.getObjectList("steps");
        List<ConfigValue> kept = new ArrayList<>();
        for (StudyPlan.StepSpec step : steps) {
            Config object = written.get(step.index()).toConfig();
            if (object.hasPath("settings")) {
                Config settings = object.getConfig("settings");
                object = object.withValue("settings", selection.settings(settings).orElse(settings).root());
            }
            kept.add(object.root());
        }
        return ConfigValueFactory.fromIterable(kept);
    }

    /** Whether a study name is one folder name, so out/<name> stays inside out/. */
    static boolean isFolderName(String name) {
        return !name.isEmpty() && name.length() <= 255 && !name.equals(".") && !name.equals("..")
                && name.chars().noneMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f);
    }

    /** Reads {@code study.forwards}: the executor of forward plans, the engine they run on and the planner's bounds. */
    private StudyPlan.ForwardsSpec forwards(Config study, List<Problem> problems) {
        if (!study.hasPath("forwards")) {
            return StudyPlan.ForwardsSpec.DEFAULTS;
        }
        if (study.getValue("forwards").valueType() != ConfigValueType.OBJECT) {
            problems.add(new Problem("study.forwards", "must be an object, e.g. forwards { executor = planned, batch-tokens = 1024, cache-mb = 1024 }"));
            return StudyPlan.ForwardsSpec.DEFAULTS;
        }
        Config forwards = study.getConfig("forwards");
        unknownKeys(forwards, "study.forwards", FORWARDS_KEYS, problems);
        String executor = string(forwards, "executor", "study.forwards", problems).orElse(StudyPlan.ForwardsSpec.DEFAULTS.executor());
        if (!executor.equals("planned") && !executor.equals("plain")) {
            problems.add(new Problem("study.forwards.executor", "found '" + executor + "'; allowed: planned, plain"));
        }
        PlannerOptions defaults = PlannerOptions.DEFAULTS;
        long batchTokens = forwards.hasPath("batch-tokens") ? number(forwards, "batch-tokens", "study.forwards", problems) : defaults.batchTokens();
        long cacheMb = forwards.hasPath("cache-mb") ? number(forwards, "cache-mb", "study.forwards", problems) : defaults.cacheBytes() >> 20;
        if (batchTokens < 1 || batchTokens > 1 << 20) {
            problems.add(new Problem("study.forwards.batch-tokens", "found " + batchTokens + "; allowed: 1 to " + (1 << 20)));
            batchTokens = defaults.batchTokens();
        }
        if (cacheMb < 1 || cacheMb > 1 << 20) {
            problems.add(new Problem("study.forwards.cache-mb", "found " + cacheMb + "; allowed: 1 to " + (1 << 20)));
            cacheMb = defaults.cacheBytes() >> 20;
        }
        Optional<String> engine = string(forwards, "engine", "study.forwards", problems);
        if (engine.isPresent() && !engines.containsKey(engine.get())) {
            problems.add(new Problem("study.forwards.engine", "unknown engine '" + engine.get() + "'; known engines: " + engines.keySet()));
            engine = Optional.empty();
        }
        return new StudyPlan.ForwardsSpec(executor, engine, new PlannerOptions((int) batchTokens, cacheMb << 20));
    }

    /**
     * A loaded plan and the registry resolving plugin settings with the study's layering.
     *
     * @param leftOut the ids of the steps that run on none of the models {@code --models} selects
     */
    record Loaded(StudyPlan plan, PluginRegistry registry, List<String> leftOut) {}

    /** Checks the study file's plugin defaults ({@code interp4j.<kind>.<id>}, substitutions resolved) against the plugins' references. */
    private void checkPluginOverrides(Config written, Config reference, List<Problem> problems) {
        if (!written.hasPath("interp4j")) {
            return;
        }
        for (Map.Entry<String, ConfigValue> kindEntry : written.getConfig("interp4j").root().entrySet()) {
            String kind = kindEntry.getKey();
            if (kindEntry.getValue().valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem("interp4j." + kind, "must be an object of plugin defaults"));
                continue;
            }
            for (String id : ((ConfigObject) kindEntry.getValue()).keySet()) {
                String path = ConfigUtil.joinPath("interp4j", kind, id); // quoted: a key may hold dots or control characters
                if (!reference.hasPath(path)) {
                    problems.add(new Problem("interp4j." + kind + "." + id, "no such plugin defaults; plugin defaults live under interp4j.<kind>.<id>"
                            + " for kinds probe, intervention, metric, experiment"));
                    continue;
                }
                Config user = written.getConfig(path);
                try {
                    PluginSettings.resolve(kindOf(kind), id, user, reference);
                } catch (Interp4jException e) {
                    problems.addAll(e.problemsAt("interp4j." + kind + "." + id));
                }
            }
        }
    }

    private static PluginKind kindOf(String configName) {
        for (PluginKind kind : PluginKind.values()) {
            if (kind.configName().equals(configName)) {
                return kind;
            }
        }
        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "interp4j." + configName + ": unknown plugin kind");
    }

    private Map<String, StudyPlan.ModelSpec> models(Config study, Path base, List<Problem> problems) {
        Map<String, StudyPlan.ModelSpec> models = new LinkedHashMap<>();
        if (!study.hasPath("models") || study.getValue("models").valueType() != ConfigValueType.OBJECT || study.getObject("models").isEmpty()) {
            problems.add(new Problem("study.models", "give at least one model, e.g. models { main { path = \"models/tiny\" } }"));
            return models;
        }
        for (String name : study.getObject("models").keySet()) {
            String path = "study.models." + name;
            if (study.getObject("models").get(name).valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(path, "must be an object with path, engine, dtype, create"));
                continue;
            }
            Config m = study.getConfig(ConfigUtil.joinPath("models", name));
            unknownKeys(m, path, MODEL_KEYS, problems);
            Optional<String> dir = string(m, "path", path, problems);
            if (dir.isEmpty()) {
                problems.add(new Problem(path + ".path", "missing; the model's Hugging Face directory"));
                continue;
            }
            Optional<Path> resolved = resolve(base, dir.get(), path + ".path", problems);
            if (resolved.isEmpty()) {
                continue;
            }
            Path directory = resolved.get();
            String engine = string(m, "engine", path, problems).orElse("djl");
            if (!engines.containsKey(engine)) {
                problems.add(new Problem(path + ".engine", "unknown engine '" + engine + "'; known engines: " + engines.keySet()));
            }
            String dtype = string(m, "dtype", path, problems).orElse("float32");
            if (!dtype.equals("float32")) {
                problems.add(new Problem(path + ".dtype", "'" + dtype + "' is not available; allowed: float32 (compute type; bfloat16 and"
                        + " float16 storage is widened on load)"));
            }
            Optional<RandomModelRecipe> create = Optional.empty();
            if (m.hasPath("create")) {
                if (m.getValue("create").valueType() != ConfigValueType.OBJECT) {
                    problems.add(new Problem(path + ".create", "must be an object of random-model options"));
                } else {
                    Config c = m.getConfig("create");
                    unknownKeys(c, path + ".create", CREATE_KEYS, problems);
                    try {
                        create = Optional.of(RandomModelRecipe.read(key -> c.hasPath(key)
                                ? Optional.of(String.valueOf(c.getValue(key).unwrapped())) : Optional.empty(), ""));
                    } catch (Interp4jException e) {
                        problems.addAll(e.problemsAt(path + ".create"));
                    }
                }
            }
            ModelConfig config = null;
            if (Files.isDirectory(directory) && Files.exists(directory.resolve("config.json"))) {
                try {
                    config = ModelConfig.read(directory.resolve("config.json"));
                } catch (Interp4jException e) {
                    problems.addAll(e.problemsAt(path + ".path"));
                }
            } else if (create.isPresent()) {
                config = create.get().config();
            } else {
                problems.add(new Problem(path + ".path", directory + " is not a model directory (no config.json); give an existing"
                        + " Hugging Face directory, or a create { ... } block to write a random model there"));
            }
            Optional<Path> adapter = string(m, "adapter", path, problems).flatMap(a -> resolve(base, a, path + ".adapter", problems));
            if (adapter.isPresent() && config != null) {
                try (LoraAdapter lora = LoraAdapter.open(adapter.get())) {
                    lora.checkAgainst(config);
                } catch (Interp4jException e) {
                    problems.addAll(e.problemsAt(path + ".adapter"));
                }
            }
            Quantization quantization = Quantization.NONE;
            try {
                quantization = Quantization.parse(string(m, "quantization", path, problems).orElse("none"), path + ".quantization");
            } catch (Interp4jException e) {
                problems.addAll(e.problemsAt(path + ".quantization"));
            }
            if (config != null) {
                models.put(name, new StudyPlan.ModelSpec(name, directory, engine, create, config, adapter, quantization));
            }
        }
        return models;
    }

    /** Reads the suites; a declared suite that cannot be read is a problem, and its name maps to that problem's config path. */
    private static Map<String, StudyPlan.SuiteSpec> suites(Config study, Path base, List<Problem> problems, Map<String, String> unreadable) {
        Map<String, StudyPlan.SuiteSpec> suites = new LinkedHashMap<>();
        if (!study.hasPath("suites") || study.getValue("suites").valueType() != ConfigValueType.OBJECT) {
            problems.add(new Problem("study.suites", "give at least one task suite, e.g. suites { main { builtin = families-mini } }"));
            return suites;
        }
        for (String name : study.getObject("suites").keySet()) {
            String path = "study.suites." + name;
            if (study.getObject("suites").get(name).valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(path, "must be an object with builtin or file, and split"));
                continue;
            }
            Config s = study.getConfig(ConfigUtil.joinPath("suites", name));
            unknownKeys(s, path, SUITE_KEYS, problems);
            Optional<String> builtin = string(s, "builtin", path, problems);
            Optional<String> file = string(s, "file", path, problems);
            String split = string(s, "split", path, problems).orElse("all");
            if (builtin.isPresent() == file.isPresent()) {
                problems.add(new Problem(path, "give exactly one of builtin = NAME (one of " + TaskSuites.builtinNames() + ") or file = PATH"));
                continue;
            }
            Optional<Path> resolved = file.flatMap(f -> resolve(base, f, path + ".file", problems));
            if (file.isPresent() && resolved.isEmpty()) {
                unreadable.put(name, path + ".file");
                continue;
            }
            try {
                TaskSuite suite = builtin.isPresent()
                        ? TaskSuites.builtin(builtin.get())
                        : TaskSuites.read(name, resolved.get());
                TaskSuite selected = suite.split(split);
                if (selected.tasks().isEmpty()) {
                    problems.add(new Problem(path + ".split", "no task has split '" + split + "'"));
                    continue;
                }
                String source = builtin.isPresent() ? "builtin:" + builtin.get() : resolved.get().toString();
                suites.put(name, new StudyPlan.SuiteSpec(name, source, selected));
            } catch (Interp4jException e) {
                String where = path + (builtin.isPresent() ? ".builtin" : ".file");
                problems.addAll(e.problemsAt(where));
                unreadable.put(name, where);
            }
        }
        return suites;
    }

    private static Set<String> formats(Config study, List<Problem> problems) {
        if (!study.hasPath("report")) {
            return FORMATS;
        }
        Config report = study.getConfig("report");
        unknownKeys(report, "study.report", REPORT_KEYS, problems);
        if (!report.hasPath("formats")) {
            return FORMATS;
        }
        Set<String> formats = new LinkedHashSet<>();
        try {
            for (String f : report.getStringList("formats")) {
                if (!FORMATS.contains(f)) {
                    problems.add(new Problem("study.report.formats", "unknown format '" + f + "'; allowed: json, md, html"));
                }
                formats.add(f);
            }
        } catch (ConfigException.WrongType e) {
            problems.add(new Problem("study.report.formats", "must be a list like [json, md, html]"));
        }
        return formats;
    }

    private List<StudyPlan.StepSpec> steps(Config study, PluginRegistry studyRegistry, StudyPlan plan, Map<String, String> unreadableSuites,
            ModelSelection selection, List<String> leftOut, List<Problem> problems) {
        List<StudyPlan.StepSpec> steps = new ArrayList<>();
        if (!study.hasPath("steps") || study.getValue("steps").valueType() != ConfigValueType.LIST) {
            problems.add(new Problem("study.steps", "give a list of steps, e.g. steps = [ { id = ablation, experiment = sweep, settings { ... } } ]"));
            return steps;
        }
        List<? extends ConfigObject> list;
        try {
            list = study.getObjectList("steps");
        } catch (ConfigException.WrongType e) {
            problems.add(new Problem("study.steps", "every step must be an object { id, experiment, settings }"));
            return steps;
        }
        if (list.isEmpty()) {
            problems.add(new Problem("study.steps", "the study has no steps"));
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "study.steps[" + i + "]";
            Config step = list.get(i).toConfig();
            unknownKeys(step, path, STEP_KEYS, problems);
            Optional<String> id = string(step, "id", path, problems);
            Optional<String> experimentId = string(step, "experiment", path, problems);
            if (id.isEmpty()) {
                problems.add(new Problem(path + ".id", "missing; a short name like layer-ablation"));
            } else if (!NAME.matcher(id.get()).matches()) {
                problems.add(new Problem(path + ".id", "'" + id.get() + "' must be lowercase letters, digits, '-' or '_'"));
            } else if (!ids.add(id.get())) {
                problems.add(new Problem(path + ".id", "'" + id.get() + "' is used by an earlier step"));
            }
            if (experimentId.isEmpty()) {
                problems.add(new Problem(path + ".experiment", "missing; one of " + experiments.keySet()));
                continue;
            }
            if (!experiments.containsKey(experimentId.get())) {
                problems.add(new Problem(path + ".experiment", "unknown experiment '" + experimentId.get() + "'; known experiments: " + experiments.keySet()));
                continue;
            }
            Config user = step.hasPath("settings") && step.getValue("settings").valueType() == ConfigValueType.OBJECT
                    ? step.getConfig("settings") : ConfigFactory.empty();
            if (step.hasPath("settings") && step.getValue("settings").valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(path + ".settings", "must be an object"));
            }
            Config settings;
            try {
                settings = studyRegistry.settings(PluginKind.EXPERIMENT, experimentId.get(), user);
            } catch (Interp4jException e) {
                settingsProblems(e, experimentId.get(), path, problems);
                // an unknown key must not hide the step's other problems: check the rest without it
                Config known = studyRegistry.withoutUnknownKeys(PluginKind.EXPERIMENT, experimentId.get(), user);
                if (known.equals(user)) {
                    pluginRefProblems(studyRegistry, user.root(), path + ".settings", problems);
                    continue;
                }
                try {
                    settings = studyRegistry.settings(PluginKind.EXPERIMENT, experimentId.get(), known);
                } catch (Interp4jException again) {
                    pluginRefProblems(studyRegistry, user.root(), path + ".settings", problems);
                    continue; // its problems were in the message above
                }
            }
            Optional<Config> narrowed = selection.settings(settings);
            if (narrowed.isEmpty()) {
                leftOut.add(id.orElse("step-" + i));
                continue;
            }
            settings = narrowed.get();
            Experiment experiment;
            try {
                experiment = experiments.get(experimentId.get()).create(settings);
            } catch (Interp4jException e) {
                settingsProblems(e, experimentId.get(), path, problems);
                // the step stops here, before its validate() checks the plugins it names: check their settings all the same, so
                // that an unknown key there is not found only on the next run
                pluginRefProblems(studyRegistry, user.root(), path + ".settings", problems);
                continue;
            } catch (RuntimeException e) {
                problems.add(new Problem(path, "experiment '" + experimentId.get() + "' failed to start: " + e));
                continue;
            }
            StudyPlan.StepSpec spec = new StudyPlan.StepSpec(i, id.orElse("step-" + i), experimentId.get(), settings, experiment);
            for (String dependency : experiment.dependsOn()) {
                if (leftOut.contains(dependency)) {
                    problems.add(new Problem(path + ".settings", "reads the artefacts of step '" + dependency + "', which runs on none of the"
                            + " models " + ModelSelection.OPTION + " selects; select its models too"));
                } else if (steps.stream().noneMatch(s -> s.id().equals(dependency))) {
                    problems.add(new Problem(path + ".settings", "reads the artefacts of step '" + dependency + "', which is not an earlier step;"
                            + " earlier steps: " + steps.stream().map(StudyPlan.StepSpec::id).toList()));
                }
            }
            StudyContextImpl context = StudyContextImpl.validating(plan, studyRegistry, spec, unreadableSuites, steps);
            try {
                List<Problem> own = experiment.validate(context);
                problems.addAll(own);
                if (own.isEmpty()) {
                    problems.addAll(planProblems(experiment, context, plan));
                }
            } catch (Interp4jException e) {
                problems.addAll(e.problemsAt(path + ".settings"));
            }
            steps.add(spec);
        }
        return steps;
    }

    /** The most problems one step's forward plans report: one wrong setting usually makes every forward wrong alike. */
    private static final int PLAN_PROBLEMS = 3;

    /**
     * Builds a valid step's forward plans as a dry run would (tokenizers and configs, no weights) and checks
     * every request against its model ({@link ForwardRequest#checkIn}), so that what only the prompts decide
     * (a prompt that encodes to nothing, a patch between prompts of different lengths, a position with no
     * source row) is found before any step runs, not after earlier steps ran for hours.
     */
    private static List<Problem> planProblems(Experiment experiment, StudyContextImpl context, StudyPlan plan) {
        List<Problem> problems = new ArrayList<>();
        List<ForwardPlan> plans;
        try {
            plans = experiment.plans(context);
        } catch (Interp4jException e) {
            return e.problemsAt(context.path());
        }
        for (int p = 0; p < plans.size() && problems.size() < PLAN_PROBLEMS; p++) {
            List<ForwardRequest> requests = plans.get(p).requests();
            for (int r = 0; r < requests.size() && problems.size() < PLAN_PROBLEMS; r++) {
                ForwardRequest request = requests.get(r);
                String model = ModelRef.parse(request.model()).name();
                StudyPlan.ModelSpec spec = plan.models().get(model);
                try {
                    if (spec == null) {
                        throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + model + "'; the study's models: "
                                + plan.models().keySet());
                    }
                    request.checkIn(spec.config());
                } catch (Interp4jException e) {
                    problems.add(new Problem(context.path(), "forward " + (r + 1) + " of " + requests.size() + " in forward plan " + (p + 1)
                            + " of " + plans.size() + " (model '" + model + "', " + request.length() + " tokens): " + e.getMessage()));
                }
            }
        }
        return problems;
    }

    /** The plugin kinds a step's settings name by {@code { id = ..., settings { ... } }}. */
    private static final List<PluginKind> REFERENCED_KINDS = List.of(PluginKind.PROBE, PluginKind.INTERVENTION, PluginKind.METRIC);

    /**
     * Checks the settings of every plugin a step's settings name ({@code { id = ..., settings { ... } }}, at any depth), for a
     * step that stopped before its own validation could: problems under the path where they were written. An id that names
     * no plugin, or plugins of several kinds, is left to the step's own check.
     */
    private static void pluginRefProblems(PluginRegistry registry, ConfigValue value, String path, List<Problem> problems) {
        if (value instanceof ConfigObject object) {
            ConfigValue id = object.get("id");
            ConfigValue settings = object.get("settings");
            if (id != null && id.valueType() == ConfigValueType.STRING && settings instanceof ConfigObject given) {
                List<PluginKind> kinds = REFERENCED_KINDS.stream().filter(k -> registry.ids(k).contains((String) id.unwrapped())).toList();
                if (kinds.size() == 1) {
                    problems.addAll(registry.problems(kinds.get(0), (String) id.unwrapped(), given.toConfig(), path + ".settings"));
                    return;
                }
            }
            object.forEach((key, child) -> pluginRefProblems(registry, child, path + "." + key, problems));
        } else if (value instanceof com.typesafe.config.ConfigList list) {
            for (int i = 0; i < list.size(); i++) {
                pluginRefProblems(registry, list.get(i), path + "[" + i + "]", problems);
            }
        }
    }

    /** An experiment's settings problems, under the step's config path. */
    private static void settingsProblems(Interp4jException e, String experimentId, String path, List<Problem> problems) {
        String settings = path + ".settings";
        problems.addAll(Problem.rebased(e.problemsAt(settings), PluginKind.EXPERIMENT.problemPath(experimentId), settings));
    }

    private static void unknownKeys(Config config, String path, Set<String> allowed, List<Problem> problems) {
        for (String key : config.root().keySet()) {
            if (!allowed.contains(key)) {
                problems.add(new Problem(path + "." + key, "unknown key; allowed: " + new java.util.TreeSet<>(allowed)));
            }
        }
    }

    /**
     * A path setting resolved against the study file's folder; text that is no path on this system (a NUL
     * character) is a problem naming the setting, not an exception.
     */
    private static Optional<Path> resolve(Path base, String text, String where, List<Problem> problems) {
        try {
            return Optional.of(base.resolve(text).normalize());
        } catch (InvalidPathException e) {
            problems.add(new Problem(where, "found " + ConfigValueFactory.fromAnyRef(text).render() + ", which is not a path on this system ("
                    + e.getReason() + "); allowed: a file path, relative to the study file's folder"));
            return Optional.empty();
        }
    }

    private static Optional<String> string(Config config, String key, String path, List<Problem> problems) {
        if (!config.hasPath(key)) {
            return Optional.empty();
        }
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.STRING && value.valueType() != ConfigValueType.NUMBER
                && value.valueType() != ConfigValueType.BOOLEAN) {
            problems.add(new Problem(path + "." + key, "must be a string, found " + value.valueType().name().toLowerCase(java.util.Locale.ROOT)));
            return Optional.empty();
        }
        return Optional.of(String.valueOf(value.unwrapped()));
    }

    private static long number(Config config, String key, String path, List<Problem> problems) {
        try {
            return config.getLong(key);
        } catch (ConfigException e) {
            problems.add(new Problem(path + "." + key, "must be an integer, found " + config.getValue(key).render()));
            return 0;
        }
    }
}
