package io.interp4j.app.study;

import static io.interp4j.app.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.app.Main;
import io.interp4j.app.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyCommandTest {
    @TempDir
    Path dir;


    private Path study(String name, String steps) throws IOException {
        return study(name, "", steps);
    }

    /** A study of the tiny model {@code main}, beside any {@code otherModels} (HOCON fields of {@code models}). */
    private Path study(String name, String otherModels, String steps) throws IOException {
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, """
                study {
                  name = %s
                  seed = 3
                  models { main { path = "models/tiny", create { seed = 2, layers = 2, hidden = 32, heads = 4, kv-heads = 2, vocab = 300 } }%s }
                  suites { main { builtin = families-mini } }
                  steps = [ %s ]
                }
                """.formatted(name, otherModels, steps));
        return file;
    }

    private static final String ABLATION = """
            { id = ablation, experiment = sweep, settings {
                intervention { id = zero-ablation, settings { site = layer-output } }
                sweep { layer = all }
                metrics = [ { id = kl-divergence } ] } }
            """;
    private static final String SKIP = """
            { id = skip, experiment = sweep, settings {
                intervention { id = layer-skip, settings { mode = true-skip } }
                sweep { layers = all }
                metrics = [ { id = kl-divergence } ] } }
            """;

    /**
     * Patching a prompt's activations from the same prompt (source-prompts = clean) is accepted and runs,
     * but changes nothing: the report flags the step instead of printing its zeros as a finding.
     */
    @Test
    void anInterventionThatDidNothingIsFlagged() throws IOException {
        Path file = study("inert", ABLATION + """
                , { id = self-patch, experiment = sweep, settings {
                    intervention { id = activation-patching, settings { site = layer-output, source-prompts = clean } }
                    sweep { layer = all }
                    metrics = [ { id = kl-divergence } ] } }
                """);
        Path out = dir.resolve("inert-out");
        Result result = run("study", file.toString(), "--out", out.toString());
        assertThat(result.code()).as(result.err()).isZero();
        JsonObject ablation = JsonParser.parseString(Files.readString(out.resolve("steps/01-ablation.json"))).getAsJsonObject();
        JsonObject patch = JsonParser.parseString(Files.readString(out.resolve("steps/02-self-patch.json"))).getAsJsonObject();
        String ablationText = ablation.toString();
        String patchText = patch.toString();
        // families-mini: 24 prompts × 2 layers, each checked against its clean run
        assertThat(ablationText).contains("\"interventions.requests\":48").contains("\"interventions.checked\":48")
                .contains("\"interventions.unmoved\":0").doesNotContain("inert-intervention")
                // every intervention recorded where it fired, and all fired
                .contains("\"interventions.sites-recorded\":48").contains("\"interventions.never-fired\":0")
                .doesNotContain("intervention-never-fired");
        // the self-patch fired (its hooks ran) and did nothing: inert, not unfired
        assertThat(patchText).contains("\"interventions.requests\":48").contains("\"interventions.unmoved\":48")
                .contains("inert-intervention").contains("\"interventions.never-fired\":0").doesNotContain("intervention-never-fired");
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("inert-intervention").contains("48 of 48 checked intervened forwards left the logits unchanged");
    }

    @Test
    void runsWritesEverythingAndResumes() throws IOException {
        Path file = study("resumable", ABLATION + "," + SKIP);
        Path out = dir.resolve("out");
        Result first = run("study", file.toString(), "--out", out.toString());
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(out.resolve("results.json")).exists();
        assertThat(out.resolve("report.md")).exists();
        assertThat(out.resolve("report.html")).exists();
        assertThat(out.resolve("steps/01-ablation.json")).exists();
        assertThat(out.resolve("steps/02-skip.json")).exists();
        JsonObject results = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        assertThat(results.toString()).contains("\"seed\":3").contains("model.safetensors").contains("\"pytorch\"")
                .contains("kl-divergence");
        ThreadPolicy threads = ThreadPolicy.current();
        JsonObject recorded = results.getAsJsonObject("threads");
        assertThat(recorded.get("intraOp").getAsInt()).isEqualTo(threads.intraOp());
        assertThat(recorded.get("source").getAsString()).isEqualTo(threads.source());
        assertThat(recorded.get("ompWaitPolicy").getAsString()).isEqualTo(threads.ompWaitPolicy());

        Result second = run("study", file.toString(), "--out", out.toString());
        assertThat(second.code()).isZero();
        assertThat(second.err()).contains("[1/2 ablation] unchanged").contains("[2/2 skip] unchanged");

        // change only the second step: the first is reused, the second runs again
        Files.writeString(file, Files.readString(file).replace("mode = true-skip", "mode = zero-layer-output"));
        Result third = run("study", file.toString(), "--out", out.toString());
        assertThat(third.code()).as(third.err()).isZero();
        assertThat(third.err()).contains("[1/2 ablation] unchanged").doesNotContain("[2/2 skip] unchanged");
        assertThat(Files.readString(out.resolve("steps/02-skip.json"))).contains("zero-layer-output");
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.map(Path::toString)).noneMatch(p -> p.endsWith(".partial") || p.endsWith(".tmp"));
        }
    }

    @Test
    void anotherThreadCountRunsEveryStepAgainAndIsRecorded() throws IOException {
        Path file = study("threads", ABLATION);
        Path out = dir.resolve("out");
        Result first = run("study", file.toString(), "--out", out.toString());
        assertThat(first.code()).as(first.err()).isZero();
        int other = ThreadPolicy.current().intraOp() == 1 ? 2 : 1;
        String before = System.getProperty(ThreadPolicy.PROPERTY);
        System.setProperty(ThreadPolicy.PROPERTY, Integer.toString(other));
        try {
            // the last digits of float32 sums depend on the thread count: no stored step is reused
            Result second = run("study", file.toString(), "--out", out.toString());
            assertThat(second.code()).as(second.err()).isZero();
            assertThat(second.err()).doesNotContain("unchanged");
            JsonObject threads = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject()
                    .getAsJsonObject("threads");
            assertThat(threads.get("intraOp").getAsInt()).isEqualTo(other);
            assertThat(threads.get("source").getAsString()).isEqualTo("set by interp4j.threads");

            System.setProperty(ThreadPolicy.PROPERTY, "zero");
            Result bad = run("study", file.toString(), "--out", out.toString());
            assertThat(bad.code()).isEqualTo(2);
            assertThat(bad.err()).contains("interp4j.threads").contains("'zero'");
        } finally {
            if (before == null) {
                System.clearProperty(ThreadPolicy.PROPERTY);
            } else {
                System.setProperty(ThreadPolicy.PROPERTY, before);
            }
        }
    }

    @Test
    void anUnknownRunnerOrAStrayRunnerOptionFailsBeforeAnythingIsWritten() throws IOException {
        Path file = study("runners", ABLATION);
        Path out = dir.resolve("out-runners");
        Result unknown = run("study", file.toString(), "--out", out.toString(), "--runner", "nosuch");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--runner: unknown runner 'nosuch'; found: local");
        // on the module path (and in this test) the Spark runner is not there, and the message says how to get it
        Result spark = run("study", file.toString(), "--out", out.toString(), "--runner", "spark");
        assertThat(spark.code()).isEqualTo(2);
        assertThat(spark.err()).contains("unknown runner 'spark'").contains("./interp4j is started with --runner spark");
        Result stray = run("study", file.toString(), "--out", out.toString(), "--master", "local[2]");
        assertThat(stray.code()).isEqualTo(2);
        assertThat(stray.err()).contains("runner local takes no options; found [master]");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("models/tiny")).doesNotExist();
    }

    /**
     * {@code --models} runs the part of a study that some of its models take: the other models are
     * never read (here one has no folder at all), steps on them are left out and named, and the part
     * is written and recorded under its own name.
     */
    @Test
    void theModelsOptionRunsThePartOfAStudyThatItsModelsTake() throws IOException {
        Path file = study("two", ", other { path = \"models/absent\" }",
                ABLATION.replace("id = ablation", "id = on-other").replace("settings {", "settings { model = other,") + "," + ABLATION);
        Result whole = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(whole.code()).isEqualTo(2);
        assertThat(whole.err()).contains("study.models.other.path:");

        Result unknown = run("study", file.toString(), "--models", "main,nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--models: unknown model 'nope'; the study's models: [main, other]");

        Result dry = run("study", file.toString(), "--models", "main", "--dry-run", "--no-estimate");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("study two-main").contains("steps left out (they run on none of the models --models selects): on-other")
                .contains("2. ablation [sweep]").doesNotContain("1. on-other").doesNotContain("models/absent");

        Path out = dir.resolve("out");
        Result part = run("study", file.toString(), "--models", "main", "--out", out.toString());
        assertThat(part.code()).as(part.err()).isZero();
        assertThat(part.err()).contains("steps left out").contains("[1/1 ablation]");
        assertThat(out.resolve("steps/02-ablation.json")).exists();
        com.typesafe.config.Config study = ConfigFactory.parseString(JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject().get("resolvedConfig").getAsString());
        assertThat(study.getString("name")).isEqualTo("two-main");
        assertThat(study.getObject("models").keySet()).containsExactly("main");
        assertThat(study.getConfigList("steps")).extracting(step -> step.getString("id")).containsExactly("ablation");
    }

    @Test
    void dryRunPrintsThePlanAndForwardPasses() throws IOException {
        Path file = study("dry", ABLATION);
        Result r = run("study", file.toString(), "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        // 24 prompts × (1 clean + 2 layers)
        assertThat(r.out()).contains("1. ablation [sweep]").contains("72 forward passes").contains("will be created");
        assertThat(dir.resolve("models/tiny")).doesNotExist();
    }

    @Test
    void theEstimateIsCorrectedByATimedSampleOfTheStepsOwnRequests() throws IOException {
        Path file = study("estimated", ABLATION);
        // the first run creates the model; a model that does not exist yet cannot be priced
        Result first = run("study", file.toString(), "--out", dir.resolve("out-estimated").toString());
        assertThat(first.code()).as(first.err()).isZero();
        Result r = run("study", file.toString(), "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        // 72 requests on 24 prompts: a sample of whole prompts, 3 requests each
        assertThat(r.out()).containsPattern("estimated [^(]+ \\(the calibration's [^×]+ × \\d+\\.\\d\\d, the ratio measured on a sample of "
                + "([1-9]|[1-6][0-9]|7[0-2]) of 72 requests\\)");
        java.util.regex.Matcher sampled = java.util.regex.Pattern.compile("a sample of (\\d+) of 72").matcher(r.out());
        assertThat(sampled.find()).isTrue();
        assertThat(Integer.parseInt(sampled.group(1)) % 3).as("whole prompts").isZero();
    }

    /**
     * Training, generation and the lens are priced too, by running a few optimizer steps, decode steps
     * and passes over the unembedding of the same work: every line of the steps is estimated, the total
     * covers every step, and the training sample's temporary folder is gone.
     */
    @Test
    void theDryRunPricesTrainingAndGenerationOnAShortRunOfTheSameWork() throws IOException {
        Path file = study("unplanned", """
                { id = train, experiment = lora-training, settings { suite = main, split = all, family = json_schema, steps = 5, grad-accum = 2,
                    checkpoints = [2] } },
                { id = vibe, experiment = vibe-check, settings { suite = main, split = all, family = copying, variants = [none, int8],
                    max-new-tokens = 6 } },
                { id = exit, experiment = early-exit, settings { suite = main, split = all } }
                """);
        Result unpriced = run("study", file.toString(), "--dry-run");
        assertThat(unpriced.code()).as(unpriced.err()).isZero();
        assertThat(unpriced.out()).contains("training on main: 10 micro-batches of 1, not estimated: model 'main' does not exist yet")
                .contains("estimated 0 s for the estimated part");
        Result first = run("study", file.toString(), "--out", dir.resolve("out-unplanned").toString());
        assertThat(first.code()).as(first.err()).isZero();
        Set<Path> before = trainingSamples();
        Result r = run("study", file.toString(), "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("training on main: 10 micro-batches of 1, estimated [^(]+ \\([^)]+ per optimizer step of 2"
                + " micro-batches \\+ [^)]+ once, timed on 3 step\\(s\\)\\)");
        java.util.regex.Matcher generation = java.util.regex.Pattern.compile("generation on main \\((none|int8)\\): (\\d+) prompts in batches"
                + " of (\\d+) × 6 tokens, then (\\d+) alone × \\(1 \\+ 6\\) tokens, estimated [^(]+ at most \\(.+ for 1 batch\\(es\\): .+ per"
                + " prefill of \\d+ prompts, .+ per batched step; timed on 5 decode steps; .+ for \\d+ prompt\\(s\\) alone: .+ per prompt's"
                + " first token, .+ per further token; timed on [1-3] prompt\\(s\\) and 5 decode steps\\)").matcher(r.out());
        List<String> variants = new java.util.ArrayList<>();
        long passes = 0;
        while (generation.find()) {
            variants.add(generation.group(1));
            long prompts = Long.parseLong(generation.group(2));
            // all prompts in one batch, the first 3 timed alone
            assertThat(Long.parseLong(generation.group(3))).isEqualTo(prompts);
            assertThat(Long.parseLong(generation.group(4))).isEqualTo(Math.min(3, prompts));
            passes += prompts * 6 + Math.min(3, prompts) * 7;
        }
        assertThat(variants).as(r.out()).containsExactly("none", "int8");
        // early exit unembeds each prompt's 2 layers, once per protocol, in passes of one prompt's layers
        java.util.regex.Matcher lens = java.util.regex.Pattern.compile("(\\d+) planned requests.*\\n\\s+lens on main: (\\d+) vectors unembedded in"
                + " Java, 2 per pass, estimated [^(]+ \\([^)]+ per pass of 2 with a KL each, timed on 2 passes\\)").matcher(r.out());
        assertThat(lens.find()).as(r.out()).isTrue();
        // the plan: each prompt clean, then its lens forward per protocol
        long prompts = Long.parseLong(lens.group(1)) / 3;
        assertThat(Long.parseLong(lens.group(2))).isEqualTo(prompts * 2 * 2);
        // the step's count is its unplanned work's: per variant, 6 new tokens per prompt batched, then the timed prompts' warm-up token and 6 new ones
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "%,d forward passes", passes));
        assertThat(r.out()).containsPattern("total: [0-9,]+ forward passes, estimated [^\\n]+; report formats").doesNotContain("estimated part");
        assertThat(trainingSamples()).isEqualTo(before);
    }

    private static Set<Path> trainingSamples() throws IOException {
        try (java.util.stream.Stream<Path> list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return list.filter(p -> p.getFileName().toString().startsWith("interp4j-dry-run-training")).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void everyProblemIsReportedTogetherWithItsPath() throws IOException {
        Path file = dir.resolve("broken.conf");
        Files.writeString(file, """
                stray = 1
                interp4j.metric."kl-divergence" { bogus = 2 }
                study {
                  name = broken
                  colour = blue
                  models {
                    main { path = "models/absent" }
                    other { path = "models/absent2", engine = tpu, create { seed = 1, layers = 2, hidden = 32, heads = 4 } }
                  }
                  suites { main { builtin = no-such-suite }, extra { file = "missing.jsonl" } }
                  steps = [
                    { id = a, experiment = nonsense }
                    { id = b, experiment = sweep, settings { model = other, suite = extra, colour = red } }
                    { id = c, experiment = sweep, settings { model = other, sweep { layer = [0, 7] },
                        intervention { id = zero-ablation, settings { site = layer-output } },
                        metrics = [ { id = kl-divergence } ] } }
                  ]
                }
                """);
        Result r = run("study", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("stray: unknown top-level key")
                .contains("interp4j.metric.kl-divergence.bogus: unknown key")
                .contains("study.colour: unknown key")
                .contains("study.models.main.path:").contains("no config.json")
                .contains("study.models.other.engine: unknown engine 'tpu'; known engines: [djl, onnx]")
                .contains("study.suites.main.builtin:").contains("families-mini")
                .contains("study.suites.extra.file:").contains("missing.jsonl")
                .contains("study.steps[0].experiment: unknown experiment 'nonsense'; known experiments: [adapter-norm-effect, architecture,"
                + " circuit-lock-in, cross-model-transfer, early-exit, head-specialisation, json-training-shift, layer-skipping, lora-training, mlp-dominance, probe, skill-knockout, steering-leverage, sweep,"
                + " universal-hub, vibe-check]")
                .contains("study.steps[1].settings.colour")
                .contains("study.steps[2].settings.sweep.layer").contains("7");
        // one line per problem, then the count: rendered once, by the command line (cli.Failures), as for every command
        List<String> lines = r.err().lines().toList();
        assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(line -> assertThat(line).startsWith("  ").contains(": "));
        assertThat(lines.get(lines.size() - 1)).isEqualTo("interp4j study: " + (lines.size() - 1) + " problems (listed above)");
        assertThat(dir.resolve("models")).doesNotExist();
    }

    @Test
    void oneProblemIsOneLineLikeAnyCommandsError() throws IOException {
        Path file = study("one", ABLATION);
        Files.writeString(file, "stray = 1\n" + Files.readString(file));
        Result r = run("study", file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("interp4j study: stray: unknown top-level key; allowed: study, interp4j (plugin defaults)\n");
        assertThat(dir.resolve("models")).doesNotExist();
    }

    @Test
    void systemPropertiesOverrideTheStudyFile() throws IOException {
        Path file = study("layered", ABLATION);
        System.setProperty("study.seed", "11");
        ConfigFactory.invalidateCaches();
        try {
            Result r = run("study", file.toString(), "--dry-run");
            assertThat(r.out()).contains("seed 11");
        } finally {
            System.clearProperty("study.seed");
            ConfigFactory.invalidateCaches();
        }
    }

    /**
     * {@code study.forwards.engine} runs the forward plans on another engine than the model's own: the
     * numbers agree with the model's own engine within the engines' parity tolerance, the step records
     * where it ran, and a stored step of the other engine is not reused.
     */
    @Test
    void theForwardPlansMayRunOnAnotherEngine() throws IOException {
        Path file = study("plans-on-onnx", ABLATION);
        Path out = dir.resolve("out-plans");
        Result own = run("study", file.toString(), "--out", out.toString());
        assertThat(own.code()).as(own.err()).isZero();
        JsonObject onDjl = JsonParser.parseString(Files.readString(out.resolve("steps/01-ablation.json"))).getAsJsonObject();

        Files.writeString(file, Files.readString(file).replace("steps = [", "forwards { engine = onnx }\n  steps = ["));
        Result dry = run("study", file.toString(), "--dry-run", "--no-estimate");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("on djl (forward plans on onnx)");
        Result other = run("study", file.toString(), "--out", out.toString());
        assertThat(other.code()).as(other.err()).isZero();
        assertThat(other.err()).doesNotContain("unchanged");
        JsonObject onOnnx = JsonParser.parseString(Files.readString(out.resolve("steps/01-ablation.json"))).getAsJsonObject();
        assertThat(Files.readString(out.resolve("results.json"))).contains("planned executor on onnx");
        assertThat(onOnnx.get("fingerprint")).isNotEqualTo(onDjl.get("fingerprint"));
        int[] compared = {0, 0};
        assertSameNumbers("result", onDjl.get("result"), onOnnx.get("result"), compared);
        assertThat(compared[0]).as("numbers compared").isGreaterThan(10);
        // the engines round differently: numbers equal to the last bit everywhere would mean both ran on djl
        assertThat(compared[1]).as("numbers that differ in their last digits").isPositive();

        Files.writeString(file, Files.readString(file).replace("engine = onnx }", "engine = tpu }"));
        Result bad = run("study", file.toString(), "--dry-run");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("study.forwards.engine: unknown engine 'tpu'; known engines: [djl, onnx]");
    }

    /** Walks two JSON trees of the same shape: strings equal, numbers within the engines' parity tolerance. */
    private static void assertSameNumbers(String path, com.google.gson.JsonElement a, com.google.gson.JsonElement b, int[] compared) {
        if (a.isJsonObject()) {
            assertThat(b.getAsJsonObject().keySet()).as(path).isEqualTo(a.getAsJsonObject().keySet());
            a.getAsJsonObject().entrySet().forEach(e -> assertSameNumbers(path + "." + e.getKey(), e.getValue(), b.getAsJsonObject().get(e.getKey()),
                    compared));
        } else if (a.isJsonArray()) {
            assertThat(b.getAsJsonArray().size()).as(path).isEqualTo(a.getAsJsonArray().size());
            for (int i = 0; i < a.getAsJsonArray().size(); i++) {
                assertSameNumbers(path + "[" + i + "]", a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), compared);
            }
        } else if (a.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()) {
            double x = a.getAsDouble();
            assertThat(b.getAsDouble()).as(path).isCloseTo(x, org.assertj.core.api.Assertions.within(1e-4 * Math.max(1, Math.abs(x))));
            compared[0]++;
            compared[1] += b.getAsDouble() != x ? 1 : 0;
        } else {
            assertThat(b).as(path).isEqualTo(a);
        }
    }

    @Test
    void aModelMayCarryALoraAdapter() throws IOException {
        Path file = study("adapted", ABLATION);
        Path out = dir.resolve("out-adapted");
        io.interp4j.app.TestAdapters.write(dir.resolve("adapter"), 32);
        Files.writeString(file, Files.readString(file).replace("models { main { path = \"models/tiny\",",
                "models { main { path = \"models/tiny\", adapter = \"adapter\","));
        Result r = run("study", file.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("results.json"))).contains("adapter/adapter_model.safetensors").contains("LoRA adapter");

        Files.writeString(file, Files.readString(file).replace("adapter = \"adapter\"", "adapter = \"no-adapter\""));
        Result missing = run("study", file.toString(), "--out", out.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("study.models.main.adapter:").contains("no-adapter");
    }

    @Test
    void aModelMayBeQuantisedAndTheReportStatesTheError() throws IOException {
        Path file = study("quantised", ABLATION);
        Path out = dir.resolve("out-quantised");
        Files.writeString(file, Files.readString(file).replace("models { main { path = \"models/tiny\",",
                "models { main { path = \"models/tiny\", quantization = nf4, engine = onnx,"));
        Result r = run("study", file.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("results.json"))).contains("nf4 on 14 weights").contains("RMS error");

        Files.writeString(file, Files.readString(file).replace("quantization = nf4", "quantization = fp8"));
        Result bad = run("study", file.toString(), "--dry-run");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("study.models.main.quantization: unknown quantization 'fp8'; allowed: none, int8, nf4, q8, q4, llm-int8");
    }

    @Test
    void aKilledRunLosesNoFinishedStepAndLeavesNoFalseResults() throws Exception {
        // step 2 is long (4 layers × 12 scales × 24 prompts), so the kill lands inside it
        String slow = """
                { id = slow, experiment = sweep, settings {
                    intervention { id = steering, settings { site = layer-output, vector { from = random, seed = 1, norm = 3 } } }
                    sweep { layer = all, scale = [-8, -6, -4, -3, -2, -1, 1, 2, 3, 4, 6, 8] }
                    metrics = [ { id = kl-divergence } ] } }
                """;
        Path file = study("killed", ABLATION + "," + slow);
        Path out = dir.resolve("out");
        Files.writeString(file, Files.readString(file).replace("layers = 2, hidden = 32", "layers = 4, hidden = 64"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                Main.class.getName(), "study", file.toString(), "--out", out.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path first = out.resolve("steps/01-ablation.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(first) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(first).as(Files.readString(dir.resolve("killed.log"))).exists();
        assertThat(process.isAlive()).as("the second step should still be running").isTrue();
        process.destroyForcibly(); // SIGKILL
        process.waitFor(30, TimeUnit.SECONDS);

        assertThat(out.resolve("steps/02-slow.json")).doesNotExist();
        assertThat(out.resolve("results.json")).doesNotExist();
        assertThat(out.resolve("report.md")).doesNotExist();
        assertThat(out.resolve("report.html")).doesNotExist();
        assertThat(JsonParser.parseString(Files.readString(first)).getAsJsonObject().get("result")).isNotNull();

        Result resumed = run("study", file.toString(), "--out", out.toString());
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("[1/2 ablation] unchanged").doesNotContain("[2/2 slow] unchanged");
        assertThat(out.resolve("results.json")).exists();
    }
}
