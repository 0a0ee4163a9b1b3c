package io.interp4j.app.study;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.task.Task;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.app.report.ReportWriter;
import io.interp4j.planner.runner.PlanRunner;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a validated study: creates the random models it asks for, hashes every model file, runs each
 * step (or reuses its stored result when nothing it depends on changed), stores each finished step
 * at once, and writes results.json, report.md and report.html atomically at the end.
 */
final class StudyRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StudyRunner.class);

    private final StudyLoader loader;

    @Inject
    StudyRunner(StudyLoader loader) {
        this.loader = loader;
    }

    /**
     * Validates a study and prints its plan: per step the forward passes its plans stand for, how the
     * study's executor would batch them, and (with {@code estimate}) the time they would take from a
     * short calibration on each loaded model.
     */
    void dryRun(Path file, List<String> models, PrintStream out, boolean estimate) {
        StudyLoader.Loaded loaded = loader.load(file, models);
        StudyPlan plan = loaded.plan();
        out.println("study " + plan.name() + " (" + plan.file() + "), seed " + plan.seed());
        leftOut(loaded).ifPresent(out::println);
        out.println("models:");
        for (StudyPlan.ModelSpec m : plan.models().values()) {
            out.println("  " + m.name() + ": " + m.path() + m.adapter().map(a -> " + adapter " + a).orElse("") + " on " + m.engine()
                    + (plan.forwards().engineOf(m).equals(m.engine()) ? "" : " (forward plans on " + plan.forwards().engineOf(m) + ")")
                    + ", " + architecture(m.config())
                    + (Files.isDirectory(m.path()) ? "" : " (will be created: random weights, seed " + m.create().orElseThrow().seed() + ")"));
        }
        out.println("suites:");
        for (StudyPlan.SuiteSpec s : plan.suites().values()) {
            out.println("  " + s.name() + ": " + s.source() + ", " + s.suite().tasks().size() + " tasks in "
                    + s.suite().byFamily().size() + " families");
        }
        out.println("steps:");
        long total = 0;
        double seconds = 0;
        boolean complete = true;
        try (DryRunCosts costs = new DryRunCosts(plan, loaded.registry(), estimate)) {
            for (StudyPlan.StepSpec step : plan.steps()) {
                StudyContextImpl context = new StudyContextImpl(plan, loaded.registry(), step, null);
                long passes = step.experiment().forwardPasses(context);
                total += passes;
                out.printf(Locale.ROOT, "  %d. %s [%s] %s: %,d forward passes%n", step.index() + 1, step.id(), step.experimentId(),
                        step.experiment().describe(), passes);
                DryRunCosts.StepCost cost = costs.price(step.experiment().plans(context), step.experiment().unplanned(context), passes);
                out.println("     " + cost.line());
                seconds += cost.seconds();
                complete &= cost.complete();
            }
            out.printf(Locale.ROOT, "total: %,d forward passes%s; report formats %s%n", total,
                    estimate ? ", estimated " + DryRunCosts.duration(seconds) + (complete ? "" : " for the estimated part") : "", plan.formats());
            if (estimate) {
                out.println(costs.describeCalibration());
            }
        }
    }

    /** The line naming the steps {@code --models} leaves out, if it leaves any out. */
    private static Optional<String> leftOut(StudyLoader.Loaded loaded) {
        return loaded.leftOut().isEmpty() ? Optional.empty()
                : Optional.of("steps left out (they run on none of the models " + ModelSelection.OPTION + " selects): "
                        + String.join(", ", loaded.leftOut()));
    }

    /** Runs a study into an output folder; returns the results. */
    StudyResults run(Path file, Optional<Path> outOption, PrintStream err, boolean console) {
        return run(file, List.of(), outOption, err, console, Runners.Choice.DEFAULT);
    }

    /**
     * Runs a study, or the part of it that some of its models take, into an output folder with its
     * forward plans on a runner; returns the results.
     */
    StudyResults run(Path file, List<String> models, Optional<Path> outOption, PrintStream err, boolean console, Runners.Choice runnerChoice) {
        long started = System.nanoTime();
        String startedAt = Instant.now().toString();
        StudyLoader.Loaded loaded = loader.load(file, models);
        leftOut(loaded).ifPresent(err::println);
        // the runner starts before anything is written, so that a runner that cannot start leaves nothing behind
        try (PlanRunner runner = Runners.open(runnerChoice, loaded.plan())) {
            return run(loaded, outOption, err, console, runnerChoice, runner, started, startedAt);
        }
    }

    private StudyResults run(StudyLoader.Loaded loaded, Optional<Path> outOption, PrintStream err, boolean console, Runners.Choice runnerChoice,
            PlanRunner runner, long started, String startedAt) {
        StudyPlan plan = loaded.plan();
        ThreadPolicy threads = ThreadPolicy.current();
        Path out = outOption.orElse(Path.of("out", plan.name())).toAbsolutePath();
        try (StudyFolder folder = StudyFolder.lock(out)) {
            return run(loaded, out, threads, startedAt, started, err, console, runnerChoice, runner);
        }
    }

    private StudyResults run(StudyLoader.Loaded loaded, Path out, ThreadPolicy threads, String startedAt, long started, PrintStream err,
            boolean console, Runners.Choice runnerChoice, PlanRunner runner) {
        StudyPlan plan = loaded.plan();
        createMissingModels(plan, err);
        ModelHashes hashes = new ModelHashes(out.resolve(".cache").resolve("model-hashes.json"));
        List<StudyResults.ModelInfo> models = new ArrayList<>();
        Map<String, Map<String, String>> fileHashesByModel = new LinkedHashMap<>();
        List<String> modelParts = new ArrayList<>();
        for (StudyPlan.ModelSpec m : plan.models().values()) {
            Map<String, String> fileHashes = new java.util.TreeMap<>(hashes.hash(m.path()));
            if (m.adapter().isPresent()) {
                hashes.hash(m.adapter().get()).forEach((name, hash) -> fileHashes.put("adapter/" + name, hash));
            }
            fileHashesByModel.put(m.name(), fileHashes);
            modelParts.add(m.name() + "|" + loaded.registry().provenance(PluginKind.ENGINE, m.engine()) + "|" + m.quantization() + "|" + fileHashes);
        }
        hashes.save();
        List<String> suiteParts = new ArrayList<>();
        for (StudyPlan.SuiteSpec s : plan.suites().values()) {
            StringBuilder text = new StringBuilder(s.name());
            for (Task t : s.suite().tasks()) {
                // not Task.toString: the metadata map's iteration order changes from one JVM run to the next
                text.append('\n').append(String.join("\u0000", t.id(), t.family(), t.prompt(), t.target(), t.corruptPrompt().orElse("\u0001"),
                        t.wrongTarget().orElse("\u0001"), t.split(), new java.util.TreeMap<>(t.metadata()).toString()));
            }
            suiteParts.add(text.toString());
        }
        // how the forward plans run changes the last digits as the thread count does (batch shapes, another engine)
        StudyPlan.ForwardsSpec forwards = plan.forwards();
        String forwardsPart = "forwards/" + forwards.executor() + "/" + forwards.options().batchTokens() + "/" + forwards.options().cacheBytes()
                + forwards.engine().map(e -> "/" + loaded.registry().provenance(PluginKind.ENGINE, e)).orElse("");
        StepStore store = new StepStore(out);
        List<StudyResults.StepRecord> records = new ArrayList<>();
        Map<String, String> fingerprints = new LinkedHashMap<>();
        try (ModelPool pool = new ModelPool(plan, loaded.registry())) {
            for (StudyPlan.StepSpec step : plan.steps()) {
                String settings = Canonical.json(step.settings().root());
                // the thread count changes the last digits of float32 sums: a stored step is reused only at the same count
                // what produced the numbers: the experiment's and engines' id, version and jar digest; the plugins the step
                // creates join when they are known (after its run, or from its stored record)
                List<String> parts = new ArrayList<>(List.of("step/2", loaded.registry().provenance(PluginKind.EXPERIMENT, step.experimentId()),
                        settings, Long.toString(plan.seed()), "threads/" + threads.intraOp()));
                parts.addAll(modelParts);
                parts.add(forwardsPart);
                parts.addAll(suiteParts);
                for (String dependency : step.experiment().dependsOn()) {
                    parts.add("depends/" + dependency + "/" + fingerprints.get(dependency));
                }
                // counted among the steps that run (--models may leave some of the file's out)
                String label = String.format(Locale.ROOT, "[%d/%d %s]", plan.steps().indexOf(step) + 1, plan.steps().size(), step.id());
                Optional<StudyResults.StepRecord> stored = store.load(step, used -> PluginProvenance.fingerprint(parts, used, loaded.registry()));
                if (stored.isPresent()) {
                    fingerprints.put(step.id(), stored.get().fingerprint());
                    LOG.info("{} unchanged since it last finished; reusing {}", label, store.file(step));
                    err.println(label + " unchanged: reusing the stored result");
                    records.add(stored.get());
                    continue;
                }
                store.clear(step);
                // finished partitions of an interrupted run are kept under what is known before the step runs: the forwards
                // depend on the settings, models, engines and suites, not on the metrics or probes the step creates
                PlanRunner.Step executor = runner.step(store.partial(step, Canonical.sha256(parts)));
                StudyContextImpl context = new StudyContextImpl(plan, loaded.registry(), step, pool, store, executor);
                long passes = step.experiment().forwardPasses(context);
                LOG.info("{} {}: {} forward passes", label, step.experiment().describe(), passes);
                ConsoleProgress progress = new ConsoleProgress(err, label, passes, console);
                long stepStart = System.nanoTime();
                StepResult result;
                try {
                    result = context.interventionCheck().annotate(step.id(), step.experiment().run(context, progress));
                } finally {
                    pool.closeStepLocal();
                }
                progress.finish();
                result = NonFiniteMarks.mark(result, context.nonFiniteForwards(), context.forwardsRun());
                for (String key : List.of(NonFiniteMarks.LOGITS, NonFiniteMarks.CELLS)) {
                    if (result.summary().containsKey(key)) {
                        err.println(label + " warning: " + result.summary().get(key));
                    }
                }
                if (!runnerChoice.id().equals(Runners.LOCAL)) {
                    err.println(label + " ran on " + executor.ranOn());
                }
                List<String> used = context.usedPlugins();
                String fingerprint = PluginProvenance.fingerprint(parts, used, loaded.registry()).orElseThrow();
                fingerprints.put(step.id(), fingerprint);
                StudyResults.StepRecord record = new StudyResults.StepRecord(step.id(), step.experimentId(),
                        step.experiment().describe(), settings, fingerprint, (System.nanoTime() - stepStart) / 1e9, passes, false, result,
                        executor.ranOn());
                store.save(record, step, used);
                store.dropPartial(step);
                records.add(record);
            }
            for (StudyPlan.ModelSpec m : plan.models().values()) {
                String architecture = architecture(m.config()) + m.adapter().map(a -> "; LoRA adapter " + a).orElse("")
                        + (m.quantization() == io.interp4j.api.quant.Quantization.NONE ? "" : "; " + pool.loaded(m.name())
                                .flatMap(io.interp4j.api.model.Model::quantization).map(q -> q.describe())
                                .orElse(m.quantization().configName() + " weights"));
                models.add(new StudyResults.ModelInfo(m.name(), m.path().toString(), m.engine(), architecture, fileHashesByModel.get(m.name())));
            }
        }
        StudyResults results = new StudyResults(plan.name(), plan.config().getConfig("study").root().render(
                com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true)), versions(), threads, plan.seed(), models, records,
                startedAt, (System.nanoTime() - started) / 1e9);
        ReportWriter.write(out, results, plan.formats());
        err.println("wrote " + out.toAbsolutePath() + " (" + String.join(", ", plan.formats()) + ")");
        return results;
    }

    private static void createMissingModels(StudyPlan plan, PrintStream err) {
        for (StudyPlan.ModelSpec m : plan.models().values()) {
            if (!Files.isDirectory(m.path()) && m.create().isPresent()) {
                err.println("creating model " + m.name() + " at " + m.path() + " (random weights, seed " + m.create().get().seed() + ")");
                RandomCheckpoint.write(m.path(), m.config(), m.create().get().dtype(), m.create().get().seed());
            }
        }
    }

    static String architecture(ModelConfig c) {
        return String.format(Locale.ROOT, "%d layers, %d heads / %d kv heads, d_model %d, d_head %d, d_mlp %d, vocab %d, %s, %,d parameters",
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.hiddenSize(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.tieWordEmbeddings() ? "tied" : "untied", c.parameterCount());
    }

    private static Map<String, String> versions() {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("interp4j", Optional.ofNullable(StudyRunner.class.getModule().getDescriptor())
                .flatMap(d -> d.rawVersion())
                .or(() -> Optional.ofNullable(StudyRunner.class.getPackage().getImplementationVersion()))
                .orElse("unknown"));
        versions.put("java", System.getProperty("java.version"));
        versions.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        try {
            versions.put("djl", ai.djl.engine.Engine.getDjlVersion());
            if (ai.djl.engine.Engine.hasEngine("PyTorch")) {
                versions.put("pytorch", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
            }
        } catch (RuntimeException | LinkageError e) {
            versions.put("djl", "unavailable: " + e.getMessage());
        }
        return versions;
    }
}
