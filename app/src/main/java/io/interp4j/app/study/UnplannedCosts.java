package io.interp4j.app.study;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Unembedding;
import io.interp4j.api.experiment.UnplannedWork;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput.LogitComparison;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.app.plugins.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/**
 * What a dry run says a step's {@link UnplannedWork} costs: the same work, cut short and timed on the
 * loaded model (no calibration model prices training or generation, so a short run of each is the
 * estimate). Training runs a few optimizer steps of the recipe into a temporary folder that is deleted;
 * generation times a batched prefill and a few batched decode steps, and a few prompts' first tokens
 * and cached decode steps alone; the lens times a few passes over the checkpoint's unembedding.
 */
final class UnplannedCosts {
    /** Optimizer steps a training sample runs; the first pays the setup, the others time a step. */
    private static final int TRAINING_STEPS = 3;
    /** Prompts whose first generated token (the prefill) a generation sample times. */
    private static final int PREFILL_PROMPTS = 3;
    /** Cached decode steps a generation sample times. */
    private static final int DECODE_TOKENS = 8;
    /** Passes over the unembedding a lens sample times. */
    private static final int LENS_PASSES = 2;

    private final StudyPlan plan;
    private final PluginRegistry registry;
    private final ModelPool pool;

    UnplannedCosts(StudyPlan plan, PluginRegistry registry, ModelPool pool) {
        this.plan = plan;
        this.registry = registry;
        this.pool = pool;
    }

    /**
     * One piece of work priced.
     *
     * @param line what the dry run prints for it
     * @param seconds the estimate, or 0 when not estimated
     * @param estimated whether it was
     */
    record Cost(String line, double seconds, boolean estimated) {}

    /** Counts a piece of work; prices it when {@code estimate}. */
    Cost price(UnplannedWork work, boolean estimate) {
        String what = describe(work);
        if (!estimate) {
            return new Cost(what, 0, false);
        }
        if (!Files.isDirectory(plan.models().get(work.model()).path())) {
            return new Cost(what + ", not estimated: model '" + work.model() + "' does not exist yet", 0, false);
        }
        if (work instanceof UnplannedWork.Training t) {
            return training(what, t);
        }
        return work instanceof UnplannedWork.Lens l ? lens(what, l) : generation(what, (UnplannedWork.Generation) work);
    }

    // a sealed interface: Java 17 has no pattern matching for switch
    private static String describe(UnplannedWork work) {
        if (work instanceof UnplannedWork.Training t) {
            return String.format(Locale.ROOT, "training on %s: %,d micro-batches of %d", t.model(), t.forwardPasses(), t.options().batchSize());
        }
        if (work instanceof UnplannedWork.Lens l) {
            return String.format(Locale.ROOT, "lens on %s: %,d vectors unembedded in Java, %d per pass", l.model(), l.vectors(), l.perPass());
        }
        UnplannedWork.Generation g = (UnplannedWork.Generation) work;
        if (g.batchSize() == 1) {
            return String.format(Locale.ROOT, "generation on %s%s: %,d prompts × (%d + %d) tokens", g.model(), variant(g.load()),
                    g.prompts().size(), g.warmUpTokens(), g.maxNewTokens());
        }
        return String.format(Locale.ROOT, "generation on %s%s: %,d prompts in batches of %d × %d tokens, then %d alone × (%d + %d) tokens",
                g.model(), variant(g.load()), g.prompts().size(), g.batchSize(), g.maxNewTokens(), g.timedPrompts(), g.warmUpTokens(),
                g.maxNewTokens());
    }

    private static String variant(LoadOptions load) {
        List<String> parts = new ArrayList<>();
        load.adapter().ifPresent(a -> parts.add("adapter " + a.getFileName()));
        parts.add(load.quantization().configName());
        return " (" + String.join(", ", parts) + ")";
    }

