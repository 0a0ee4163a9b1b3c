package io.interp4j.app.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginFoldersTest {
    private static final String SERVICES = "META-INF/services/io.interp4j.api.metric.MetricFactory";

    @TempDir
    Path dir;

    /** A folder with one good plain jar and four bad ones: every bad one is named, the good one works. */
    private Path folder() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        PluginJars.build(folder.resolve("good.jar"), Map.of("org/example/good/Triple.java",
                PluginJars.metric("org.example.good", "Triple", "tripled-divergence", "")),
                Map.of(SERVICES, "org.example.good.Triple\n", "reference.conf", PluginJars.reference("tripled-divergence", 3)));
        PluginJars.build(folder.resolve("throws.jar"), Map.of("org/example/bad/Throws.java",
                PluginJars.metric("org.example.bad", "Throws", "throwing-metric", "if (true) throw new IllegalStateException(\"no licence\");")),
                Map.of(SERVICES, "org.example.bad.Throws\n", "reference.conf", PluginJars.reference("throwing-metric", 1)));
        PluginJars.build(folder.resolve("missing-class.jar"), Map.of(), Map.of(SERVICES, "org.example.gone.Nowhere\n"));
        PluginJars.build(folder.resolve("twice.jar"), Map.of("org/example/twice/Kl.java",
                PluginJars.metric("org.example.twice", "Kl", "kl-divergence", "")), Map.of(SERVICES, "org.example.twice.Kl\n",
                "reference.conf", "interp4j.metric.\"kl-divergence\" { factor = 7 }\n"));
        Files.writeString(folder.resolve("broken.jar"), "not a zip file");
        return folder;
    }

    @Test
    void aPlainJarIsFoundWithItsDefaultsAndBadJarsAreSetAsideByName() throws IOException {
        Path folder = folder();
        PluginRegistry registry = PluginRegistry.discover(List.of(folder));

        PluginRegistry.Entry entry = registry.entry(PluginKind.METRIC, "tripled-divergence");
        assertThat(entry.source()).isEqualTo(folder.resolve("good.jar"));
        assertThat(entry.module()).isEqualTo("(class path)");
        MetricInput input = new MetricInput.Divergences(2, 1);
        assertThat(registry.metric("tripled-divergence", ConfigFactory.empty()).compute(input).value()).isEqualTo(6);
        assertThat(registry.metric("tripled-divergence", ConfigFactory.parseString("factor = 5")).compute(input).value()).isEqualTo(10);
        assertThatThrownBy(() -> registry.metric("tripled-divergence", ConfigFactory.parseString("facter = 5")))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("interp4j.metric.tripled-divergence.facter: unknown key");
        // the application's own plugins are still there, once, from the module path
        assertThat(registry.entry(PluginKind.METRIC, "kl-divergence").source().toString()).doesNotContain("twice.jar");
        assertThat(registry.ids(PluginKind.METRIC)).doesNotContain("throwing-metric");
        // a jar's reference.conf sets defaults of its own plugins only, never of another's
        assertThat(registry.settings(PluginKind.METRIC, "kl-divergence", ConfigFactory.empty()).hasPath("factor")).isFalse();

        List<String> warnings = registry.failures().stream().map(PluginRegistry.Failure::describe).toList();
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("throws.jar").contains("org.example.bad.Throws").contains("no licence"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("broken.jar").contains("cannot be read as a plugin jar"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("org.example.gone.Nowhere"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("twice.jar").contains("'kl-divergence' is provided twice"));
        assertThat(warnings).hasSize(4);
    }

    @Test
    void theCommandLineWarnsAboutBadJarsAndListsTheGoodOneWithItsJar() throws IOException {
        Path folder = folder();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"--plugin-path", folder.toString(), "plugins"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("metric +tripled-divergence .*\\[" + Pattern.quote(
                folder.resolve("good.jar").toString()) + "]");
        assertThat(err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("interp4j: warning: ")).count()).isEqualTo(4);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("throws.jar").contains("broken.jar");
    }

    @Test
    void foldersComeFromTheHomePluginsFolderThenTheSettingThenTheCommandLine() throws IOException {
        Path home = Files.createDirectories(dir.resolve("home/plugins")).getParent();
        Path fromSetting = Files.createDirectories(dir.resolve("setting"));
        Path fromSetting2 = Files.createDirectories(dir.resolve("setting2"));
        Path fromCommandLine = Files.createDirectories(dir.resolve("cli"));
        String oldHome = System.getProperty(PluginFolders.HOME_PROPERTY);
        String oldPath = System.getProperty(PluginFolders.PATH_PROPERTY);
        try {
            System.setProperty(PluginFolders.HOME_PROPERTY, home.toString());
            System.setProperty(PluginFolders.PATH_PROPERTY, fromSetting + File.pathSeparator + fromSetting2);
            assertThat(PluginFolders.folders(List.of(fromCommandLine.toString(), fromSetting.toString())))
                    .containsExactly(home.resolve("plugins"), fromSetting, fromSetting2, fromCommandLine);
            System.clearProperty(PluginFolders.PATH_PROPERTY);
            System.setProperty(PluginFolders.HOME_PROPERTY, dir.resolve("no-plugins-here").toString());
            assertThat(PluginFolders.folders(List.of())).isEmpty();
        } finally {
            restore(PluginFolders.HOME_PROPERTY, oldHome);
            restore(PluginFolders.PATH_PROPERTY, oldPath);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void aMissingFolderIsABadArgument() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"--plugin-path", dir.resolve("nowhere").toString(), "plugins"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("plugin folder " + dir.resolve("nowhere")).contains("is not a directory");
    }

    /**
     * On the module path (as ./interp4j runs), a modular jar becomes its own layer: found, listed with
     * its jar and module version, its defaults applied; a modular jar whose requirements are missing
     * is set aside alone.
     */
    @Test
    void onTheModulePathAModularJarIsItsOwnLayer() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("modular"));
        PluginJars.build(folder.resolve("quad.jar"), Map.of(
                "module-info.java", """
                        module org.example.quad {
                            requires io.interp4j.api;
                            provides io.interp4j.api.metric.MetricFactory with org.example.quad.Quad;
                        }
                        """,
                "org/example/quad/Quad.java", PluginJars.metric("org.example.quad", "Quad", "quadrupled-divergence", "")),
                Map.of("reference.conf", PluginJars.reference("quadrupled-divergence", 4)));
        // a jar that needs a module which is not in the folder: compiled against it, run without it
        Path helper = PluginJars.build(Files.createDirectories(dir.resolve("elsewhere")).resolve("helper.jar"), Map.of(
                "module-info.java", "module org.example.helper { exports org.example.helper; }",
                "org/example/helper/Help.java", "package org.example.helper; public final class Help { public static final double TWO = 2; }"), Map.of());
        Path needy = PluginJars.build(folder.resolve("needs-more.jar"), Map.of(
                "module-info.java", """
                        module org.example.needy {
                            requires io.interp4j.api;
                            requires org.example.helper;
                            provides io.interp4j.api.metric.MetricFactory with org.example.needy.Needy;
                        }
                        """,
                "org/example/needy/Needy.java", PluginJars.metric("org.example.needy", "Needy", "needy-metric", "")), Map.of(), List.of(helper));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "--module-path",
                String.join(File.pathSeparator, PluginJars.modulePath()), "--add-modules", "org.slf4j"));
        if (!PluginJars.nativeClassPath().isEmpty()) {
            command.addAll(List.of("-cp", String.join(File.pathSeparator, PluginJars.nativeClassPath())));
        }
        command.addAll(List.of("-m", "io.interp4j.app/io.interp4j.app.Main", "--plugin-path", folder.toString(), "plugins"));
        Process process = new ProcessBuilder(command).redirectError(dir.resolve("err.txt").toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("out.txt"));
        String err = Files.readString(dir.resolve("err.txt"));
        assertThat(process.exitValue()).as(err).isZero();
        assertThat(out).as(err).containsPattern("metric +quadrupled-divergence +org\\.example\\.quad .*\\[" + Pattern.quote(
                folder.resolve("quad.jar").toString()) + "]");
        assertThat(out).containsPattern("metric +kl-divergence +io\\.interp4j\\.metrics ");
        assertThat(err).contains("interp4j: warning: plugin jar " + needy).contains("org.example.needy cannot be resolved");
    }
}
