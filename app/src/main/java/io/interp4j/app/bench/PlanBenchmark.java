package io.interp4j.app.bench;

import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.PlanExecutor;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.task.TaskSuite;
import io.interp4j.api.task.TaskSuites;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.app.cli.CommandContext;
import io.interp4j.app.cli.HelpOption;
import io.interp4j.app.cli.TypedValues;
import io.interp4j.app.plugins.PluginRegistry;
import io.interp4j.planner.PlainExecutor;
import io.interp4j.planner.Planner;
import io.interp4j.planner.PlannerOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Planned against naive forwards, in the same run, on three workloads of the atlas: (a) zero-ablation
 * of each layer's contribution over every layer, (b) zero-ablation of every head of four layers, (c)
 * last-position steering with nine scales at six layers, each with the clean forward of every prompt.
 * The naive path (one forward per request, every position unembedded) runs on an evenly spaced sample
 * of each workload's requests, since its cost per forward does not depend on how many there are; the
 * planner runs the whole workload. Both rates are forwards (requests) per second; the planner's
 * readouts on the sample are compared with the naive ones.
 */
@Command(name = "plan", sortOptions = false, description = {
    "Planned vs naive forwards in the same run: forwards/s and their ratio for layer-contribution ablation over every layer, "
    + "every head of 4 layers, and last-position steering with 9 scales at 6 layers."})
final class PlanBenchmark implements Runnable {
    private final CommandContext context;

    @Mixin
    private HelpOption help;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Hugging Face model directory.")
    private Path directory;

    @Option(names = "--suite", required = true, paramLabel = "FILE.jsonl", description = "A task-suite file whose prompts are run.")
    private Path suiteFile;

    @Option(names = "--engine", paramLabel = "ID", defaultValue = "djl", description = "The engine (default: ${DEFAULT-VALUE}).")
    private String engine;

