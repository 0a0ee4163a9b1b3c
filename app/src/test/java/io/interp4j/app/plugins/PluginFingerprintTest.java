package io.interp4j.app.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.interp4j.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study step reuses its stored result while the plugins it used are unchanged, and runs again when one of their jars changes. */
class PluginFingerprintTest {
    @TempDir
    Path dir;

    record Result(int code, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, err.toString(StandardCharsets.UTF_8));
    }

    /** A logit metric from outside the repository: the drop of the reference's top logit at the last position, times a scale. */
    private static Path metricJar(Path folder, String description) throws IOException {
        String source = """
                package org.example.shift;

                import com.typesafe.config.Config;
                import io.interp4j.api.metric.Metric;
                import io.interp4j.api.metric.MetricFactory;
                import io.interp4j.api.metric.MetricInput;
                import io.interp4j.api.metric.MetricResult;

                public final class TopLogitDrop implements MetricFactory {
                    @Override
                    public String id() {
                        return "top-logit-drop";
                    }

                    @Override
                    public String description() {
                        return "%s";
                    }

                    @Override
                    public Metric create(Config settings) {
                        double scale = settings.getDouble("scale");
                        return new Metric() {
                            @Override
                            public Class<? extends MetricInput> inputType() {
                                return MetricInput.LogitComparison.class;
                            }

                            @Override
                            public MetricResult compute(MetricInput input) {
                                MetricInput.LogitComparison c = (MetricInput.LogitComparison) input;
                                int vocab = (int) c.reference().shape()[1];
                                int last = ((int) c.reference().shape()[0] - 1) * vocab;
                                int top = 0;
                                for (int v = 1; v < vocab; v++) {
                                    if (c.reference().at(last + v) > c.reference().at(last + top)) {
                                        top = v;
                                    }
                                }
                                return MetricResult.of(scale * (c.reference().at(last + top) - c.intervened().at(last + top)), "logit");
                            }

                            @Override
                            public String describe() {
                                return "top logit drop";
                            }
                        };
                    }
                }
                """.formatted(description);
        return PluginJars.build(folder.resolve("top-logit-drop.jar"), Map.of("org/example/shift/TopLogitDrop.java", source), Map.of(
                "META-INF/services/io.interp4j.api.metric.MetricFactory", "org.example.shift.TopLogitDrop\n",
                "reference.conf", "interp4j.metric.\"top-logit-drop\" {\n  # multiplies the drop\n  scale = 1\n}\n"));
    }

    @Test
    void aChangedPluginJarRerunsTheStepsThatUsedItOnly() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("plugins"));
        metricJar(folder, "the drop of the reference's top logit");
        Path file = dir.resolve("outside.conf");
        Files.writeString(file, """
                study {
                  models { main { path = "models/tiny", create { seed = 2, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } } }
                  suites { main { builtin = families-mini } }
                  steps = [
                    { id = own, experiment = sweep, settings {
                        intervention { id = zero-ablation, settings { site = layer-output } }, sweep { layer = all }, metrics = [ { id = kl-divergence } ] } }
                    { id = outside, experiment = sweep, settings {
                        intervention { id = zero-ablation, settings { site = layer-output } }, sweep { layer = all }, metrics = [ { id = top-logit-drop } ] } }
                  ]
                }
                """);
        Path out = dir.resolve("out");
        String[] study = {"--plugin-path", folder.toString(), "study", file.toString(), "--out", out.toString()};

        Result first = run(study);
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.err()).doesNotContain("unchanged");
        String stored = Files.readString(out.resolve("steps/02-outside.json"));
        assertThat(JsonParser.parseString(stored).getAsJsonObject().get("plugins").toString())
                .isEqualTo("[\"intervention/zero-ablation\",\"metric/top-logit-drop\"]");

        Result again = run(study);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).contains("[1/2 own] unchanged").contains("[2/2 outside] unchanged");

        metricJar(folder, "the drop of the reference's top logit, as logits"); // new code, same version and settings
        Result changed = run(study);
        assertThat(changed.code()).as(changed.err()).isZero();
        assertThat(changed.err()).contains("[1/2 own] unchanged").doesNotContain("[2/2 outside] unchanged");

        // without the plugin the study cannot even be validated: the metric id is unknown
        Result without = run("study", file.toString(), "--out", out.toString());
        assertThat(without.code()).isEqualTo(2);
        assertThat(without.err()).contains("top-logit-drop");
    }
}
