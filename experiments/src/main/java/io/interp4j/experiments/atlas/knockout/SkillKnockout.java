package io.interp4j.experiments.atlas.knockout;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Chart;
import io.interp4j.api.experiment.StepResult.ChartType;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plan.Readout;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.TrainedModels;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.SuiteChecks;
import io.interp4j.experiments.common.TargetChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

/**
 * STUDY.md row 6, skill knockout selectivity, on the LoRA-trained model. The vector is the mean
 * last-token {@code resid_post} of block L over the suite's {@code positive} prompts minus that over its
 * {@code negative} prompts; {@code s·v} is added at the last position of each {@code skill} and {@code
 * non-skill} prompt in one forward, and a prompt's drop at s is {@code p(s = 0) − p(s)} of its target's
 * first token (s = 0 is the plain forward). At the read scale:
 *
 * <ul>
 *   <li>published: {@code mean skill drop / max(mean non-skill drop, floor)} (formula {@code signed},
 *       the 0.5B code: a negative non-skill drop makes this the skill drop × 1/floor) or {@code
 *       mean skill drop / max(|mean non-skill drop|, floor)} (formula {@code abs}, the 1.5B code);
 *   <li>corrected: {@code mean skill drop / max(mean |non-skill drop|, floor)} over prompts (signed skill
 *       drops: raising the skill targets is not knocking them out), with a 95% bootstrap interval (prompts
 *       resampled within skill and within non-skill), and the same selectivity for random vectors of the
 *       same norm as the control, flagged when a control is as selective as the vector, and tested: the one-sided
 *       bootstrap test of "the vector is no more selective than its controls" on vector − control mean ({@link
 *       VersusControls}), a row of the study's Holm-adjusted test table.
 * </ul>
 */
final class SkillKnockout implements Experiment {
    static final String DIMENSION = "Skill knockout selectivity";
    static final String POSITIVE = "positive";
    static final String NEGATIVE = "negative";
    static final String SKILL = "skill";
    static final String NON_SKILL = "non-skill";
    private static final List<String> FAMILIES = List.of(POSITIVE, NEGATIVE, SKILL, NON_SKILL);

    /** The published selectivity formulas. */
    enum Formula {
        /** {@code mean skill drop / max(mean non-skill drop, floor)} (0.5B). */
        SIGNED,
        /** {@code mean skill drop / max(|mean non-skill drop|, floor)} (1.5B). */
        ABS;

        static Formula parse(String text) {
            return switch (text) {
                case "signed" -> SIGNED;
                case "abs" -> ABS;
                default -> null;
            };
        }

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The settings that may differ per model.
     *
     * @param layer the block, or null for the model's middle block
     * @param formula the published selectivity formula
     */
    record Recipe(Integer layer, Formula formula) {}

    private final RowScope scope;
    private final TrainedModels trained;
    private final String suite;
    private final String split;
    private final PerModel<Recipe> recipes;
    private final List<Double> scales;
    private final double readScale;
    private final double floor;
    private final int randomVectors;
    /** Encodes the suite's prompts (its error messages name the suite and task). */
    private final AtlasScope prompts;

    SkillKnockout(RowScope scope, TrainedModels trained, String suite, String split, PerModel<Recipe> recipes, List<Double> scales,
            double readScale, double floor, int randomVectors) {
        this.scope = scope;
        this.trained = trained;
        this.suite = suite;
        this.split = split;
        this.recipes = recipes;
        this.scales = scales;
        this.readScale = readScale;
        this.floor = floor;
        this.randomVectors = randomVectors;
        this.prompts = new AtlasScope(scope, suite, split);
    }

