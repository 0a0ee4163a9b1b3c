package io.interp4j.experiments.atlas.shift;

import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.ModelRef;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.atlas.lora.FamilyPrompts;
import io.interp4j.experiments.atlas.lora.TrainingArtefacts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON training shift (STUDY.md row 13): KL(trained ‖ base) in nats at the last position, over the
 * full vocabulary, per task family; the trained model is the base with the training step's final
 * adapter merged, a separate variant. Published: the first prompt of each family (one prompt each).
 * Corrected: every prompt of the family, its mean with a 95% bootstrap interval. The family with the
 * largest shift is the headline; a flag says when it is not the expected one ({@code json_schema}).
 *
 * <p>Forwards per model: the trained and the base model on each prompt measured (the first of each
 * family when only published runs, else all), one forward plan ({@link #plan}).
 */
final class JsonTrainingShift implements Experiment {
    private static final String DIMENSION = "JSON training shift";
    private static final String KEY = "json-training-shift";

    private final RowScope rows;
    private final TrainedModels trained;
    private final FamilyPrompts prompts;
    private final String expected;

    JsonTrainingShift(RowScope rows, TrainedModels trained, FamilyPrompts prompts, String expected) {
        this.rows = rows;
        this.trained = trained;
        this.prompts = prompts;
        this.expected = expected;
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        Set<Problem> problems = new LinkedHashSet<>(rows.validate(context));
        List<Problem> promptProblems = prompts.validate(context, 1, null);
        problems.addAll(promptProblems);
        if (promptProblems.isEmpty()) {
            Set<String> chosen = prompts.select(context, 1).keySet();
            if (!chosen.contains(expected)) {
                problems.add(new Problem(context.path() + ".expected-family", "family '" + expected + "' is not among the families measured "
                        + new TreeSet<>(chosen) + "; name one of them, or add it to families"));
            }
        }
        problems.addAll(trained.validate(context, rows.models(context)));
        return List.copyOf(problems);
    }

    /** Prompts per family: all when the corrected protocol runs, else the first. */
    private int perFamily() {
        return rows.runs(Protocol.CORRECTED) ? 0 : 1;
    }

    /**
     * The forwards of one model: for each prompt (families in order), the trained model then the base
     * model, each reading the last position's logits. {@link #run} indexes the readouts in this order.
     */
    private static ForwardPlan plan(String trainedKey, String baseKey, List<FamilyPrompts.Prompt> flat) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (FamilyPrompts.Prompt prompt : flat) {
            plan.add(ForwardRequest.clean(trainedKey, prompt.tokens()));
            plan.add(ForwardRequest.clean(baseKey, prompt.tokens()));
        }
        return plan.build();
    }

    private Map<String, List<FamilyPrompts.Prompt>> encode(StudyContext context, Tokenizer tokenizer, String name) {
        return prompts.encode(context, tokenizer, name, prompts.select(context, perFamily()), null);
    }

    private static List<FamilyPrompts.Prompt> flat(Map<String, List<FamilyPrompts.Prompt>> byFamily) {
        return byFamily.values().stream().flatMap(List::stream).toList();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : rows.models(context)) {
            // the adapter's folder exists only once the training step ran (a dry run has no artefacts): a stand-in path under the
            // step's id names the trained variant, which costs what its base model costs
            Path standIn = TrainingArtefacts.adapter(Path.of(trained.step()), name);
            plans.add(plan(new ModelRef(name, LoadOptions.withAdapter(standIn)).key(), ModelRef.of(name).key(),
                    flat(encode(context, context.tokenizer(name), name))));
        }
        return plans;
    }

    @Override
    public String describe() {
        return KEY + ": KL(trained ‖ base) at the last position per family of " + (prompts.families().all() ? "every family"
                : "families " + prompts.families().names()) + " of suite '" + prompts.suite() + "' (split " + prompts.split() + "), trained = "
                + trained.describe() + ", expected largest: " + expected + "; " + rows.describe();
    }

    /** One protocol's shift per family. */
    private record Shift(List<String> families, double[] kl, int[] prompts, AtlasRows.Sample[] samples) {
        int largest() {
            return Stats.argmax(kl);
        }

        int rank(String family) {
            int index = families.indexOf(family);
            int[] order = Stats.topK(kl, kl.length);
            for (int r = 0; r < order.length; r++) {
                if (order[r] == index) {
                    return r + 1;
                }
            }
            throw new IllegalStateException("no family " + family);
        }
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        List<List<Object>> familyRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        AtlasRows atlas = new AtlasRows(DIMENSION);
        for (String name : rows.models(context)) {
            Map<String, List<FamilyPrompts.Prompt>> byFamily = encode(context, FamilyPrompts.tokenizer(context, context.model(name), name),
                    name);
            String trainedKey = new ModelRef(name, LoadOptions.withAdapter(trained.adapter(context, name))).key();
            List<ForwardReadout> readouts = context.forwards(plan(trainedKey, ModelRef.of(name).key(), flat(byFamily)), progress);
            Map<String, double[]> kls = new LinkedHashMap<>();
            Map<String, List<String>> identities = new LinkedHashMap<>();
            int next = 0;
            for (Map.Entry<String, List<FamilyPrompts.Prompt>> family : byFamily.entrySet()) {
                List<FamilyPrompts.Prompt> list = family.getValue();
                double[] values = new double[list.size()];
                for (int p = 0; p < list.size(); p++) {
                    values[p] = compare.kl(readouts.get(next).lastLogits(), readouts.get(next + 1).lastLogits());
                    next += 2;
                    Task task = list.get(p).task();
                    promptRows.add(List.of(name, family.getKey(), task.id(), values[p]));
                }
                kls.put(family.getKey(), values);
                identities.put(family.getKey(), PromptSet.identities(list.stream().map(FamilyPrompts.Prompt::task).toList()));
            }
            Map<Protocol, Shift> shifts = new LinkedHashMap<>();
            for (Protocol protocol : rows.protocols()) {
                Shift shift = shift(context, name, protocol, kls, identities);
                shifts.put(protocol, shift);
                int[] order = Stats.topK(shift.kl(), shift.kl().length);
                int[] rank = new int[order.length];
                for (int r = 0; r < order.length; r++) {
                    rank[order[r]] = r + 1;
                }
                for (int f = 0; f < shift.families().size(); f++) {
                    double[] ci = shift.samples()[f] == null ? null : shift.samples()[f].interval();
                    familyRows.add(Arrays.asList(name, protocol.configName(), shift.families().get(f), shift.prompts()[f], shift.kl()[f],
                            ci == null ? null : ci[0], ci == null ? null : ci[1], rank[f], name + " · " + protocol.configName()));
                }
                headline(atlas, name, protocol, shift);
                summary.put("largest-family." + protocol.configName() + "." + name, shift.families().get(shift.largest()));
                summary.put("largest-kl." + protocol.configName() + "." + name, shift.kl()[shift.largest()]);
            }
            if (shifts.size() == 2) {
                Shift published = shifts.get(Protocol.PUBLISHED);
                Shift corrected = shifts.get(Protocol.CORRECTED);
                String p = published.families().get(published.largest());
                String c = corrected.families().get(corrected.largest());
                if (!p.equals(c)) {
                    atlas.disagreement(name, String.format(Locale.ROOT, "largest shift: published %s (%.4g nats, one prompt), corrected %s"
                            + " (%.4g nats, mean of %d prompts)", p, published.kl()[published.largest()], c, corrected.kl()[corrected.largest()],
                            corrected.prompts()[corrected.largest()]));
                }
            }
        }
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("shift", List.of("model", "protocol", "family", "prompts", "kl", "ci_low", "ci_high", "rank", "series"),
                familyRows));
        tables.add(new Table("shift-prompts", List.of("model", "family", "task", "kl"), promptRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("KL(trained ‖ base) at the last position, by family (nats)", ChartType.HEATMAP, "shift",
                "family", "series", "kl"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    private static Shift shift(StudyContext context, String model, Protocol protocol, Map<String, double[]> kls,
            Map<String, List<String>> identities) {
        List<String> families = List.copyOf(kls.keySet());
        double[] kl = new double[families.size()];
        int[] counts = new int[families.size()];
        AtlasRows.Sample[] samples = new AtlasRows.Sample[families.size()];
        for (int f = 0; f < families.size(); f++) {
            double[] values = kls.get(families.get(f));
            if (protocol == Protocol.PUBLISHED) {
                kl[f] = values[0];
                counts[f] = 1;
            } else {
                kl[f] = Stats.mean(values);
                counts[f] = values.length;
                samples[f] = AtlasRows.Sample.familyMean(identities.get(families.get(f)), new int[][] {IntStream.range(0, values.length)
                        .toArray()}, values, Stats.cellSeed(context.seed(), DIMENSION, model, families.get(f)));
            }
        }
        return new Shift(families, kl, counts, samples);
    }

    private void headline(AtlasRows atlas, String name, Protocol protocol, Shift shift) {
        int largest = shift.largest();
        String family = shift.families().get(largest);
        double value = shift.kl()[largest];
        atlas.value(KEY + ".largest-family", protocol, name, family, String.format(Locale.ROOT, "%s, %.2f", family, value));
        atlas.value(KEY + ".largest-kl", protocol, name, value, String.format(Locale.ROOT, "%.2f", value), shift.samples()[largest]);
        int rank = shift.rank(expected);
        double expectedKl = shift.kl()[shift.families().indexOf(expected)];
        atlas.value(KEY + ".expected-rank", protocol, name, rank, String.format(Locale.ROOT, "%s #%d of %d (%.2f)", expected, rank,
                shift.families().size(), expectedKl));
        if (!family.equals(expected)) {
            atlas.artefact(protocol, name, String.format(Locale.ROOT, "%s is not the largest shift: %s is (%.4g nats vs %.4g; %s ranks %d of %d)",
                    expected, family, value, expectedKl, expected, rank, shift.families().size()));
        }
    }
}
