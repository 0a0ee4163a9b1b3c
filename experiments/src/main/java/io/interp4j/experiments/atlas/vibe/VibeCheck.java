package io.interp4j.experiments.atlas.vibe;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.experiment.UnplannedWork;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.metric.MetricInput.Generated;
import io.interp4j.api.metric.MetricInput.Generations;
import io.interp4j.api.metric.MetricResult;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.PromptEncoding;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;

/**
 * Generates greedily (KV cache, stopping at the end-of-text token, at most {@code max-new-tokens}) from
 * every prompt of the suite's generation family, for each model and quantisation variant. Each variant
 * is loaded with {@link StudyContext#model(String, LoadOptions)} without adapter, so it never sees a
 * study model's own adapter or quantisation ({@code none} is the study model itself when that carries
 * neither). The texts come from generating {@code generation-batch} prompts at a time as one
 * left-padded batch with the KV cache ({@link Decoding#batched}: each row gets the tokens it would get
 * alone). Speed keeps the seed's meaning, batch 1: the first {@code timed-prompts} prompts are
 * generated again one by one, each after a 1-token generation of the same prompt in its own run (the
 * warm-up); tok/s = new tokens / wall time of the timed generation. With {@code generation-batch = 1}
 * every prompt is generated alone that way and every generation is timed (the texts are the timed ones).
 *
 * <p>Timings are nondeterministic, so they stay in the {@code vibe-timings} table only: the atlas rows,
 * the other tables, the summary and the generations file hold deterministic numbers.
 */
final class VibeCheck implements Experiment {
    static final String DIMENSION = "Vibe check";
    /** The artefact file of the generations, one JSON object per line. */
    static final String GENERATIONS_FILE = "generations.jsonl";
    /** The seed's threshold: a generation is repetitive when its repetition ratio exceeds it. */
    static final double REPETITIVE_ABOVE = 0.3;

    /** The metric plugin holding the seed's keyword rules, which the published protocol applies to the prompt text. */
    static final String PUBLISHED_RULES = "constraint-adherence";

    /**
     * One generation and what was measured on it; {@code timedTokens} and {@code nanos} (the only
     * nondeterministic field) are those of its batch-1 timed generation, {@code nanos < 0} when it was not timed.
     * {@code constraints} and {@code met} are the corrected reading (the task's metadata); {@code published} is the
     * seed's keyword rules applied to the prompt text.
     */
    private record Sample(Task task, List<Constraint> constraints, String text, int newTokens, boolean stopped, double repetition,
            int met, Published published, int timedTokens, long nanos) {
        double adherence() {
            return constraints.isEmpty() ? 0 : met / (double) constraints.size();
        }
    }

    /**
     * The published reading of one generation: the constraints the seed's keyword rules recognise in the prompt text,
     * how many of them the text meets, and the prompt's score met / recognised (0 when none is recognised).
     */
    private record Published(int recognised, int met, double score) {
        /** Scores one generation with the rules of the {@value #PUBLISHED_RULES} metric, on this prompt alone. */
        static Published of(Metric rules, Task task, String text, int newTokens) {
            MetricResult r = rules.compute(new Generations(List.of(new Generated(task.prompt(), text, newTokens, 0))));
            return new Published(r.details().get("recognised-constraints").intValue(), r.details().get("met-constraints").intValue(),
                    r.value());
        }
    }

    private final AtlasScope scope;
    private final String family;
    private final List<Quantization> variants;
    private final int maxNewTokens;
    /** Prompts generated together, at least 1; {@code Integer.MAX_VALUE} for all. */
    private final int batch;
    /** With {@code batch > 1}: how many prompts, from the first, are generated again alone and timed. */
    private final int timedPrompts;