    @Option(names = "--prompts", paramLabel = "N", defaultValue = "4", description = "Prompts, 1 to 10000 (default: ${DEFAULT-VALUE}).")
    private int promptCount;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "12", description = "Requests per workload the naive path runs, 1 to"
            + " 100000 (default: ${DEFAULT-VALUE}).")
    private int sample;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1", description = "Repeats, 1 to 100 (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--batch-tokens", paramLabel = "N", description = "The planner's most positions per batched forward, 1 to 1048576"
            + " (default: the planner's, 1024).")
    private Integer batchTokens;

    PlanBenchmark(CommandContext context) {
        this.context = context;
    }

    /** A workload: its name and its requests. */
    private record Workload(String name, ForwardPlan plan) {}

    @Override
    public void run() {
        PrintStream out = context.out();
        PluginRegistry registry = context.registry();
        TypedValues.inRange("--prompts", promptCount, 1, 10_000);
        TypedValues.inRange("--sample", sample, 1, 100_000);
        TypedValues.inRange("--repeats", repeats, 1, 100);
        int batchTokens = TypedValues.inRange("--batch-tokens", this.batchTokens == null ? PlannerOptions.DEFAULTS.batchTokens() : this.batchTokens,
                1, 1 << 20);
        TaskSuite suite = TaskSuites.read("bench", suiteFile);
        try (Model model = registry.loadModel(engine, directory)) {
            ModelConfig config = model.config();
            List<int[]> prompts = prompts(model.requireTokenizer(), suite, promptCount);
            double meanTokens = prompts.stream().mapToInt(p -> p.length).average().orElse(0);
            PlanExecutor planner = new Planner(new PlannerOptions(batchTokens, PlannerOptions.DEFAULTS.cacheBytes()));
            PlanExecutor naive = new PlainExecutor();
            out.printf(Locale.ROOT, "bench plan: engine %s, model %s (%d layers, %d heads, d_model %d, vocab %d)%n", engine, directory,
                    config.numLayers(), config.numHeads(), config.hiddenSize(), config.vocabSize());
            out.printf(Locale.ROOT, "  %d prompts of %s (%.1f tokens on average), batch-tokens %d, naive sample %d requests per workload, %d repeat(s)%n",
                    prompts.size(), suiteFile, meanTokens, batchTokens, sample, repeats);
            // warm-up: first-use costs (native kernels, allocator) stay out of both timings
            naive.execute(new ForwardPlan(List.of(ForwardRequest.clean("m", prompts.get(0)))), name -> model, n -> { });
            out.printf(Locale.ROOT, "  %-58s %9s %12s %14s %8s %12s%n", "workload", "forwards", "naive fwd/s", "planned fwd/s", "ratio",
                    "max |Δlogit|");
            for (Workload workload : workloads(config, prompts)) {
                ForwardPlan plan = workload.plan();
                ForwardPlan sampled = sample(plan, sample);
                double[] naiveRates = new double[repeats];
                double[] plannedRates = new double[repeats];
                double worst = 0;
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    List<ForwardReadout> expected = naive.execute(sampled, name -> model, n -> { });
                    long t1 = System.nanoTime();
                    List<ForwardReadout> planned = planner.execute(plan, name -> model, n -> { });
                    long t2 = System.nanoTime();
                    naiveRates[r] = sampled.size() / ((t1 - t0) / 1e9);
                    plannedRates[r] = plan.size() / ((t2 - t1) / 1e9);
                    worst = Math.max(worst, maxDifference(plan, sampled, expected, planned));
                }
                double naiveRate = median(naiveRates);
                double plannedRate = median(plannedRates);
                out.printf(Locale.ROOT, "  %-58s %9d %12.2f %14.2f %7.2fx %12.2e%n", workload.name(), plan.size(), naiveRate, plannedRate,
                        plannedRate / naiveRate, worst);
            }
            out.printf(Locale.ROOT, "  peak RSS %.2f GiB%n", ForwardBenchmark.peakResidentBytes() / 1073741824.0);
        }
    }

    /** Evenly spaced prompts of the suite, so that every family and length is represented. */
    private static List<int[]> prompts(Tokenizer tokenizer, TaskSuite suite, int count) {
        List<Task> tasks = suite.tasks();
        List<int[]> prompts = new ArrayList<>();
        int n = Math.min(count, tasks.size());
        for (int i = 0; i < n; i++) {
            prompts.add(tokenizer.encode(tasks.get((int) ((long) i * tasks.size() / n)).prompt()));
        }
        return prompts;
    }

    private static List<Workload> workloads(ModelConfig config, List<int[]> prompts) {
        int layers = config.numLayers();
        ForwardPlan.Builder contributions = ForwardPlan.builder();
        ForwardPlan.Builder heads = ForwardPlan.builder();
        ForwardPlan.Builder steering = ForwardPlan.builder();
        int[] headLayers = spread(layers, 4);
        int[] steeringLayers = spread(layers, 6);
        double[] scales = {-8, -4, -2, -1, 0.5, 1, 2, 4, 8};
        float[] direction = new float[config.hiddenSize()];
        Random random = new Random(1);
        for (int i = 0; i < direction.length; i++) {
            direction[i] = (float) random.nextGaussian();
        }
        TensorData vector = new TensorData(new long[] {direction.length}, direction);
        for (int[] prompt : prompts) {
            contributions.add(ForwardRequest.clean("m", prompt));
            heads.add(ForwardRequest.clean("m", prompt));
            steering.add(ForwardRequest.clean("m", prompt));
            for (int layer = 0; layer < layers; layer++) {
                contributions.add(ForwardRequest.intervened("m", prompt,
                        List.of(Intervention.zero(Site.parse("blocks." + layer + ".contribution"), Positions.ALL))));
            }
            for (int layer : headLayers) {
                for (int head = 0; head < config.numHeads(); head++) {
                    heads.add(ForwardRequest.intervened("m", prompt, List.of(Intervention.zero(Site.parse("blocks." + layer + ".attn.hook_z"),
                            Positions.ALL).withHeads(List.of(head)))));
                }
            }
            for (int layer : steeringLayers) {
                for (double scale : scales) {
                    steering.add(ForwardRequest.intervened("m", prompt,
                            List.of(Intervention.add(Site.layerOutput(layer), Positions.LAST, scale, vector, "random direction"))));
                }
            }
        }
        return List.of(
                new Workload("(a) contribution zeroed, each of " + layers + " layers", contributions.build()),
                new Workload("(b) each head zeroed (attn.hook_z), layers " + Arrays.toString(headLayers), heads.build()),
                new Workload("(c) last-position steering, 9 scales, layers " + Arrays.toString(steeringLayers), steering.build()));
    }

    /** {@code count} layers spread evenly over {@code [0, layers)}. */
    private static int[] spread(int layers, int count) {
        int n = Math.min(count, layers);
        int[] chosen = new int[n];
        for (int i = 0; i < n; i++) {
            chosen[i] = n == 1 ? 0 : (int) Math.round((double) i * (layers - 1) / (n - 1));
        }
        return chosen;
    }

    /** Every k-th request, about {@code size} of them. */
    private static ForwardPlan sample(ForwardPlan plan, int size) {
        int stride = Math.max(1, plan.size() / size);
        List<ForwardRequest> chosen = new ArrayList<>();
        for (int i = 0; i < plan.size() && chosen.size() < size; i += stride) {
            chosen.add(plan.requests().get(i));
        }
        return new ForwardPlan(chosen);
    }

    /** The largest logit difference between the naive readouts of the sample and the planner's of the same requests. */
    private static double maxDifference(ForwardPlan plan, ForwardPlan sampled, List<ForwardReadout> expected, List<ForwardReadout> planned) {
        int stride = Math.max(1, plan.size() / sampled.size());
        double worst = 0;
        for (int s = 0; s < sampled.size(); s++) {
            float[] a = expected.get(s).lastLogits();
            float[] b = planned.get(s * stride).lastLogits();
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        return worst;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
