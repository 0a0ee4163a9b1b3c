package io.interp4j.experiments.atlas.lora;

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
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.api.train.TrainingResult;
import io.interp4j.experiments.atlas.AdapterTraining;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.RowScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.SuiteChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Trains one adapter per study model with the engine's {@link LoraTrainer} on the suite's training
 * family (prompt → target; by default the loss on the target's tokens only, per model the full text
 * and the padding too, as the seed's recipes had it) and writes, into the step's artefact folder,
 * {@code M/adapter/}, {@code M/checkpoint-<step>/} and {@code M/losses.json}.
 *
 * <p>Both protocols train the same adapter, once per model, with the model's recipe; the published rows
 * carry a flag saying what the recipe does with padding, which the published 1.5B run counted in its loss
 * (hence its 0.0098). Forward passes are counted as micro-batches (one forward and one backward each).
 */
final class LoraTraining implements Experiment, AdapterTraining {
    private static final String DIMENSION = "LoRA training";

    private final RowScope rows;
    private final String suite;
    private final String split;
    private final String family;
    private final PerModel<Recipe> recipes;

    LoraTraining(RowScope rows, String suite, String split, String family, PerModel<Recipe> recipes) {
        this.rows = rows;
        this.suite = suite;
        this.split = split;
        this.family = family;
        this.recipes = recipes;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        Set<Problem> problems = new LinkedHashSet<>();
        String root = context.path();
        problems.addAll(rows.validate(context));
        problems.addAll(recipes.validate(context));
        for (String model : rows.models(context)) {
            if (!context.modelNames().contains(model)) {
                continue;
            }
            if (!model.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                problems.add(new Problem(root + ".models", "model name '" + model + "' cannot name the folder of its adapter; allowed: letters, digits,"
                        + " '.', '_' and '-'"));
            }
            try {
                if (context.loraTrainer(model).isEmpty()) {
                    problems.add(new Problem(root + ".models", "model '" + model + "' runs on an engine that cannot train LoRA adapters; use the djl engine"));
                }
            } catch (Interp4jException e) {
                problems.add(new Problem(root + ".models", "model '" + model + "': " + e.getMessage()));
            }
        }
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
        } else if (tasks(context).isEmpty()) {
            Set<String> found = new TreeSet<>();
            context.suite(suite).split(split).tasks().forEach(t -> found.add(t.family()));
            problems.add(new Problem(root + ".family", "suite '" + suite + "' (split " + split + ") has no task of family '" + family
                    + "'; its families there: " + found));
        } else if (problems.isEmpty()) {
            // the examples each model trains on, encoded now: not after the steps before this one ran
            for (String model : rows.models(context)) {
                try {
                    examples(root, context.tokenizer(model), tasks(context));
                } catch (Interp4jException e) {
                    problems.addAll(e.problems().isEmpty() ? List.of(new Problem(root + ".models", "model '" + model + "': " + e.getMessage()))
                            : e.problems());
                }
            }
        }
        return List.copyOf(problems);
    }

    @Override
    public List<String> adaptedModels(StudyContext context) {
        return rows.models(context);
    }

    @Override
    public List<Integer> checkpoints(String model) {
        return recipes.of(model).checkpoints();
    }

    private List<Task> tasks(StudyContext context) {
        return context.suite(suite).split(split).tasks().stream().filter(t -> t.family().equals(family)).toList();
    }

    /** Per model, its recipe's training on the family's examples. */
    @Override
    public List<UnplannedWork> unplanned(StudyContext context) {
        List<Task> tasks = tasks(context);
        return rows.models(context).stream().<UnplannedWork>map(name -> new UnplannedWork.Training(name,
                examples(context.path(), context.tokenizer(name), tasks), recipes.of(name).options(context.seed()))).toList();
    }

    @Override
    public String describe() {
        return "lora-training: " + recipes.common().describe() + " on family '" + family + "' of suite '" + suite + "' (split " + split
                + ") for " + rows.describe() + (recipes.varies() ? ", with per-model settings" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Path root = context.artefacts();
        List<Task> tasks = tasks(context);
        List<List<Object>> curve = new ArrayList<>();
        List<List<Object>> summaryRows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        AtlasRows atlas = new AtlasRows(DIMENSION);
        for (String name : rows.models(context)) {
            Recipe recipe = recipes.of(name);
            TrainingOptions options = recipe.options(context.seed());
            Trained trained = train(context, progress, root, name, tasks, options);
            List<Double> losses = trained.result().losses();
            for (int i = 0; i < losses.size(); i++) {
                curve.add(List.of(name, i + 1, losses.get(i), options.learningRateAt(i)));
            }
            double last = losses.get(losses.size() - 1);
            double min = losses.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double tps = trained.result().tokensPerSecond();
            summaryRows.add(List.of(name, tasks.size(), options.steps(), last, min, trained.result().tokens(), trained.result().seconds(),
                    tps, String.join(", ", options.checkpointSteps().stream().map(String::valueOf).toList())));
            summary.put("final-loss." + name, last);
            summary.put("tokens-per-second." + name, tps);
            for (Protocol p : rows.protocols()) {
                atlas.value("lora-training.final-loss", p, name, last, String.format(Locale.ROOT, "loss %.4f", last));
                atlas.value("lora-training.tokens-per-second", p, name, tps, String.format(Locale.ROOT, "%.1f tok/s", tps));
                atlas.value("lora-training.recipe", p, name, recipe.describe(), recipe.describe());
            }
            if (rows.runs(Protocol.PUBLISHED)) {
                atlas.artefact(Protocol.PUBLISHED, name, paddingNote(recipe, trained.examples()));
            }
        }
        summary.put("examples", tasks.size());
        summary.put("recipe", recipes.common().describe());
        if (recipes.varies()) {
            rows.models(context).forEach(name -> summary.put("recipe." + name, recipes.of(name).describe()));
        }
        List<Table> tables = new ArrayList<>();
        tables.add(new Table("losses", List.of("model", "step", "loss", "learning_rate"), curve));
        tables.add(new Table("training", List.of("model", "examples", "steps", "final_loss", "min_loss", "tokens", "seconds",
                "tokens_per_second", "checkpoints"), summaryRows));
        tables.addAll(atlas.tables());
        List<Chart> charts = List.of(new Chart("LoRA training loss by step (" + recipes.common().describe()
                + (recipes.varies() ? ", with per-model settings" : "") + ")", ChartType.LINE, "losses", "step",
                "model", "loss"));
        return new StepResult(tables, charts, summary).withHeadline(atlas.headline());
    }

    private record Trained(TrainingResult result, List<TrainingExample> examples) {}

    /** The training examples of the tasks: each prompt and target encoded, neither empty. */
    private List<TrainingExample> examples(String path, Tokenizer tokenizer, List<Task> tasks) {
        List<TrainingExample> examples = new ArrayList<>();
        for (Task t : tasks) {
            int[] prompt = tokenizer.encode(t.prompt());
            int[] answer = tokenizer.encode(t.target());
            if (prompt.length == 0 || answer.length == 0) {
                throw new Interp4jException(List.of(new Problem(path + ".suite", "suite '" + suite + "' task '" + t.id()
                        + "': the " + (prompt.length == 0 ? "prompt" : "target") + " encodes to no tokens; a training example needs both")));
            }
            examples.add(new TrainingExample(prompt, answer));
        }
        return examples;
    }


    private Trained train(StudyContext context, Progress progress, Path root, String name, List<Task> tasks, TrainingOptions options) {
        String path = context.path();
        LoraTrainer trainer = context.loraTrainer(name).orElseThrow(() -> new Interp4jException(ErrorCode.UNSUPPORTED, path
                + ".models: model '" + name + "' runs on an engine that cannot train LoRA adapters"));
        Model base = context.model(name);
        Tokenizer tokenizer = FamilyPrompts.tokenizer(context, base, name);
        List<TrainingExample> examples = examples(path, tokenizer, tasks);
        Path folder = root.resolve(name);
        Path adapter = TrainingArtefacts.adapter(root, name);
        deleteTree(folder, path);
        TrainingResult result;
        try {
            result = trainer.train(base, examples, options, adapter, (step, loss, lr) -> progress.advance(options.gradientAccumulation()));
        } catch (Interp4jException e) {
            throw new Interp4jException(e.code(), path + ": training model '" + name + "': " + e.getMessage(), e);
        }
        try {
            // the trainer saves checkpoints inside the adapter's folder; the layout keeps them beside it
            for (int step : options.checkpointSteps()) {
                Files.move(adapter.resolve(TrainingArtefacts.CHECKPOINT_PREFIX + step), TrainingArtefacts.checkpoint(root, name, step),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(folder.resolve(TrainingArtefacts.LOSSES), lossesJson(name, examples.size(), options, result),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": cannot write the training artefacts of model '" + name + "' in "
                    + folder + ": " + e.getMessage(), e);
        }
        return new Trained(result, examples);
    }

    /** Removes what an earlier run of this step left for a model (the study normally hands over an empty folder). */
    private static void deleteTree(Path folder, String path) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, path + ": cannot clear " + folder + " before training: " + e.getMessage(), e);
        }
    }

    private String lossesJson(String name, int examples, TrainingOptions options, TrainingResult result) {
        Map<String, Object> recipeMap = new LinkedHashMap<>();
        recipeMap.put("rank", options.rank());
        recipeMap.put("alpha", options.alpha());
        recipeMap.put("dropout", options.dropout());
        recipeMap.put("target_modules", options.targetModules());
        recipeMap.put("learning_rate", options.learningRate());
        recipeMap.put("weight_decay", options.weightDecay());
        recipeMap.put("warmup_steps", options.warmupSteps());
        recipeMap.put("steps", options.steps());
        recipeMap.put("batch_size", options.batchSize());
        recipeMap.put("gradient_accumulation", options.gradientAccumulation());
        recipeMap.put("max_grad_norm", options.maxGradNorm());
        recipeMap.put("seed", options.seed());
        recipeMap.put("checkpoints", options.checkpointSteps());
        recipeMap.put("loss_tokens", options.loss().fullText() ? "full-text" : "answer");
        recipeMap.put("padding_in_loss", options.loss().padding());
        recipeMap.put("pad_to", options.loss().padTo() == 0 ? Recipe.LONGEST : options.loss().padTo());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", name);
        json.put("suite", suite);
        json.put("split", split);
        json.put("family", family);
        json.put("examples", examples);
        json.put("options", recipeMap);
        json.put("loss", result.losses().stream().map(l -> Double.isFinite(l) ? (Object) l : String.valueOf(l)).toList());
        json.put("tokens", result.tokens());
        json.put("seconds", result.seconds());
        json.put("tokens_per_second", result.tokensPerSecond());
        return ConfigValueFactory.fromMap(json).render(ConfigRenderOptions.concise().setJson(true).setFormatted(true)) + "\n";
    }

    /**
     * What this recipe does with padding, beside the published 1.5B run, which counted it in its loss: with
     * batch size 1 and no fixed padded length nothing is ever padded; with larger batches the shorter examples of
     * a micro-batch are right-padded; with {@code pad-to} every example is.
     */
    private static String paddingNote(Recipe recipe, List<TrainingExample> examples) {
        int shortest = examples.stream().mapToInt(e -> e.tokens().length).min().orElseThrow();
        int longest = examples.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        int padTo = recipe.loss().padTo();
        boolean padded = padTo > 0 ? shortest < padTo : recipe.batchSize() > 1 && shortest < longest;
        String seed = "the published 1.5B run (batch 1 × accum 2, 150 steps) counted padding tokens in its loss, hence its 0.0098";
        String what = recipe.loss().padding()
                ? seed + "; this recipe counts them too (padding-in-loss = true: the last token and every pad position predict the"
                        + " end-of-sequence token the batch is padded with)"
                : seed + "; this recipe does not (padding-in-loss = false), so the published protocol trains the same adapter as the"
                        + " corrected one";
        if (!padded) {
            return what + ". Here no example is ever padded (batch size " + recipe.batchSize() + ", examples of " + shortest + ".."
                    + longest + " tokens" + (padTo > 0 ? ", padded length " + padTo : "") + "): the loss is comparable to the"
                    + " published 0.5B figure, not to the 1.5B one" + (recipe.loss().padding() ? " (STUDY.md does not record the padded"
                    + " length the seed's batches of 1 had; set pad-to to give it one)" : "");
        }
        String how = padTo > 0 ? "every example of " + shortest + ".." + longest + " tokens is right-padded to " + padTo + " tokens"
                : "batches of " + recipe.batchSize() + " examples of " + shortest + ".." + longest + " tokens are right-padded by up to "
                        + (longest - shortest) + " tokens";
        return what + ". Here " + how + (recipe.loss().padding() ? ", and the loss counts those positions"
                : ", which the published 1.5B loss would have counted and this one does not");
    }
}
