package io.interp4j.app.plugins;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.intervention.InterventionFactory;
import io.interp4j.api.intervention.InterventionPlan;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricFactory;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.PluginFactory;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeFactory;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one place plugins are discovered: engines, probes, interventions and metrics, found with
 * {@link ServiceLoader} on the application's module path and in plugin folders ({@link PluginFolders}),
 * or registered explicitly. Ids are checked at start-up (lowercase kebab-case, unique per kind); a
 * plugin that cannot be instantiated, and a plugin jar that cannot be opened or repeats an id, is set
 * aside with its error and does not stop the others; an unknown id lists the ids that exist.
 */
public final class PluginRegistry {
    private static final System.Logger LOG = System.getLogger(PluginRegistry.class.getName());
    private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final int MAX_LOOKUP_ERRORS = 1000;

    /**
     * One registered plugin.
     *
     * @param kind its kind
     * @param id its id
     * @param plugin the factory (or engine provider)
     * @param module the module that provides it
     * @param version that module's version (its descriptor's, else its jar manifest's Implementation-Version)
     * @param description one line
     * @param source the jar (or class folder) its class was loaded from
     */
    public record Entry(PluginKind kind, String id, Object plugin, String module, String version, String description, Path source) {}

    /**
     * A plugin, or a plugin jar, that could not be loaded.
     *
     * @param kind the SPI it was found for; empty for a whole jar
     * @param provider the provider class, or the jar
     * @param source the jar it came from, or where it was looked for
     * @param error what went wrong
     */
    public record Failure(Optional<PluginKind> kind, String provider, String source, String error) {
        /**
         * Returns the warning line naming the jar and the plugin.
         *
         * @return the line
         */
        public String describe() {
            return kind.map(k -> source + ": " + k.configName() + " plugin " + provider + " failed to load: ")
                    .orElse("plugin jar " + source + " ") + error;
        }
    }

    private final Map<PluginKind, Map<String, Entry>> entries;
    private final List<Failure> failures;
    private final Config reference;
    private final Config folderDefaults;
    private final Map<Path, String> digests = new ConcurrentHashMap<>();

    private PluginRegistry(Map<PluginKind, Map<String, Entry>> entries, List<Failure> failures, Config reference, Config folderDefaults) {
        this.entries = entries;
        this.failures = List.copyOf(failures);
        this.reference = reference;
        this.folderDefaults = folderDefaults;
    }

    /**
     * Finds every plugin on the module path (or class path).
     *
     * @return the registry
     */
    public static PluginRegistry discover() {
        return discover(List.of());
    }

    /**
     * Finds every plugin on the module path (or class path) and in the jars of plugin folders. The
     * folders' {@code reference.conf} files join the application's as plugin defaults.
     *
     * @param folders plugin folders ({@link PluginFolders#folders})
     * @return the registry
     */
    public static PluginRegistry discover(List<Path> folders) {
        Builder builder = builder();
        for (SpiKind spi : SPIS) {
            builder.load(spi.kind(), ServiceLoader.load(spi.type()), type -> true, "the module path", false);
        }
        if (folders.isEmpty()) {
            return builder.build();
        }
        PluginFolders opened = PluginFolders.open(folders, PluginRegistry.class.getClassLoader());
        for (PluginFolders.JarFailure failure : opened.failures()) {
            builder.fail(new Failure(Optional.empty(), failure.jar().toString(), failure.jar().toString(), failure.error()));
        }
        for (PluginFolders.Source source : opened.sources()) {
            for (SpiKind spi : SPIS) {
                ServiceLoader<?> loader = source.layer().isPresent()
                        ? ServiceLoader.load(source.layer().get(), spi.type()) : ServiceLoader.load(spi.type(), source.loader());
                builder.load(spi.kind(), loader, source::owns, source.jars().toString(), true);
            }
        }
        // only the namespaces of the plugins the folders provided: a jar cannot change another plugin's defaults
        Config defaults = ConfigFactory.empty();
        for (String path : builder.outsidePaths) {
            if (opened.reference().hasPathOrNull(path)) {
                defaults = defaults.withValue(path, opened.reference().getValue(path));
            }
        }
        builder.folderDefaults = defaults;
        builder.reference = builder.reference.withFallback(defaults).resolve();
        return builder.build();
    }

    private record SpiKind(PluginKind kind, Class<?> type) {}