    /**
     * Runs the first {@value #TRAINING_STEPS} optimizer steps of the recipe (fewer if it has fewer): the
     * steps after the first time a step; the rest of the sample (setting up, the first step's extra cost,
     * saving the adapter) is counted once. Checkpoint saves are not priced.
     */
    private Cost training(String what, UnplannedWork.Training work) {
        StudyPlan.ModelSpec spec = plan.models().get(work.model());
        Optional<LoraTrainer> trainer = registry.engine(spec.engine()).loraTrainer();
        if (trainer.isEmpty()) {
            return new Cost(what + ", not estimated: engine '" + spec.engine() + "' cannot train LoRA adapters", 0, false);
        }
        TrainingOptions o = work.options();
        int steps = Math.min(TRAINING_STEPS, o.steps());
        TrainingOptions sample = new TrainingOptions(o.rank(), o.alpha(), o.dropout(), o.targetModules(), o.learningRate(), o.weightDecay(),
                0, steps, o.batchSize(), o.gradientAccumulation(), o.maxGradNorm(), o.seed(), List.of(), o.loss());
        Model base = pool.get(work.model());
        Path folder = temporaryFolder();
        long[] ends = new long[steps];
        long started = System.nanoTime();
        try {
            trainer.get().train(base, work.examples(), sample, folder.resolve("adapter"), (step, loss, lr) -> ends[step - 1] = System.nanoTime());
        } finally {
            delete(folder);
        }
        double total = (System.nanoTime() - started) / 1e9;
        double perStep = steps == 1 ? total : (ends[steps - 1] - ends[0]) / 1e9 / (steps - 1);
        double fixed = Math.max(0, total - perStep * steps);
        double seconds = fixed + perStep * o.steps();
        return new Cost(what + String.format(Locale.ROOT, ", estimated %s (%s per optimizer step of %d micro-batches + %s once, timed on %d"
                + " step(s))", DryRunCosts.duration(seconds), DryRunCosts.duration(perStep), o.gradientAccumulation(), DryRunCosts.duration(fixed),
                steps), seconds, true);
    }

    /**
     * Prices the generations alone (batch 1) and, with a batch size above 1, the batched ones. Alone:
     * after the same generation untimed, the first token of up to {@value #PREFILL_PROMPTS} prompts
     * (the prefill) and {@value #DECODE_TOKENS} cached decode steps after the first prompt. Batched:
     * after the first batch's prefill untimed, its prefill and {@value #DECODE_TOKENS} batched decode
     * steps, each batch priced as the first (the largest). None stops at end-of-text: the estimate is an
     * upper bound, since a generation that stops early runs fewer. Decode steps later in a long
     * generation attend over more positions than the timed ones.
     */
    private Cost generation(String what, UnplannedWork.Generation work) {
        StudyPlan.ModelSpec spec = plan.models().get(work.model());
        boolean own = work.load().equals(new LoadOptions(spec.adapter(), spec.quantization()));
        Model model = own ? pool.get(work.model()) : pool.get(work.model(), work.load());
        try {
            List<int[]> prompts = work.prompts();
            int decode = Math.min(DECODE_TOKENS, work.maxNewTokens() - 1);
            double seconds = 0;
            List<String> parts = new ArrayList<>();
            if (work.batchSize() > 1) {
                List<int[]> first = prompts.subList(0, Math.min(work.batchSize(), prompts.size()));
                int batches = (prompts.size() + work.batchSize() - 1) / work.batchSize();
                generate(model, first, 1);
                double prefill = generate(model, first, 1);
                double perStep = decode == 0 ? 0 : Math.max(0, generate(model, first, 1 + decode) - prefill) / decode;
                double batched = batches * (prefill + (work.maxNewTokens() - 1) * perStep);
                seconds += batched;
                parts.add(String.format(Locale.ROOT, "%s for %d batch(es): %s per prefill of %d prompts, %s per batched step; timed on %d"
                        + " decode steps", DryRunCosts.duration(batched), batches, DryRunCosts.duration(prefill), first.size(),
                        DryRunCosts.duration(perStep), decode));
            }
            int alone = work.alone();
            if (alone > 0) {
                List<int[]> single = work.batchSize() == 1 ? prompts : prompts.subList(0, alone);
                generate(model, single.get(0), 1 + decode);
                int sampled = Math.min(PREFILL_PROMPTS, single.size());
                double prefill = 0;
                double firstPrefill = 0;
                for (int i = 0; i < sampled; i++) {
                    double t = generate(model, single.get(i * single.size() / sampled), 1);
                    prefill += t / sampled;
                    firstPrefill = i == 0 ? t : firstPrefill;
                }
                double perToken = decode == 0 ? 0 : Math.max(0, generate(model, single.get(0), 1 + decode) - firstPrefill) / decode;
                double perPrompt = (work.warmUpTokens() > 0 ? prefill + (work.warmUpTokens() - 1) * perToken : 0)
                        + prefill + (work.maxNewTokens() - 1) * perToken;
                seconds += perPrompt * alone;
                parts.add(String.format(Locale.ROOT, "%s for %d prompt(s) alone: %s per prompt's first token, %s per further token; timed on"
                        + " %d prompt(s) and %d decode steps", DryRunCosts.duration(perPrompt * alone), alone, DryRunCosts.duration(prefill),
                        DryRunCosts.duration(perToken), sampled, decode));
            }
            return new Cost(what + String.format(Locale.ROOT, ", estimated %s at most (%s)", DryRunCosts.duration(seconds),
                    String.join("; ", parts)), seconds, true);
        } finally {
            if (!own) {
                pool.release(work.model(), work.load());
            }
        }
    }

