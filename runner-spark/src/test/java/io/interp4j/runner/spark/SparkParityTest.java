package io.interp4j.runner.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same study (an ablation sweep and the MLP-dominance atlas row on the committed toy organism, and
 * the architecture row, which has no forward plans) run by the local runner and by {@code --runner spark
 * --master local[2]} gives the same results.json, cell by cell within 1e-6 (timings aside); the Spark
 * run's plans really were split over several partitions, and the report says where each step ran.
 */
class SparkParityTest {
    private static final double TOLERANCE = 1e-6;
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void sparkLocal2GivesTheLocalRunnersResults() throws IOException {
        Path study = dir.resolve("parity.conf");
        // cache-mb = 1 cuts each plan into several planner chunks: the units Spark partitions are made of
        Files.writeString(study, """
                study {
                  name = spark-parity
                  seed = 1
                  forwards { cache-mb = 1 }
                  models { a { path = "%s", engine = djl } }
                  suites { families { file = "%s" } }
                  steps = [
                    { id = architecture, experiment = architecture }
                    { id = contribution-sweep, experiment = sweep, settings {
                        model = a, suite = families
                        intervention { id = zero-ablation, settings { site = contribution } }
                        sweep { layer = all }
                        metrics = [ { id = kl-divergence }, { id = top-k-overlap }, { id = target-logprob-drop } ] } }
                    { id = mlp-dominance, experiment = mlp-dominance }
                  ]
                  report { formats = [json] }
                }
                """.formatted(ROOT.resolve("models/toy-s"), ROOT.resolve("suites/toy/families.jsonl")));
        JsonObject local = run(study, dir.resolve("local"));
        JsonObject spark = run(study, dir.resolve("spark"), "--runner", "spark", "--master", "local[2]", "--partitions", "3");
        // the executors kept each finished partition for a rerun; once its step was stored, the study deleted them
        assertThat(dir.resolve("spark/steps/.partial")).doesNotExist();

        JsonArray localSteps = local.getAsJsonArray("steps");
        JsonArray sparkSteps = spark.getAsJsonArray("steps");
        assertThat(sparkSteps.size()).isEqualTo(localSteps.size()).isEqualTo(3);
        List<String> differences = new ArrayList<>();
        int[] compared = new int[1];
        for (int s = 0; s < localSteps.size(); s++) {
            JsonObject l = localSteps.get(s).getAsJsonObject();
            JsonObject k = sparkSteps.get(s).getAsJsonObject();
            assertThat(k.get("forwardPasses")).isEqualTo(l.get("forwardPasses"));
            compare(l.get("id").getAsString(), l.get("result"), k.get("result"), differences, compared);
        }
        assertThat(differences).isEmpty();
        assertThat(compared[0]).as("numbers compared").isGreaterThan(1000);

        assertThat(localSteps.get(1).getAsJsonObject().get("ranOn").getAsString()).isEqualTo("this JVM (planned executor)");
        assertThat(sparkSteps.get(0).getAsJsonObject().get("ranOn").getAsString()).startsWith("the driver");
        for (int s = 1; s < 3; s++) {
            String ranOn = sparkSteps.get(s).getAsJsonObject().get("ranOn").getAsString();
            Matcher m = Pattern.compile("^Spark local\\[2] \\(2 cores\\): \\d+ plans? in (\\d+) partitions( \\(up to \\d+ plans at once\\))?, on 1 executor \\[driver] with \\d+ engine threads?$").matcher(ranOn);
            assertThat(m.matches()).as(ranOn).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(ranOn).isGreaterThan(1);
        }
    }

    private static JsonObject run(Path study, Path out, String... runner) throws IOException {
        List<String> args = new ArrayList<>(List.of("study", study.toString(), "--out", out.toString()));
        args.addAll(List.of(runner));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        String log = err.toString(StandardCharsets.UTF_8);
        System.err.print(log);
        assertThat(code).as(log).isZero();
        return JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
    }

    /** Every leaf equal, numbers within the tolerance; table columns that hold timings are skipped. */
    private static void compare(String where, JsonElement expected, JsonElement actual, List<String> differences, int[] compared) {
        if (expected.isJsonObject() && actual.isJsonObject()) {
            JsonObject e = expected.getAsJsonObject();
            JsonObject a = actual.getAsJsonObject();
            if (!e.keySet().equals(a.keySet())) {
                differences.add(where + ": keys " + e.keySet() + " vs " + a.keySet());
                return;
            }
            List<Integer> timingColumns = new ArrayList<>();
            if (e.has("columns") && e.has("rows")) {
                JsonArray columns = e.getAsJsonArray("columns");
                for (int c = 0; c < columns.size(); c++) {
                    String name = columns.get(c).getAsString().toLowerCase(Locale.ROOT);
                    if (name.contains("second") || name.contains("/s") || name.contains("throughput") || name.contains("wall")) {
                        timingColumns.add(c);
                    }
                }
            }
            for (String key : e.keySet()) {
                if (key.equals("rows") && !timingColumns.isEmpty()) {
                    JsonArray er = e.getAsJsonArray("rows");
                    JsonArray ar = a.getAsJsonArray("rows");
                    for (int r = 0; r < er.size(); r++) {
                        for (int c = 0; c < er.get(r).getAsJsonArray().size(); c++) {
                            if (!timingColumns.contains(c)) {
                                compare(where + ".rows[" + r + "][" + c + "]", er.get(r).getAsJsonArray().get(c),
                                        ar.get(r).getAsJsonArray().get(c), differences, compared);
                            }
                        }
                    }
                } else {
                    compare(where + "." + key, e.get(key), a.get(key), differences, compared);
                }
            }
        } else if (expected.isJsonArray() && actual.isJsonArray()) {
            JsonArray e = expected.getAsJsonArray();
            JsonArray a = actual.getAsJsonArray();
            if (e.size() != a.size()) {
                differences.add(where + ": " + e.size() + " vs " + a.size() + " elements");
                return;
            }
            for (int i = 0; i < e.size(); i++) {
                compare(where + "[" + i + "]", e.get(i), a.get(i), differences, compared);
            }
        } else if (expected.isJsonPrimitive() && expected.getAsJsonPrimitive().isNumber() && actual.isJsonPrimitive()
                && actual.getAsJsonPrimitive().isNumber()) {
            compared[0]++;
            double x = expected.getAsDouble();
            double y = actual.getAsDouble();
            if (!(Math.abs(x - y) <= TOLERANCE)) {
                differences.add(where + ": " + x + " vs " + y);
            }
        } else if (!expected.equals(actual)) {
            differences.add(where + ": " + expected + " vs " + actual);
        }
    }
}
