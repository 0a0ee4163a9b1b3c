package io.interp4j.app.plugins;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one place plugins are discovered: engines, probes, interventions and metrics, found with
 * {@link ServiceLoader} or registered explicitly. Ids are checked at start-up (lowercase kebab-case,
 * unique per kind); a plugin that cannot be instantiated is set aside with its error and does not
 * stop the others; an unknown id lists the ids that exist.
 */
public final class PluginRegistry {
    private static final System.Logger LOG = System.getLogger(PluginRegistry.class.getName());
    private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    /**
     * One registered plugin.
     *
     * @param kind its kind
     * @param id its id
     * @param plugin the factory (or engine provider)
     * @param module the module that provides it
     * @param version that module's version
     * @param description one line
     */
    public record Entry(PluginKind kind, String id, Object plugin, String module, String version, String description) {}

    /**
     * A plugin that could not be instantiated or named.
     *
     * @param kind the SPI it was found for
     * @param provider the provider class or its description
     * @param error what went wrong
     */
    public record Failure(PluginKind kind, String provider, String error) {}

    private final Map<PluginKind, Map<String, Entry>> entries;
    private final List<Failure> failures;
    private final Config reference;

    private PluginRegistry(Map<PluginKind, Map<String, Entry>> entries, List<Failure> failures, Config reference) {
        this.entries = entries;
        this.failures = List.copyOf(failures);
        this.reference = reference;
    }

    /**
     * Finds every plugin on the module path (or class path).
     *
     * @return the registry
     */
    public static PluginRegistry discover() {
        Builder builder = builder();
        builder.load(PluginKind.ENGINE, EngineProvider.class);
        builder.load(PluginKind.PROBE, ProbeFactory.class);
        builder.load(PluginKind.INTERVENTION, InterventionFactory.class);
        builder.load(PluginKind.METRIC, MetricFactory.class);
        builder.load(PluginKind.EXPERIMENT, ExperimentFactory.class);
        return builder.build();
    }

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
            add(PluginKind.ENGINE, engine.id(), engine, engine.description());
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
            add(kind, factory.id(), factory, factory.description());
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

        private <T> void load(PluginKind kind, Class<T> spi) {
            for (ServiceLoader.Provider<T> provider : ServiceLoader.load(spi).stream().toList()) {
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
                    failures.add(new Failure(kind, provider.type().getName(), String.valueOf(e)));
                    LOG.log(System.Logger.Level.WARNING, "{0} plugin {1} failed to load: {2}", kind.configName(), provider.type().getName(), e);
                    continue;
                }
                add(kind, id, plugin, description);
            }
        }

        private void add(PluginKind kind, String id, Object plugin, String description) {
            if (id == null || !KEBAB.matcher(id).matches()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin " + plugin.getClass().getName()
                        + " has id '" + id + "'; ids must be lowercase kebab-case like 'kl-divergence'");
            }
            Module module = plugin.getClass().getModule();
            String moduleName = module.isNamed() ? module.getName() : "(class path)";
            String version = Optional.ofNullable(module.getDescriptor()).flatMap(ModuleDescriptor::rawVersion)
                    .or(() -> Optional.ofNullable(plugin.getClass().getPackage().getImplementationVersion()))
                    .orElse("unknown");
            Entry previous = entries.get(kind).put(id, new Entry(kind, id, plugin, moduleName, version, description == null ? "" : description));
            if (previous != null) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, kind.configName() + " plugin id '" + id + "' is provided twice: by "
                        + previous.plugin().getClass().getName() + " and " + plugin.getClass().getName());
            }
            LOG.log(System.Logger.Level.DEBUG, "found {0} plugin {1} in {2} {3}", kind.configName(), id, moduleName, version);
        }

        /**
         * Builds the registry.
         *
         * @return the registry
         */
        public PluginRegistry build() {
            Map<PluginKind, Map<String, Entry>> copy = new EnumMap<>(PluginKind.class);
            entries.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
            return new PluginRegistry(copy, failures, reference);
        }
    }

    /**
     * Returns a registry with the same plugins whose settings default to another reference: a study
     * layers its own {@code interp4j.*} overrides and system properties over the plugins' files.
     *
     * @param layered the reference to resolve settings against
     * @return the registry
     */
    public PluginRegistry withReference(Config layered) {
        return new PluginRegistry(entries, failures, requireNonNull(layered, "layered is null"));
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
            String failed = failures.stream().filter(f -> f.kind() == kind).map(f -> f.provider() + ": " + f.error()).toList().toString();
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "unknown " + kind.configName() + " '" + id + "'; known "
                    + kind.configName() + "s: " + ids(kind) + (failures.isEmpty() ? "" : "; failed to load: " + failed));
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
