package io.interp4j.app.plugins;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * The jars of plugin folders, opened beside the application: modular jars (with a {@code
 * module-info.class}) as a module layer over the boot layer, plain jars through one class loader
 * (class-path semantics, so a plain plugin may keep its libraries beside it). A jar that cannot be
 * read or resolved is set aside with the reason, and the others are still opened.
 */
public final class PluginFolders {
    /** The system property (and study-independent setting) naming more plugin folders. */
    public static final String PATH_PROPERTY = "interp4j.plugin-path";
    /** The system property the launcher sets to its own folder; its {@code plugins/} is searched first. */
    public static final String HOME_PROPERTY = "interp4j.home";

    /**
     * Where plugins outside the module path live.
     *
     * @param loader the class loader of a module layer or of the plain jars
     * @param layer the module layer when the source holds modular jars
     * @param jars the jars the source holds
     */
    record Source(ClassLoader loader, Optional<ModuleLayer> layer, List<Path> jars) {
        /** Whether a provider class comes from this source (a service loader also sees the parents' providers). */
        boolean owns(Class<?> type) {
            return layer.map(l -> type.getModule().getLayer() == l).orElseGet(() -> type.getClassLoader() == loader);
        }
    }

    /**
     * A jar that was set aside.
     *
     * @param jar the jar
     * @param error what is wrong with it
     */
    record JarFailure(Path jar, String error) {}

    private final List<Source> sources;
    private final List<JarFailure> failures;
    private final Config reference;

    private PluginFolders(List<Source> sources, List<JarFailure> failures, Config reference) {
        this.sources = List.copyOf(sources);
        this.failures = List.copyOf(failures);
        this.reference = reference;
    }