    VibeCheck(AtlasScope scope, String family, List<Quantization> variants, int maxNewTokens, int batch, int timedPrompts) {
        this.scope = scope;
        this.family = family;
        this.variants = List.copyOf(variants);
        this.maxNewTokens = maxNewTokens;
        this.batch = batch;
        this.timedPrompts = timedPrompts;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(scope.validate(context));
        String root = context.path();
        if (!problems.isEmpty()) {
            return problems;
        }
        if (scope.runs(Protocol.PUBLISHED)) {
            problems.addAll(context.checkPlugin(PluginKind.METRIC, PUBLISHED_RULES, ConfigFactory.empty(), root));
        }
        List<Task> tasks = tasks(context);
        if (tasks.isEmpty()) {
            Set<String> families = new TreeSet<>();
            scope.tasks(context).forEach(t -> families.add(t.family()));
            problems.add(new Problem(root + ".family", "suite '" + scope.suite() + "' (split " + scope.split() + ") has no task of family '" + family
                    + "'; its families: " + families));
        }
        for (Task task : tasks) {
            String text = task.metadata().get(Constraint.METADATA_KEY);
            if (text != null && Constraint.parseAll(text) == null) {
                problems.add(new Problem(root + ".suite", "suite '" + scope.suite() + "' task '" + task.id() + "': metadata constraint '" + text
                        + "' is not recognised; allowed: " + Constraint.ALLOWED + ", or no constraint key"));
            }
        }
        return problems;
    }

    private List<Task> tasks(StudyContext context) {
        return scope.tasks(context).stream().filter(t -> t.family().equals(family)).toList();
    }

    /**
     * Per model and quantisation, the batched generation of every prompt and the timed prompts' warm-up
     * token and generation alone (with batch 1: every prompt's): an upper bound, since a generation may
     * stop at end-of-text.
     */
    @Override
    public List<UnplannedWork> unplanned(StudyContext context) {
        List<Task> tasks = tasks(context);
        List<UnplannedWork> work = new ArrayList<>();
        for (String name : scope.models(context)) {
            Tokenizer tokenizer = context.tokenizer(name);
            List<int[]> prompts = tasks.stream().map(task -> encode(context, tokenizer, task)).toList();
            for (Quantization variant : variants) {
                int rows = together(prompts.size());
                work.add(new UnplannedWork.Generation(name, new LoadOptions(Optional.empty(), variant), prompts, 1, maxNewTokens, rows,
                        rows == 1 ? 0 : alone(prompts.size())));
            }
        }
        return work;
    }

    /**
     * How many of {@code prompts} prompts are generated together: the setting, at most all of them, under
     * every quantisation (LLM.int8 chooses its outlier columns per sequence, so a batch row gets what
     * the prompt gets alone, as under the others).
     */
    private int together(int prompts) {
        return Math.min(batch, prompts);
    }

    /** How many of {@code prompts} prompts are generated alone, each timed: every one at batch 1, else the first timed-prompts. */
    private int alone(int prompts) {
        return together(prompts) == 1 ? prompts : Math.min(timedPrompts, prompts);
    }

    private int[] encode(StudyContext context, Tokenizer tokenizer, Task task) {
        return PromptEncoding.encode(tokenizer, task.prompt(), context.path() + ".suite", "suite '" + scope.suite() + "' task '" + task.id() + "'");
    }