    private static final List<SpiKind> SPIS = List.of(new SpiKind(PluginKind.ENGINE, EngineProvider.class),
            new SpiKind(PluginKind.PROBE, ProbeFactory.class), new SpiKind(PluginKind.INTERVENTION, InterventionFactory.class),
            new SpiKind(PluginKind.METRIC, MetricFactory.class), new SpiKind(PluginKind.EXPERIMENT, ExperimentFactory.class));

    /**
     * Starts an explicit registration (tests need no class-path set-up).
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects plugins and checks their ids. */
    public static final class Builder {
        private final Map<PluginKind, Map<String, Entry>> entries = new EnumMap<>(PluginKind.class);
        private final List<Failure> failures = new ArrayList<>();
        private Config reference = ConfigFactory.defaultReference(PluginRegistry.class.getClassLoader());
        private Config folderDefaults = ConfigFactory.empty();
        private final List<String> outsidePaths = new ArrayList<>();

        private Builder() {
            for (PluginKind kind : PluginKind.values()) {
                entries.put(kind, new TreeMap<>());
            }
        }

        /**
         * Registers an engine.
         *
         * @param engine the engine
         * @return this builder
         */
        public Builder engine(EngineProvider engine) {
            add(PluginKind.ENGINE, engine.id(), engine, engine.description(), false);
            return this;
        }

        /**
         * Registers a probe, intervention or metric factory.
         *
         * @param kind its kind
         * @param factory the factory
         * @return this builder
         */
        public Builder plugin(PluginKind kind, PluginFactory<?> factory) {
            add(kind, factory.id(), factory, factory.description(), false);
            return this;
        }

        /**
         * Uses another reference config (the merged {@code reference.conf} files) for settings.
         *
         * @param config the reference
         * @return this builder
         */
        public Builder reference(Config config) {
            this.reference = requireNonNull(config, "config is null");
            return this;
        }

        /**
         * Loads the providers a service loader finds that the filter owns. A provider that fails is
         * set aside; one from a plugin folder ({@code outside}) that has a bad or repeated id too,
         * while on the application's own module path that stops the start.
         */
        private void load(PluginKind kind, ServiceLoader<?> loader, Predicate<Class<?>> owns, String origin, boolean outside) {
            Iterator<? extends ServiceLoader.Provider<?>> providers = loader.stream().iterator();
            int errors = 0;
            while (errors < MAX_LOOKUP_ERRORS) {
                ServiceLoader.Provider<?> provider;
                try {
                    if (!providers.hasNext()) {
                        return;
                    }
                    provider = providers.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    // a services file naming a missing or unloadable class: the loader moves on to the next entry
                    errors++;
                    fail(new Failure(Optional.of(kind), "(a provider)", origin, String.valueOf(e)));
                    continue;
                }
                Class<?> type;
                try {
                    type = provider.type();
                } catch (ServiceConfigurationError | LinkageError e) {
                    errors++;
                    fail(new Failure(Optional.of(kind), "(a provider)", origin, String.valueOf(e)));
                    continue;
                }
                if (!owns.test(type)) {
                    continue;
                }
                Object plugin;
                String id;
                String description;
                try {
                    plugin = provider.get();
                    if (plugin instanceof EngineProvider engine) {
                        id = engine.id();
                        description = engine.description();
                    } else {
                        PluginFactory<?> factory = (PluginFactory<?>) plugin;
                        id = factory.id();
                        description = factory.description();
                    }
                } catch (RuntimeException | ServiceConfigurationError | LinkageError e) {
                    fail(new Failure(Optional.of(kind), type.getName(), sourceOf(type).toString(), String.valueOf(e.getCause() == null ? e : e.getCause())));
                    continue;
                }
                try {
                    add(kind, id, plugin, description, outside);
                } catch (Interp4jException e) {
                    if (!outside) {
                        throw e;
                    }
                    fail(new Failure(Optional.of(kind), type.getName(), sourceOf(type).toString(), e.getMessage()));
                }
            }
        }

        private void fail(Failure failure) {
            failures.add(failure);
            LOG.log(System.Logger.Level.DEBUG, failure.describe());
        }