    /**
     * Times {@value #LENS_PASSES} passes of {@code perPass} random vectors through the model's own
     * unembedding, each vector's logits then rounded to float32 and compared with a reference by the
     * study's {@code kl-divergence} metric (as the plans' sample compares each readout, and as early exit
     * compares each exit with the model's logits), after one untimed pass (the JIT), and prices every
     * pass at their mean.
     */
    private Cost lens(String what, UnplannedWork.Lens work) {
        Random random = new Random(1);
        Metric kl = registry.metric("kl-divergence", ConfigFactory.empty());
        StudyPlan.ModelSpec spec = plan.models().get(work.model());
        try (Unembedding unembedding = Unembedding.open(spec.path())) {
            double[][] vectors = new double[work.perPass()][spec.config().hiddenSize()];
            for (double[] vector : vectors) {
                for (int c = 0; c < vector.length; c++) {
                    vector[c] = random.nextGaussian();
                }
            }
            TensorData reference = lensPass(unembedding, vectors, kl, null);
            long started = System.nanoTime();
            for (int i = 0; i < LENS_PASSES; i++) {
                lensPass(unembedding, vectors, kl, reference);
            }
            double perPass = (System.nanoTime() - started) / 1e9 / LENS_PASSES;
            double seconds = perPass * work.passes();
            return new Cost(what + String.format(Locale.ROOT, ", estimated %s (%s per pass of %d with a KL each, timed on %d passes)",
                    DryRunCosts.duration(seconds), DryRunCosts.duration(perPass), work.perPass(), LENS_PASSES), seconds, true);
        }
    }

    /** One lens pass: the vectors unembedded, each compared with the reference (the first vector's logits when null), which it returns. */
    private static TensorData lensPass(Unembedding unembedding, double[][] vectors, Metric kl, TensorData reference) {
        double[][] logits = unembedding.logits(vectors);
        TensorData first = reference;
        for (double[] row : logits) {
            float[] rounded = new float[row.length];
            for (int v = 0; v < row.length; v++) {
                rounded[v] = (float) row[v];
            }
            TensorData exit = new TensorData(new long[] {1, rounded.length}, rounded);
            first = first == null ? exit : first;
            kl.compute(LogitComparison.of(first, exit));
        }
        return first;
    }

    /** Seconds of one greedy, cached, batched generation of exactly {@code tokens} tokens per row. */
    private static double generate(Model model, List<int[]> prompts, int tokens) {
        try (Run run = model.newRun()) {
            long started = System.nanoTime();
            Decoding.batched(run, prompts, tokens, -1, (row, logits) -> Decoding.argmax(logits));
            return (System.nanoTime() - started) / 1e9;
        }
    }

    /** Seconds of one greedy, cached generation of exactly {@code tokens} tokens. */
    private static double generate(Model model, int[] prompt, int tokens) {
        try (Run run = model.newRun()) {
            long started = System.nanoTime();
            run.generate(prompt, new GenerationOptions(tokens, true, false));
            return (System.nanoTime() - started) / 1e9;
        }
    }

    private static Path temporaryFolder() {
        try {
            return Files.createTempDirectory("interp4j-dry-run-training");
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot create a temporary folder for the dry run's training sample: " + e.getMessage(), e);
        }
    }

    private static void delete(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, "cannot delete the dry run's training sample " + folder + ": " + e.getMessage(), e);
        }
    }
}