    @Override
    public String describe() {
        String generation = batch == 1 ? "one prompt at a time, each timed after a 1-token warm-up"
                : (batch == Integer.MAX_VALUE ? "all prompts in one batch" : "batches of " + batch + " prompts") + " with the KV cache; tok/s"
                        + " at batch 1 on the first " + timedPrompts + " prompt(s), each after a 1-token warm-up";
        return "vibe-check: greedy generation (at most " + maxNewTokens + " new tokens, " + generation + ") over family '"
                + family + "' per quantisation "
                + variants.stream().map(Quantization::configName).collect(Collectors.joining(", "))
                + "; repetition, constraint adherence (published: the seed's keyword rules on the prompt text, metric '"
                + PUBLISHED_RULES + "', mean over all prompts; corrected: the tasks' metadata constraints, mean over the constrained"
                + " prompts, 95% bootstrap interval), tok/s and reconstruction error, " + scope.describe();
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        long budget = forwardPasses(context);
        long[] counted = {0};
        List<Task> tasks = tasks(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> generations = new ArrayList<>();
        List<List<Object>> perVariant = new ArrayList<>();
        List<List<Object>> quantization = new ArrayList<>();
        List<List<Object>> timings = new ArrayList<>();
        List<List<Object>> adherenceChart = new ArrayList<>();
        List<List<Object>> repetitionChart = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Metric rules = context.metric(PUBLISHED_RULES, ConfigFactory.empty());
        for (String name : scope.models(context)) {
            int recognised = 0;
            for (Quantization variant : variants) {
                Model model = variant(context, name, variant);
                List<Sample> samples = generate(context, name, model, variant, tasks, rules, n -> {
                    long reported = Math.min(n, Math.max(0, budget - counted[0]));
                    counted[0] += n;
                    if (reported > 0) {
                        progress.advance(reported);
                    }
                });
                String v = variant.configName();
                long tokens = 0;
                long nanos = 0;
                for (Sample s : samples) {
                    generations.add(Arrays.asList(name, v, s.task().id(), s.newTokens(), s.stopped(), Constraint.words(s.text()),
                            s.repetition(), s.repetition() > REPETITIVE_ABOVE, s.published().recognised(), s.published().met(),
                            s.published().score(), s.constraints().isEmpty() ? null
                            : s.constraints().stream().map(Constraint::toString).collect(Collectors.joining("; ")),
                            s.constraints().size(), s.met(), s.constraints().isEmpty() ? null : s.adherence()));
                    if (s.nanos() >= 0) {
                        timings.add(Arrays.asList(name, v, s.task().id(), s.timedTokens(), s.nanos() / 1e9, tokensPerSecond(s.timedTokens(),
                                s.nanos())));
                        tokens += s.timedTokens();
                        nanos += s.nanos();
                    }
                    lines.add(json(name, v, s));
                }
                timings.add(Arrays.asList(name, v, "all", tokens, nanos / 1e9, tokensPerSecond(tokens, nanos)));
                recognised = (int) samples.stream().filter(s -> s.published().recognised() > 0).count();
                summarise(context, atlas, name, v, samples, perVariant, adherenceChart, repetitionChart);
                QuantizationReport report = model.quantization().orElse(null);
                if (report != null && report.scheme() != Quantization.NONE) {
                    double relative = report.rmsWeight() == 0 ? 0 : report.rmsError() / report.rmsWeight();
                    quantization.add(Arrays.asList(name, v, report.weights(), report.values(), report.maxAbsError(), report.rmsError(),
                            report.rmsWeight(), relative));
                    atlas.value("vibe-check.quant-error." + v, null, name, relative, String.format(Locale.ROOT,
                            "RMS error %.3g%% of RMS weight (max |error| %.3g)", 100 * relative, report.maxAbsError()));
                }
                // one variant in memory at a time (a no-op where variant() handed out the study model itself)
                context.release(name, new LoadOptions(Optional.empty(), variant));
            }
            if (scope.runs(Protocol.PUBLISHED) && recognised < tasks.size()) {
                atlas.artefact(Protocol.PUBLISHED, name, String.format(Locale.ROOT, "the seed's keyword rules recognise a constraint"
                        + " in only %d of %d prompts (the metadata states one in %d), yet published adherence averages over all %d (a"
                        + " prompt with no recognised constraint scores 0): its ceiling is %.1f%%, not 100%%", recognised, tasks.size(),
                        constrained(tasks), tasks.size(), 100.0 * recognised / tasks.size()));
            }
        }
        if (counted[0] < budget) {
            progress.advance(budget - counted[0]);
        }
        writeGenerations(context, lines);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("prompts", tasks.size());
        summary.put("constrained-prompts", constrained(tasks));
        summary.put("published-recognised-prompts", tasks.stream().filter(t -> Published.of(rules, t, "", 0).recognised() > 0).count());
        summary.put("variants", variants.stream().map(Quantization::configName).collect(Collectors.joining(", ")));
        summary.put("max-new-tokens", maxNewTokens);
        summary.put("generation-batch", together(tasks.size()));
        summary.put("timed-prompts", tasks.stream().limit(alone(tasks.size())).map(Task::id)
                .collect(Collectors.joining(", ")));
        summary.put("generations-file", GENERATIONS_FILE);
        summary.put("forward-passes", counted[0]);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("vibe-generations", List.of("model", "variant", "task", "new_tokens", "stopped_at_eos", "words", "repetition",
                "repetitive", "published_recognised", "published_met", "published_adherence", "constraint", "constraints", "met",
                "corrected_adherence"), generations));
        tables.add(new Table("vibe-variants", List.of("model", "variant", "prompts", "published_recognised", "constrained",
                "published_adherence",
                "corrected_adherence", "ci_low", "ci_high", "repetitive", "mean_repetition"), perVariant));
        tables.add(new Table("vibe-quantization", List.of("model", "variant", "weights", "values", "max_abs_error", "rms_error",
                "rms_weight", "relative_rms_error"), quantization));
        tables.add(new Table("vibe-timings", List.of("model", "variant", "task", "new_tokens", "seconds", "tokens_per_second"), timings));
        tables.add(new Table("vibe-adherence", List.of("variant", "model", "adherence"), adherenceChart));
        tables.add(new Table("vibe-repetition", List.of("variant", "model", "repetitive_share"), repetitionChart));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(
                new Chart("constraint adherence by quantisation (" + (scope.runs(Protocol.CORRECTED) ? "corrected: constrained prompts"
                        : "published: all prompts") + ")", ChartType.HEATMAP, "vibe-adherence", "variant", "model", "adherence"),
                new Chart("share of repetitive generations (repetition ratio > " + REPETITIVE_ABOVE + ") by quantisation",
                        ChartType.HEATMAP, "vibe-repetition", "variant", "model", "repetitive_share"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /**
     * The model of a variant: the study model itself for {@code none} when it carries neither adapter nor
     * quantisation (no second float copy in memory), else a variant loaded without adapter.
     */
    private static Model variant(StudyContext context, String name, Quantization variant) {
        if (variant == Quantization.NONE) {
            Model plain = context.model(name);
            if (plain.adapter().isEmpty() && plain.quantization().map(q -> q.scheme() == Quantization.NONE).orElse(true)) {
                return plain;
            }
        }
        return context.model(name, new LoadOptions(Optional.empty(), variant));
    }

    /** How many tasks state a constraint in their metadata (the corrected protocol's constrained prompts). */
    private static long constrained(List<Task> tasks) {
        return tasks.stream().filter(t -> t.metadata().containsKey(Constraint.METADATA_KEY)).count();
    }

    private List<Sample> generate(StudyContext context, String name, Model model, Quantization variant, List<Task> tasks, Metric rules,
            LongConsumer forwards) {
        Tokenizer tokenizer = model.tokenizer().orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path()
                + ".models: model '" + name + "' (" + model.directory() + ") has no tokenizer.json; this row encodes suite '"
                + scope.suite() + "' as text and decodes the generations"));
        int eos = model.config().eosTokenId().orElse(-1);
        List<int[]> prompts = tasks.stream().map(task -> encode(context, tokenizer, task)).toList();
        int[][] generated = new int[prompts.size()][];
        int[] timedTokens = new int[prompts.size()];
        long[] nanos = new long[prompts.size()];
        Arrays.fill(nanos, -1);
        // what unplanned() declares: the batches, then the prompts generated alone (all of them at batch 1)
        int together = together(prompts.size());
        if (together > 1) {
            for (int from = 0; from < prompts.size(); from += together) {
                List<int[]> rows = prompts.subList(from, Math.min(prompts.size(), from + together));
                try (Run run = model.newRun()) {
                    List<int[]> out = Decoding.batched(run, rows, maxNewTokens, eos, (row, logits) -> Decoding.argmax(logits));
                    for (int r = 0; r < out.size(); r++) {
                        generated[from + r] = out.get(r);
                        forwards.accept(out.get(r).length);
                    }
                }
            }
        }
        for (int i = 0; i < alone(prompts.size()); i++) {
            try (Run warmUp = model.newRun()) {
                forwards.accept(warmUp.generate(prompts.get(i), GenerationOptions.greedy(1)).generated().length);
            }
            try (Run run = model.newRun()) {
                long started = System.nanoTime();
                int[] timed = run.generate(prompts.get(i), GenerationOptions.greedy(maxNewTokens)).generated();
                nanos[i] = System.nanoTime() - started;
                timedTokens[i] = timed.length;
                forwards.accept(timed.length);
                if (together == 1) {
                    generated[i] = timed;
                }
            }
        }
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            int[] tokens = generated[i];
            boolean stopped = tokens.length > 0 && tokens[tokens.length - 1] == eos;
            String text = tokenizer.decode(stopped ? Arrays.copyOf(tokens, tokens.length - 1) : tokens);
            String constraint = task.metadata().get(Constraint.METADATA_KEY);
            List<Constraint> constraints = constraint == null ? List.of() : Constraint.parseAll(constraint);
            int met = (int) constraints.stream().filter(c -> c.met(text)).count();
            out.add(new Sample(task, constraints, text, tokens.length, stopped, Constraint.repetition(text), met,
                    Published.of(rules, task, text, tokens.length), timedTokens[i], nanos[i]));
        }
        return out;
    }