        private void add(PluginKind kind, String id, Object plugin, String description, boolean outside) {
            if (id == null || !KEBAB.matcher(id).matches()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin " + plugin.getClass().getName()
                        + " has id '" + id + "'; ids must be lowercase kebab-case like 'kl-divergence'");
            }
            Module module = plugin.getClass().getModule();
            String moduleName = module.isNamed() ? module.getName() : "(class path)";
            String version = Optional.ofNullable(module.getDescriptor()).flatMap(ModuleDescriptor::rawVersion)
                    .or(() -> Optional.ofNullable(plugin.getClass().getPackage().getImplementationVersion()))
                    .orElse("unknown");
            Entry entry = new Entry(kind, id, plugin, moduleName, version, description == null ? "" : description, sourceOf(plugin.getClass()));
            Entry previous = entries.get(kind).get(id);
            if (previous != null) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin id '" + id + "' is provided twice: by "
                        + previous.plugin().getClass().getName() + " (" + previous.source() + ") and " + plugin.getClass().getName()
                        + " (" + entry.source() + ")" + (outside ? "; the second is ignored" : ""));
            }
            entries.get(kind).put(id, entry);
            if (outside) {
                outsidePaths.add(kind.settingsPath(id));
            }
            LOG.log(System.Logger.Level.DEBUG, "found {0} plugin {1} in {2} {3} ({4})", kind.configName(), id, moduleName, version, entry.source());
        }

        /**
         * Builds the registry.
         *
         * @return the registry
         */
        public PluginRegistry build() {
            Map<PluginKind, Map<String, Entry>> copy = new EnumMap<>(PluginKind.class);
            entries.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
            return new PluginRegistry(copy, failures, reference, folderDefaults);
        }
    }

    /**
     * Returns the jar (or class folder) a class was loaded from.
     *
     * @param type the class
     * @return its location; for a class without one, the path {@code (unknown)}
     */
    static Path sourceOf(Class<?> type) {
        java.security.CodeSource code = type.getProtectionDomain().getCodeSource();
        if (code == null || code.getLocation() == null) {
            return Path.of("(unknown)");
        }
        try {
            return Path.of(code.getLocation().toURI());
        } catch (java.net.URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Path.of("(unknown)");
        }
    }

    /**
     * Returns the plugin defaults of the plugin folders' jars (their {@code reference.conf} files,
     * unresolved), which a study layers under the application's own.
     *
     * @return the defaults; empty without plugin folders
     */
    public Config folderDefaults() {
        return folderDefaults;
    }

    /**
     * Returns what produced a plugin's numbers, for step fingerprints: its kind, id, version and the
     * SHA-256 of the jar (or class folder) it came from.
     *
     * @param kind the kind
     * @param id the id
     * @return {@code kind/id@version sha256:...}
     */
    public String provenance(PluginKind kind, String id) {
        Entry entry = entry(kind, id);
        return kind.configName() + "/" + id + "@" + entry.version() + " sha256:" + digests.computeIfAbsent(entry.source(), Digests::source);
    }

    /**
     * Returns a registry with the same plugins whose settings default to another reference: a study
     * layers its own {@code interp4j.*} overrides and system properties over the plugins' files.
     *
     * @param layered the reference to resolve settings against
     * @return the registry
     */
    public PluginRegistry withReference(Config layered) {
        PluginRegistry layeredRegistry = new PluginRegistry(entries, failures, requireNonNull(layered, "layered is null"), folderDefaults);
        layeredRegistry.digests.putAll(digests);
        return layeredRegistry;
    }

    /**
     * Returns the factories of one kind by id, for dependency injection.
     *
     * @param kind the kind
     * @param type the factory type
     * @param <T> the factory type
     * @return id to factory
     */
    public <T> Map<String, T> plugins(PluginKind kind, Class<T> type) {
        Map<String, T> result = new TreeMap<>();
        entries.get(kind).forEach((id, e) -> result.put(id, type.cast(e.plugin())));
        return result;
    }

    /**
     * Returns every plugin, by kind then id.
     *
     * @return the entries
     */
    public List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        entries.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /**
     * Returns the plugins that could not be loaded.
     *
     * @return the failures
     */
    public List<Failure> failures() {
        return failures;
    }

    /**
     * Returns the ids of one kind.
     *
     * @param kind the kind
     * @return the ids, sorted
     */
    public List<String> ids(PluginKind kind) {
        return List.copyOf(entries.get(kind).keySet());
    }

    /**
     * Returns the entry of a plugin or fails listing the known ids.
     *
     * @param kind the kind
     * @param id the id
     * @return the entry
     */
    public Entry entry(PluginKind kind, String id) {
        Entry entry = entries.get(kind).get(id);
        if (entry == null) {
            List<String> failed = failures.stream().filter(f -> f.kind().isEmpty() || f.kind().get() == kind).map(Failure::describe).toList();
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown " + kind.configName() + " '" + id + "'; known "
                    + kind.configName() + "s: " + ids(kind) + (failed.isEmpty() ? "" : "; failed to load: " + failed));
        }
        return entry;
    }

    /**
     * Returns an engine.
     *
     * @param id the engine id
     * @return the engine
     */
    public EngineProvider engine(String id) {
        return (EngineProvider) entry(PluginKind.ENGINE, id).plugin();
    }

    /**
     * Opens, validates and loads a model directory on an engine.
     *
     * @param engine the engine id
     * @param directory the Hugging Face model directory
     * @return the model
     */
    public Model loadModel(String engine, Path directory) {
        return loadModel(engine, directory, LoadOptions.defaults());
    }

    /**
     * Opens, validates and loads a model directory on an engine with options (e.g. a LoRA adapter).
     *
     * @param engine the engine id
     * @param directory the Hugging Face model directory
     * @param options the load options
     * @return the model
     */
    public Model loadModel(String engine, Path directory, LoadOptions options) {
        EngineProvider provider = engine(engine);
        return provider.load(Checkpoint.open(directory), options);
    }

    /**
     * Resolves a plugin's settings (its reference.conf defaults under the user's values, strictly).
     *
     * @param kind the kind
     * @param id the plugin id
     * @param user the user's settings
     * @return the resolved settings
     */
    public Config settings(PluginKind kind, String id, Config user) {
        entry(kind, id);
        return PluginSettings.resolve(kind, id, user, reference);
    }

    /**
     * Checks a plugin's settings, each problem under the config path where the user wrote them.
     *
     * @param kind the kind
     * @param id the plugin id
     * @param user the user's settings
     * @param path where they were written, e.g. {@code study.steps[1].settings.metrics[0].settings}
     * @return the problems (an unknown id, unknown keys, wrong types); empty if none
     */
    public List<Problem> problems(PluginKind kind, String id, Config user, String path) {
        try {
            entry(kind, id);
        } catch (Interp4jException e) {
            return e.problemsAt(path);
        }
        return PluginSettings.check(kind, id, user, path, reference);
    }

    /**
     * A plugin's settings without the keys it does not have, so that the rest can still be checked
     * after those keys were reported.
     *
     * @param kind the kind
     * @param id the plugin id
     * @param user the user's settings
     * @return the settings without unknown keys
     */
    public Config withoutUnknownKeys(PluginKind kind, String id, Config user) {
        entry(kind, id);
        return PluginSettings.withoutUnknownKeys(kind, id, user, reference);
    }

    /**
     * Creates a probe.
     *
     * @param id the probe id
     * @param user the user's settings
     * @return the probe
     */
    public Probe probe(String id, Config user) {
        return create(PluginKind.PROBE, id, user, Probe.class);
    }

    /**
     * Creates an intervention plan.
     *
     * @param id the intervention id
     * @param user the user's settings
     * @return the plan
     */
    public InterventionPlan intervention(String id, Config user) {
        return create(PluginKind.INTERVENTION, id, user, InterventionPlan.class);
    }

    /**
     * Creates a metric.
     *
     * @param id the metric id
     * @param user the user's settings
     * @return the metric
     */
    public Metric metric(String id, Config user) {
        return create(PluginKind.METRIC, id, user, Metric.class);
    }

    /**
     * Creates an experiment.
     *
     * @param id the experiment id
     * @param user the user's settings
     * @return the experiment
     */
    public Experiment experiment(String id, Config user) {
        return create(PluginKind.EXPERIMENT, id, user, Experiment.class);
    }

    private <T> T create(PluginKind kind, String id, Config user, Class<T> type) {
        Config settings = settings(kind, id, user);
        PluginFactory<?> factory = (PluginFactory<?>) entry(kind, id).plugin();
        Object created;
        try {
            created = factory.create(settings);
        } catch (Interp4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin '" + id + "' failed to start: " + e, e);
        }
        if (!type.isInstance(created)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin '" + id + "' created "
                    + (created == null ? "null" : created.getClass().getName()) + ", not a " + type.getSimpleName());
        }
        return type.cast(created);
    }
}