    @Override
    public List<String> dependsOn() {
        return trained.dependsOn();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(scope.validate(context));
        String root = context.path();
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
        } else {
            Map<String, List<Task>> families = families(context);
            List<String> missing = FAMILIES.stream().filter(f -> families.get(f).isEmpty()).toList();
            if (!missing.isEmpty()) {
                problems.add(new Problem(root + ".suite", "suite '" + suite + "' (split " + split + ") has no task of families " + missing
                        + "; this row needs families " + FAMILIES + " (the vector's positive and negative prompts, the skill and"
                        + " non-skill readouts); its families there: "
                        + new TreeSet<>(context.suite(suite).split(split).byFamily().keySet())));
            }
        }
        List<String> models = scope.models(context);
        problems.addAll(recipes.validate(context));
        for (String model : models) {
            Integer layer = recipes.of(model).layer();
            if (layer != null && context.modelNames().contains(model) && layer >= context.modelConfig(model).numLayers()) {
                problems.add(new Problem(recipes.path(context, model) + ".layer", "layer " + layer + " is out of range; model '" + model + "' has layers 0.."
                        + (context.modelConfig(model).numLayers() - 1)));
            }
        }
        problems.addAll(trained.validate(context, models));
        if (problems.isEmpty()) {
            // the skill and non-skill readouts' targets, by their first token: found now, not after the vectors were measured
            Map<String, List<Task>> families = families(context);
            List<Task> readouts = new ArrayList<>(families.get(SKILL));
            readouts.addAll(families.get(NON_SKILL));
            for (String model : models) {
                TargetChecks.check(root + ".suite", context, model, readouts, TargetToken.Rule.FIRST_TOKEN).ifPresent(problems::add);
            }
        }
        return problems;
    }

    /** The tasks of each family this row reads, in suite order (empty lists for missing families). */
    private Map<String, List<Task>> families(StudyContext context) {
        Map<String, List<Task>> out = new LinkedHashMap<>();
        FAMILIES.forEach(f -> out.put(f, new ArrayList<>()));
        for (Task task : context.suite(suite).split(split).tasks()) {
            List<Task> list = out.get(task.family());
            if (list != null) {
                list.add(task);
            }
        }
        return out;
    }

    /** The block whose output the vector is read at and added to. */
    private int block(StudyContext context, String model) {
        Integer layer = recipes.of(model).layer();
        return layer != null ? layer : context.modelConfig(model).numLayers() / 2;
    }

    /** The prompts of a family, encoded with the model's tokenizer. */
    private List<int[]> encode(StudyContext context, Tokenizer tokenizer, List<Task> tasks) {
        return tasks.stream().map(task -> prompts.encode(context, tokenizer, task, task.prompt())).toList();
    }

    /** Stage 1: the positive prompts, then the negative ones, each reading the block's output at its last token. */
    private static ForwardPlan vectorPlan(String model, List<int[]> positives, List<int[]> negatives, HookPoint point) {
        Readout readout = Readout.activation(point, Positions.LAST);
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (List<int[]> set : List.of(positives, negatives)) {
            for (int[] prompt : set) {
                plan.add(new ForwardRequest(model, prompt, List.of(), readout));
            }
        }
        return plan.build();
    }

    /**
     * The random control directions of the corrected protocol, scaled to the vector's norm: drawn in
     * order from one generator seeded per model, so the k-th control is the same whatever else runs.
     */
    private List<TensorData> controls(long seed, int width, double norm) {
        if (!scope.runs(Protocol.CORRECTED)) {
            return List.of();
        }
        Random random = new Random(seed);
        List<TensorData> out = new ArrayList<>();
        for (int k = 0; k < randomVectors; k++) {
            out.add(randomLike(random, width, norm));
        }
        return out;
    }