    /** Adherence in both protocols, repetition (the same in both), their rows and the atlas values. */
    private void summarise(StudyContext context, AtlasRows atlas, String name, String variant, List<Sample> samples,
            List<List<Object>> perVariant, List<List<Object>> adherenceChart, List<List<Object>> repetitionChart) {
        double[] all = samples.stream().mapToDouble(s -> s.published().score()).toArray();
        long recognised = samples.stream().filter(s -> s.published().recognised() > 0).count();
        double[] constrained = samples.stream().filter(s -> !s.constraints().isEmpty()).mapToDouble(Sample::adherence).toArray();
        double published = Stats.mean(all);
        Double corrected = constrained.length == 0 ? null : Stats.mean(constrained);
        AtlasRows.Sample sample = constrained.length == 0 ? null : AtlasRows.Sample.familyMean(PromptSet.identities(samples.stream()
                .filter(s -> !s.constraints().isEmpty()).map(Sample::task).toList()), new int[][] {IntStream.range(0, constrained.length)
                .toArray()}, constrained, Stats.cellSeed(context.seed(), DIMENSION, name, variant));
        double[] ci = sample == null ? null : sample.interval();
        long repetitive = samples.stream().filter(s -> s.repetition() > REPETITIVE_ABOVE).count();
        double share = repetitive / (double) samples.size();
        double meanRepetition = Stats.mean(samples.stream().mapToDouble(Sample::repetition).toArray());
        perVariant.add(Arrays.asList(name, variant, samples.size(), recognised, constrained.length, published, corrected,
                ci == null ? null : ci[0], ci == null ? null : ci[1], repetitive, meanRepetition));
        repetitionChart.add(List.of(variant, name, share));
        if (scope.runs(Protocol.PUBLISHED)) {
            atlas.value("vibe-check.adherence." + variant, Protocol.PUBLISHED, name, published, String.format(Locale.ROOT,
                    "%.1f%% (all %d prompts, %d with a constraint the keyword rules recognise)", 100 * published, samples.size(),
                    recognised));
        }
        if (scope.runs(Protocol.CORRECTED)) {
            atlas.value("vibe-check.adherence." + variant, Protocol.CORRECTED, name, corrected == null ? "n/a" : corrected,
                    corrected == null ? "no constrained prompt" : String.format(Locale.ROOT, "%.1f%% (%d constrained prompts)",
                            100 * corrected, constrained.length), ci, sample);
        }
        Double shown = scope.runs(Protocol.CORRECTED) ? corrected : Double.valueOf(published);
        if (shown != null) {
            adherenceChart.add(List.of(variant, name, shown));
        }
        atlas.value("vibe-check.repetitive." + variant, null, name, share, String.format(Locale.ROOT, "%d/%d repetitive (ratio > %s)",
                repetitive, samples.size(), REPETITIVE_ABOVE));
        atlas.value("vibe-check.repetition." + variant, null, name, meanRepetition, String.format(Locale.ROOT, "mean ratio %.3f",
                meanRepetition));
    }

    private static double tokensPerSecond(long tokens, long nanos) {
        return nanos == 0 ? 0 : tokens * 1e9 / nanos;
    }

    /** One line of the generations file: deterministic fields only. */
    private static String json(String model, String variant, Sample s) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("model", model);
        line.put("variant", variant);
        line.put("task", s.task().id());
        line.put("prompt", s.task().prompt());
        line.put("constraint", s.task().metadata().get(Constraint.METADATA_KEY));
        line.put("text", s.text());
        line.put("new_tokens", s.newTokens());
        line.put("stopped_at_eos", s.stopped());
        return ConfigValueFactory.fromMap(line).render(ConfigRenderOptions.concise());
    }

    private static void writeGenerations(StudyContext context, List<String> lines) {
        Path file = context.artefacts().resolve(GENERATIONS_FILE);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (String line : lines) {
                out.write(line);
                out.write('\n');
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, context.path() + ": cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
