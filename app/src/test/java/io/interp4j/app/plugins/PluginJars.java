package io.interp4j.app.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds real plugin jars in tests: Java sources compiled with javac against the test's class path, plus resources. */
final class PluginJars {
    private PluginJars() {}

    /** The test class path without PyTorch's native jar (whose automatic module name is invalid) and the test classes. */
    static List<String> modulePath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                // jazzer and jazzer-junit (the fuzz tests' libraries) split a package, which a module path refuses
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("pytorch-native") && !e.endsWith("test-classes")
                        && !Path.of(e).getFileName().toString().startsWith("jazzer"))
                .toList();
    }

    /** PyTorch's native jar, which stays on the class path. */
    static List<String> nativeClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> Path.of(e).getFileName().toString().startsWith("pytorch-native")).toList();
    }

    /**
     * Compiles sources (path → text; {@code module-info.java} makes a modular jar) and writes them with resources into a jar.
     *
     * @param jar the jar to write
     * @param sources Java sources by relative path
     * @param resources other files by path inside the jar
     * @return the jar
     */
    static Path build(Path jar, Map<String, String> sources, Map<String, String> resources) throws IOException {
        return build(jar, sources, resources, List.of());
    }

    /** As {@link #build(Path, Map, Map)}, with more modules to compile a modular jar against. */
    static Path build(Path jar, Map<String, String> sources, Map<String, String> resources, List<Path> modules) throws IOException {
        Path work = Files.createTempDirectory(jar.getParent(), "src");
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = work.resolve("src").resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            files.add(file.toString());
        }
        boolean modular = sources.containsKey("module-info.java");
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17", "-proc:none"));
        List<String> path = new ArrayList<>(modular ? modulePath() : List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        modules.forEach(m -> path.add(m.toString()));
        args.addAll(List.of(modular ? "--module-path" : "-cp", String.join(File.pathSeparator, path)));
        args.addAll(files);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        int code = files.isEmpty() ? 0 : javac.run(null, log, log, args.toArray(String[]::new));
        assertThat(code).as(log.toString(StandardCharsets.UTF_8)).isZero();
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
                Stream<Path> walk = Files.walk(classes)) {
            for (Path c : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(c));
                out.closeEntry();
            }
            for (Map.Entry<String, String> resource : resources.entrySet()) {
                out.putNextEntry(new JarEntry(resource.getKey()));
                out.write(resource.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A metric factory source: id, a settings key read in create, and an optional constructor body. */
    static String metric(String pkg, String className, String id, String constructorBody) {
        return """
                package %1$s;

                import com.typesafe.config.Config;
                import io.interp4j.api.metric.Metric;
                import io.interp4j.api.metric.MetricFactory;
                import io.interp4j.api.metric.MetricInput;
                import io.interp4j.api.metric.MetricResult;

                public final class %2$s implements MetricFactory {
                    public %2$s() {
                        %4$s
                    }

                    @Override
                    public String id() {
                        return "%3$s";
                    }

                    @Override
                    public String description() {
                        return "the patched divergence times its factor";
                    }

                    @Override
                    public Metric create(Config settings) {
                        double factor = settings.getDouble("factor");
                        return new Metric() {
                            @Override
                            public Class<? extends MetricInput> inputType() {
                                return MetricInput.Divergences.class;
                            }

                            @Override
                            public MetricResult compute(MetricInput input) {
                                return MetricResult.of(factor * ((MetricInput.Divergences) input).patched(), "ratio");
                            }

                            @Override
                            public String describe() {
                                return "factor × patched";
                            }
                        };
                    }
                }
                """.formatted(pkg, className, id, constructorBody);
    }

    /** The reference.conf of such a metric. */
    static String reference(String id, double factor) {
        return "interp4j.metric.\"" + id + "\" {\n  # what the patched divergence is multiplied by\n  factor = " + factor + "\n}\n";
    }
}