    /**
     * The plugin folders of this start: {@code plugins/} beside the launcher ({@value #HOME_PROPERTY}) when
     * it exists, then the folders of the {@value #PATH_PROPERTY} system property, then the command line's.
     * A folder named explicitly must exist.
     *
     * @param commandLine folders given with {@code --plugin-path} (each may hold several, separated by {@code :})
     * @return the folders, in order, without repeats
     */
    public static List<Path> folders(List<String> commandLine) {
        List<Path> folders = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && Files.isDirectory(Path.of(home, "plugins"))) {
            folders.add(Path.of(home, "plugins"));
        }
        List<String> named = new ArrayList<>();
        String property = System.getProperty(PATH_PROPERTY);
        if (property != null && !property.isBlank()) {
            named.add(property);
        }
        named.addAll(commandLine);
        for (String entry : named) {
            for (String part : entry.split(File.pathSeparator)) {
                if (part.isBlank()) {
                    continue;
                }
                Path folder = Path.of(part);
                if (!Files.isDirectory(folder)) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "plugin folder " + folder + " (from --plugin-path or -D"
                            + PATH_PROPERTY + ") is not a directory; give folders holding plugin jars, separated by " + File.pathSeparator);
                }
                folders.add(folder);
            }
        }
        List<Path> distinct = new ArrayList<>();
        for (Path folder : folders) {
            Path normal = folder.toAbsolutePath().normalize();
            if (!distinct.contains(normal)) {
                distinct.add(normal);
            }
        }
        return distinct;
    }

    /**
     * Opens the jars of the given folders (each folder's {@code *.jar}, in name order).
     *
     * @param folders the folders
     * @param parent the loader plugins see the application through
     * @return the opened sources and the jars set aside
     */
    static PluginFolders open(List<Path> folders, ClassLoader parent) {
        List<Source> sources = new ArrayList<>();
        List<JarFailure> failures = new ArrayList<>();
        Config reference = ConfigFactory.empty();
        Map<String, Path> modular = new LinkedHashMap<>();
        List<Path> plain = new ArrayList<>();
        for (Path jar : jars(folders, failures)) {
            Config jarReference;
            boolean isModular;
            try (JarFile file = new JarFile(jar.toFile())) {
                isModular = file.getEntry("module-info.class") != null;
                jarReference = reference(file);
            } catch (IOException | ConfigException e) {
                failures.add(new JarFailure(jar, "cannot be read as a plugin jar: " + e.getMessage()));
                continue;
            }
            if (isModular) {
                Optional<String> name = moduleName(jar, failures);
                if (name.isEmpty()) {
                    continue;
                }
                Optional<Module> existing = ModuleLayer.boot().findModule(name.get());
                if (existing.isPresent() || modular.containsKey(name.get())) {
                    failures.add(new JarFailure(jar, "module " + name.get() + " is already provided by "
                            + (existing.isPresent() ? "the application's module path" : modular.get(name.get())) + "; remove one of them"));
                    continue;
                }
                modular.put(name.get(), jar);
            } else {
                plain.add(jar);
            }
            reference = reference.withFallback(jarReference);
        }
        sources.addAll(layers(modular, parent, failures));
        if (!plain.isEmpty()) {
            URL[] urls = plain.stream().map(PluginFolders::url).toArray(URL[]::new);
            sources.add(new Source(new URLClassLoader("interp4j-plugins", urls, parent), Optional.empty(), plain));
        }
        return new PluginFolders(sources, failures, reference);
    }

    /** The opened sources. */
    List<Source> sources() {
        return sources;
    }

    /** The jars set aside, with the reason. */
    List<JarFailure> failures() {
        return failures;
    }

    /** The merged {@code reference.conf} files of the opened jars. */
    Config reference() {
        return reference;
    }

    private static List<Path> jars(List<Path> folders, List<JarFailure> failures) {
        List<Path> jars = new ArrayList<>();
        for (Path folder : folders) {
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
            } catch (IOException | UncheckedIOException e) {
                failures.add(new JarFailure(folder, "cannot list the plugin folder: " + e.getMessage()));
            }
        }
        return jars;
    }

    private static Config reference(JarFile file) throws IOException {
        ZipEntry entry = file.getEntry("reference.conf");
        if (entry == null) {
            return ConfigFactory.empty();
        }
        try (Reader reader = new InputStreamReader(file.getInputStream(entry), StandardCharsets.UTF_8)) {
            return ConfigFactory.parseReader(reader, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription(file.getName() + "!/reference.conf")).resolve();
        }
    }

    private static Optional<String> moduleName(Path jar, List<JarFailure> failures) {
        try {
            Set<ModuleReference> found = ModuleFinder.of(jar).findAll();
            return found.stream().findFirst().map(r -> r.descriptor().name());
        } catch (FindException e) {
            failures.add(new JarFailure(jar, "is not a valid module: " + message(e)));
            return Optional.empty();
        }
    }

    /**
     * One layer for all modular jars; if they do not resolve together, one layer per jar, so a jar
     * whose requirements are missing is set aside alone.
     */
    private static List<Source> layers(Map<String, Path> modular, ClassLoader parent, List<JarFailure> failures) {
        if (modular.isEmpty()) {
            return List.of();
        }
        ModuleFinder finder = ModuleFinder.of(modular.values().toArray(Path[]::new));
        try {
            return List.of(layer(finder, modular, List.copyOf(modular.keySet()), parent));
        } catch (FindException | ResolutionException | LayerInstantiationException e) {
            List<Source> sources = new ArrayList<>();
            for (Map.Entry<String, Path> jar : modular.entrySet()) {
                try {
                    sources.add(layer(finder, modular, List.of(jar.getKey()), parent));
                } catch (FindException | ResolutionException | LayerInstantiationException single) {
                    failures.add(new JarFailure(jar.getValue(), "module " + jar.getKey() + " cannot be resolved: " + message(single)));
                }
            }
            return sources;
        }
    }

    private static Source layer(ModuleFinder finder, Map<String, Path> modular, List<String> roots, ClassLoader parent) {
        Configuration configuration = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), roots);
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(configuration, parent);
        List<Path> jars = configuration.modules().stream().map(m -> modular.get(m.name())).filter(p -> p != null).sorted().toList();
        return new Source(layer.findLoader(roots.get(0)), Optional.of(layer), jars);
    }

    private static String message(Exception e) {
        return e.getCause() == null || e.getMessage().contains(String.valueOf(e.getCause().getMessage()))
                ? e.getMessage() : e.getMessage() + ": " + e.getCause().getMessage();
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jar + ": " + e.getMessage(), e);
        }
    }
}