    /**
     * Stage 2: every readout prompt at every scale (s = 0 unsteered), prompts outer; then each control
     * at the read scale on every prompt. Each reads the last position's logits.
     */
    private ForwardPlan knockoutPlan(String model, List<int[]> readouts, int block, TensorData vector, List<TensorData> controls,
            double norm) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : readouts) {
            for (double scale : scales) {
                List<Intervention> add = scale == 0 ? List.of()
                        : List.of(Intervention.add(Site.layerOutput(block), Positions.LAST, scale, vector,
                                "mean positive − mean negative"));
                plan.add(ForwardRequest.intervened(model, prompt, add));
            }
        }
        for (int k = 0; k < controls.size(); k++) {
            List<Intervention> add = List.of(Intervention.add(Site.layerOutput(block), Positions.LAST, readScale, controls.get(k),
                    "random direction " + (k + 1) + " of norm " + fmt(norm)));
            for (int[] prompt : readouts) {
                plan.add(ForwardRequest.intervened(model, prompt, add));
            }
        }
        return plan.build();
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        Map<String, List<Task>> families = families(context);
        List<Task> readouts = new ArrayList<>(families.get(SKILL));
        readouts.addAll(families.get(NON_SKILL));
        List<ForwardPlan> plans = new ArrayList<>();
        for (String name : scope.models(context)) {
            // stage 2 is built with a zero vector and zero controls in place of stage 1's: its size and schedule depend on
            // the prompts, scales and control count alone
            String model = trained.plannedKey(name);
            Tokenizer tokenizer = context.tokenizer(name);
            int block = block(context, name);
            plans.add(vectorPlan(model, encode(context, tokenizer, families.get(POSITIVE)),
                    encode(context, tokenizer, families.get(NEGATIVE)), HookPoint.block(block, HookSite.RESID_POST)));
            int width = context.modelConfig(name).hiddenSize();
            plans.add(knockoutPlan(model, encode(context, tokenizer, readouts), block, TensorData.vector(new float[width]),
                    controls(0, width, 0), 0));
        }
        return plans;
    }

    @Override
    public String describe() {
        Recipe recipe = recipes.common();
        return "atlas skill knockout: " + trained.describe() + ", vector at " + (recipe.layer() == null ? "the middle block" : "block "
                + recipe.layer()) + " from suite '" + suite + "' (split " + split + "), scales " + scales + ", read at " + readScale
                + ", published formula " + recipe.formula().configName() + ", " + randomVectors + " random control vector(s); "
                + scope.describe() + (recipes.varies() ? ", with per-model settings" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Map<String, List<Task>> families = families(context);
        List<Task> readouts = new ArrayList<>(families.get(SKILL));
        readouts.addAll(families.get(NON_SKILL));
        int skills = families.get(SKILL).size();
        int[][] groups = {range(0, skills), range(skills, readouts.size())};
        int read = scales.indexOf(readScale);
        int zero = scales.indexOf(0.0);

        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> vectorRows = new ArrayList<>();
        List<List<Object>> promptRows = new ArrayList<>();
        List<List<Object>> curveRows = new ArrayList<>();
        List<List<Object>> selectivityRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long forwards = 0;
        for (String name : scope.models(context)) {
            String model = trained.key(context, name);
            Tokenizer tokenizer = context.tokenizer(name);
            int vocab = context.modelConfig(name).vocabSize();
            int block = block(context, name);
            HookPoint point = HookPoint.block(block, HookSite.RESID_POST);

            List<Task> positives = families.get(POSITIVE);
            ForwardPlan sentences = vectorPlan(model, encode(context, tokenizer, positives), encode(context, tokenizer,
                    families.get(NEGATIVE)), point);
            List<ForwardReadout> rows = context.forwards(sentences, progress);
            forwards += sentences.size();
            double[] positive = meanLastRow(rows.subList(0, positives.size()), point);
            double[] negative = meanLastRow(rows.subList(positives.size(), rows.size()), point);
            float[] direction = new float[positive.length];
            for (int i = 0; i < direction.length; i++) {
                direction[i] = (float) (positive[i] - negative[i]);
            }
            TensorData vector = TensorData.vector(direction);
            double norm = vector.norm();
            vectorRows.add(Arrays.asList(name, block, norm, families.get(POSITIVE).size(), families.get(NEGATIVE).size()));

            int[] targets = new int[readouts.size()];
            for (int t = 0; t < readouts.size(); t++) {
                targets[t] = target(context, readouts.get(t), tokenizer, vocab);
            }
            long seed = context.seed() * 31 + name.hashCode();
            List<TensorData> controls = controls(seed, direction.length, norm);
            ForwardPlan knockout = knockoutPlan(model, encode(context, tokenizer, readouts), block, vector, controls, norm);
            List<ForwardReadout> logits = context.forwards(knockout, progress);
            forwards += knockout.size();
            int next = 0;
            // p[t][s]: the target's probability at scale s
            double[][] p = new double[readouts.size()][scales.size()];
            for (int t = 0; t < readouts.size(); t++) {
                for (int s = 0; s < scales.size(); s++) {
                    p[t][s] = probability(logits.get(next++).lastLogits(), targets[t]);
                }
            }
            double[][] drop = new double[readouts.size()][scales.size()];
            for (int t = 0; t < readouts.size(); t++) {
                for (int s = 0; s < scales.size(); s++) {
                    drop[t][s] = p[t][zero] - p[t][s];
                    promptRows.add(Arrays.asList(name, readouts.get(t).id(), t < skills ? SKILL : NON_SKILL, targets[t], scales.get(s),
                            p[t][s], drop[t][s]));
                }
            }
            for (int s = 0; s < scales.size(); s++) {
                int column = s;
                curveRows.add(Arrays.asList(name, scales.get(s), name + " " + SKILL, mean(groups[0], t -> drop[t][column])));
                curveRows.add(Arrays.asList(name, scales.get(s), name + " " + NON_SKILL, mean(groups[1], t -> drop[t][column])));
            }
            double[] readDrops = new double[readouts.size()];
            for (int t = 0; t < readDrops.length; t++) {
                readDrops[t] = drop[t][read];
            }
            String at = "L" + block;

            double publishedSelectivity = Double.NaN;
            if (scope.runs(Protocol.PUBLISHED)) {
                Formula formula = recipes.of(name).formula();
                double skill = mean(groups[0], t -> readDrops[t]);
                double nonSkill = mean(groups[1], t -> readDrops[t]);
                double raw = formula == Formula.SIGNED ? nonSkill : Math.abs(nonSkill);
                double denominator = Math.max(raw, floor);
                double selectivity = skill / denominator;
                publishedSelectivity = selectivity;
                boolean floorHit = raw < floor;
                selectivityRows.add(Arrays.asList(name, Protocol.PUBLISHED.configName(), "mean-difference", norm, formula.configName(),
                        skill, nonSkill, denominator, selectivity, floorHit));
                atlas.value("skill-knockout.selectivity", Protocol.PUBLISHED, name, selectivity, at + ", " + fmt(selectivity)
                        + (floorHit ? " (floor)" : ""));
                atlas.value("skill-knockout.skill-drop", Protocol.PUBLISHED, name, skill, fmt(skill));
                atlas.value("skill-knockout.non-skill-drop", Protocol.PUBLISHED, name, nonSkill, fmt(nonSkill));
                if (floorHit) {
                    atlas.artefact(Protocol.PUBLISHED, name, "selectivity " + fmt(selectivity) + " is the mean skill drop " + fmt(skill)
                            + " " + times(floor) + ": the " + (formula == Formula.SIGNED ? "" : "absolute ") + "mean non-skill drop is "
                            + fmt(raw) + ", below the floor " + floor + ", so the denominator is the floor (formula "
                            + formula.configName() + ", read at s = " + readScale + ")");
                }
            }
            if (scope.runs(Protocol.CORRECTED)) {
                // signed skill drops (a vector that raises the skill prompts has not knocked them out), absolute non-skill
                // drops (collateral damage either way)
                Selectivity real = Selectivity.corrected(readDrops, groups, floor);
                List<String> identities = PromptSet.identities(readouts);
                AtlasRows.Sample sample = new AtlasRows.Sample(identities, groups, drawn -> Selectivity.corrected(readDrops, drawn,
                        floor).value(), Stats.cellSeed(context.seed(), DIMENSION, name, "selectivity"));
                Stats.Distribution distribution = Stats.bootstrapDistribution(groups, sample.statistic(), sample.seed());
                double[] ci = distribution.interval();
                double[] absolute = Arrays.stream(readDrops).map(Math::abs).toArray();
                AtlasRows.Sample skillSample = AtlasRows.Sample.familyMean(identities, new int[][] {groups[0]}, readDrops,
                        Stats.cellSeed(context.seed(), DIMENSION, name, "skill-drop"));
                AtlasRows.Sample nonSkillSample = AtlasRows.Sample.familyMean(identities, new int[][] {groups[1]}, absolute,
                        Stats.cellSeed(context.seed(), DIMENSION, name, "non-skill-drop"));
                selectivityRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "mean-difference", norm, CORRECTED_FORMULA,
                        real.skill(), real.nonSkill(), real.denominator(), real.value(), real.floorHit()));
                atlas.value("skill-knockout.selectivity", Protocol.CORRECTED, name, real.value(), at + ", " + fmt(real.value())
                        + (real.floorHit() ? " (floor)" : ""), ci, sample);
                atlas.value("skill-knockout.skill-drop", Protocol.CORRECTED, name, real.skill(), fmt(real.skill()), skillSample);
                atlas.value("skill-knockout.non-skill-drop", Protocol.CORRECTED, name, real.nonSkill(), fmt(real.nonSkill()),
                        nonSkillSample);
                if (real.floorHit()) {
                    atlas.artefact(Protocol.CORRECTED, name, "selectivity " + fmt(real.value()) + " is the mean skill drop "
                            + fmt(real.skill()) + " " + times(floor) + ": the mean |non-skill drop| " + fmt(real.nonSkill())
                            + " is below the floor " + floor);
                }
                if (real.skill() <= 0) {
                    atlas.artefact(Protocol.CORRECTED, name, "the vector does not knock the skill out at s = " + readScale + ": the mean"
                            + " skill drop is " + fmt(real.skill()) + " (the skill prompts' targets became more likely, or did not move)");
                }
                if (scope.runs(Protocol.PUBLISHED)) {
                    atlas.test("skill-knockout.selectivity", name, publishedSelectivity, real.value(), distribution, "selectivity at "
                            + at + ": published (" + recipes.of(name).formula().configName() + ") " + fmt(publishedSelectivity)
                            + ", corrected " + fmt(real.value()) + " [" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]");
                }
                if (randomVectors > 0) {
                    double[] controlValues = new double[randomVectors];
                    double[][] controlDrops = new double[randomVectors][readouts.size()];
                    double controlMax = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < randomVectors; k++) {
                        for (int t = 0; t < readouts.size(); t++) {
                            double pc = probability(logits.get(next++).lastLogits(), targets[t]);
                            controlDrops[k][t] = p[t][zero] - pc;
                        }
                        Selectivity s = Selectivity.corrected(controlDrops[k], groups, floor);
                        controlValues[k] = s.value();
                        controlMax = Math.max(controlMax, s.value());
                        selectivityRows.add(Arrays.asList(name, Protocol.CORRECTED.configName(), "random-" + (k + 1),
                                controls.get(k).norm(), CORRECTED_FORMULA, s.skill(), s.nonSkill(), s.denominator(), s.value(),
                                s.floorHit()));
                    }
                    double controlMean = Stats.mean(controlValues);
                    atlas.value("skill-knockout.control-selectivity", Protocol.CORRECTED, name, controlMean, at + ", " + fmt(controlMean)
                            + " (" + randomVectors + " random)");
                    if (controlMax >= real.value()) {
                        atlas.artefact(Protocol.CORRECTED, name, "the knockout is not direction-specific: a random vector of the"
                                + " same norm (" + fmt(norm) + ") at s = " + readScale + " is as selective or more (selectivity up to "
                                + fmt(controlMax) + ") as the mean-difference vector (" + fmt(real.value()) + ")");
                    }
                    // the control as a test: vector − control mean, prompts and controls resampled
                    double difference = VersusControls.difference(readDrops, controlDrops, groups, floor);
                    Stats.Distribution versus = VersusControls.distribution(readDrops, controlDrops, groups, floor,
                            Stats.cellSeed(context.seed(), DIMENSION, name, "versus-controls"));
                    double[] versusCi = versus.interval();
                    atlas.controlTest("skill-knockout.selectivity", name, difference, versus, "selectivity at " + at + ": the vector "
                            + fmt(real.value()) + ", its " + randomVectors + " random control(s) of the same norm " + fmt(controlMean)
                            + " on average; vector − control " + fmt(difference) + " [" + fmt(versusCi[0]) + ", " + fmt(versusCi[1])
                            + "] (prompts and controls resampled)");
                }
            }
            summary.put("layer." + name, block);
            summary.put("published-formula." + name, recipes.of(name).formula().configName());
        }
        summary.put("models", scope.models(context).size());
        summary.put("forward-passes", forwards);
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("knockout-vector", List.of("model", "layer", "norm", "positives", "negatives"), vectorRows));
        tables.add(new Table("knockout-prompts", List.of("model", "task", "set", "target_token", "scale", "p", "drop"), promptRows));
        tables.add(new Table("knockout-curve", List.of("model", "scale", "series", "mean_drop"), curveRows));
        tables.add(new Table("knockout-selectivity", List.of("model", "protocol", "vector", "vector_norm", "formula", "skill_drop",
                "non_skill_drop", "denominator", "selectivity", "floor_hit"), selectivityRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("skill knockout: mean target-probability drop by scale", ChartType.LINE, "knockout-curve",
                "scale", "series", "mean_drop"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    /** The corrected formula's name in the selectivity table. */
    private static final String CORRECTED_FORMULA = "signed-skill-abs-non-skill";

    /** The corrected selectivity: mean signed skill drop / max(mean |non-skill drop|, floor), over prompts. */
    record Selectivity(double skill, double nonSkill, double denominator, double value, boolean floorHit) {
        static Selectivity corrected(double[] drops, int[][] groups, double floor) {
            double skill = mean(groups[0], t -> drops[t]);
            double nonSkill = mean(groups[1], t -> Math.abs(drops[t]));
            double denominator = Math.max(nonSkill, floor);
            return new Selectivity(skill, nonSkill, denominator, skill / denominator, nonSkill < floor);
        }
    }

    /** The mean over forwards of a point's last-token row, summed in double. */
    private static double[] meanLastRow(List<ForwardReadout> rows, HookPoint point) {
        double[] sum = null;
        for (ForwardReadout readout : rows) {
            float[] row = readout.get(point).data();
            if (sum == null) {
                sum = new double[row.length];
            }
            for (int i = 0; i < row.length; i++) {
                sum[i] += row[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= rows.size();
        }
        return sum;
    }

    private int target(StudyContext context, Task task, Tokenizer tokenizer, int vocab) {
        int id;
        try {
            id = TargetToken.resolve(task.target(), TargetToken.Rule.FIRST_TOKEN, tokenizer);
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), new Problem(context.path(), "suite '" + suite + "' task '" + task.id() + "': "
                    + e.getMessage()), e);
        }
        if (id < 0 || id >= vocab) {
            throw new Interp4jException(List.of(new Problem(context.path(), "suite '" + suite + "' task '" + task.id()
                    + "': target token " + id + " is outside the vocabulary 0.." + (vocab - 1))));
        }
        return id;
    }

    private static double probability(float[] logits, int token) {
        return Math.exp(Stats.logProbability(logits, token));
    }

    /** A Gaussian direction scaled to the given norm. */
    private static TensorData randomLike(Random random, int width, double norm) {
        double[] values = new double[width];
        double sum = 0;
        for (int i = 0; i < width; i++) {
            values[i] = random.nextGaussian();
            sum += values[i] * values[i];
        }
        double scale = norm / Math.sqrt(sum);
        float[] out = new float[width];
        for (int i = 0; i < width; i++) {
            out[i] = (float) (values[i] * scale);
        }
        return TensorData.vector(out);
    }

    private static double mean(int[] indices, java.util.function.IntToDoubleFunction value) {
        double sum = 0;
        for (int i : indices) {
            sum += value.applyAsDouble(i);
        }
        return sum / indices.length;
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    /** "× 10^6" for a floor of 1e-6, else "× (1 / floor)". */
    private static String times(double floor) {
        double exponent = Math.rint(-Math.log10(floor));
        return Math.abs(Math.pow(10, -exponent) - floor) <= 1e-9 * floor ? "× 10^" + (long) exponent : "× (1 / " + floor + ")";
    }

    static String fmt(double value) {
        if (!Double.isFinite(value)) {
            return String.valueOf(value);
        }
        return Math.abs(value) >= 1000 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.4g", value);
    }
}
