package io.interp4j.experiments.atlas;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.common.StepSettings;
import io.interp4j.experiments.common.SuiteChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the per-layer atlas rows run on: the models and protocols of {@link RowScope}, and the prompts,
 * the tasks of one split of a study suite ({@code suite}, {@code split}), encoded per model with its
 * own tokenizer; in a family-mean row, also the subset of them its published protocol averages over
 * ({@link PublishedPrompts}).
 *
 * @param rows the models and protocols
 * @param suite the study suite
 * @param split the split, or {@code all}
 * @param published the tasks the published protocol averages over
 */
public record AtlasScope(RowScope rows, String suite, String split, PublishedPrompts published) {
    /**
     * The settings that choose a family-mean row's prompts, which may differ per model ({@code per-model}):
     * the seed's prompt sets differed by scale.
     */
    public static final Set<String> PROMPT_KEYS = Set.of("suite", "split", PublishedPrompts.FAMILIES, PublishedPrompts.PER_FAMILY);

    /** Checks the fields. */
    public AtlasScope {
        requireNonNull(rows, "rows is null");
        requireNonNull(suite, "suite is null");
        requireNonNull(split, "split is null");
        requireNonNull(published, "published is null");
    }

    /**
     * A scope whose published protocol runs on every task.
     *
     * @param rows the models and protocols
     * @param suite the study suite
     * @param split the split, or {@code all}
     */
    public AtlasScope(RowScope rows, String suite, String split) {
        this(rows, suite, split, PublishedPrompts.ALL);
    }

    /**
     * Reads {@code models}, {@code protocols}, {@code suite} and {@code split}.
     *
     * @param config the step's resolved settings
     * @param settings where problems are recorded
     * @return the scope, or null after recording a problem
     */
    public static AtlasScope read(Config config, StepSettings settings) {
        RowScope rows = RowScope.read(settings, config);
        String suite = settings.text("suite");
        String split = settings.text("split");
        return rows == null || suite == null || split == null ? null : new AtlasScope(rows, suite, split);
    }

    /**
     * Reads a family-mean row's scope: {@link #read} and the published protocol's prompts ({@link PublishedPrompts}).
     *
     * @param settings the step's settings (or one model's merged over them)
     * @return the scope, or null after recording a problem
     */
    public static AtlasScope readFamilyRow(StepSettings settings) {
        AtlasScope scope = read(settings.config(), settings);
        PublishedPrompts published = PublishedPrompts.read(settings);
        return scope == null || published == null ? null : new AtlasScope(scope.rows, scope.suite, scope.split, published);
    }

    /**
     * Reads a family-mean row's scope for the step and for each model under {@code per-model} ({@link #PROMPT_KEYS}).
     *
     * @param settings the step's settings
     * @return the scopes, or null after recording a problem
     */
    public static PerModel<AtlasScope> readPerModel(StepSettings settings) {
        return PerModel.read(settings, PROMPT_KEYS, AtlasScope::readFamilyRow);
    }

    /**
     * Checks the scopes of a row whose settings may differ per model: the step's, the model names under
     * {@code per-model}, and each run model's own scope, its problems named {@code per-model.<model>.<key>}.
     *
     * @param <S> the row's settings
     * @param recipes the row's settings per model
     * @param scope a settings object's scope
     * @param context the study
     * @return problems with full config paths
     */
    public static <S> List<Problem> validate(PerModel<S> recipes, Function<S, AtlasScope> scope, StudyContext context) {
        return validate(recipes, scope, context, AtlasScope::validate);
    }

    /**
     * {@link #validate(PerModel, Function, StudyContext)} with a row's own check of a scope in place of
     * {@link #validate(StudyContext)}, e.g. one that also needs paired tasks.
     *
     * @param <S> the row's settings
     * @param recipes the row's settings per model
     * @param scope a settings object's scope
     * @param context the study
     * @param check a scope's problems, named by the step's paths ({@code <step>.<key>}); rebased for a model's own scope
     * @return problems with full config paths
     */
    public static <S> List<Problem> validate(PerModel<S> recipes, Function<S, AtlasScope> scope, StudyContext context,
            java.util.function.BiFunction<AtlasScope, StudyContext, List<Problem>> check) {
        AtlasScope common = scope.apply(recipes.common());
        List<Problem> problems = new ArrayList<>(check.apply(common, context));
        if (!problems.isEmpty()) {
            return problems;
        }
        problems.addAll(recipes.validate(context));
        for (String model : common.models(context)) {
            S recipe = recipes.of(model);
            if (recipe != recipes.common()) {
                problems.addAll(Problem.rebased(check.apply(scope.apply(recipe), context), context.path(), recipes.path(context, model)));
            }
        }
        return problems;
    }

    /**
     * Returns whether a protocol runs.
     *
     * @param protocol the protocol
     * @return true when selected
     */
    public boolean runs(Protocol protocol) {
        return rows.runs(protocol);
    }

    /**
     * Returns the protocols, in the order written.
     *
     * @return the protocols
     */
    public List<Protocol> protocols() {
        return rows.protocols();
    }

    /**
     * Returns the selected models.
     *
     * @param context the study
     * @return the names
     */
    public List<String> models(StudyContext context) {
        return rows.models(context);
    }

    /**
     * Checks the names against the study; loads no model.
     *
     * @param context the study
     * @return problems with full config paths
     */
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(rows.validate(context));
        String root = context.path();
        Optional<Problem> unknown = SuiteChecks.unknownSuite(context, root + ".suite", suite);
        if (unknown.isPresent()) {
            problems.add(unknown.get());
        } else if (tasks(context).isEmpty()) {
            problems.add(SuiteChecks.emptySplit(context, root + ".split", suite, split));
        } else {
            problems.addAll(published.validate(context, tasks(context), suite, split));
        }
        return problems;
    }

    /**
     * Returns the tasks the row runs.
     *
     * @param context the study
     * @return the tasks of the split, in suite order
     */
    public List<Task> tasks(StudyContext context) {
        return context.suite(suite).split(split).tasks();
    }

    /**
     * Returns the task indices a protocol averages over, by family, from the tasks alone (no model
     * loaded): the corrected protocol every task, the published one its selection ({@link PublishedPrompts#select}).
     *
     * @param protocol the protocol
     * @param tasks the tasks the row runs, in suite order ({@link #tasks}, or a subset of them a row keeps)
     * @return {@code [family][member]}
     */
    public int[][] families(Protocol protocol, List<Task> tasks) {
        return protocol == Protocol.PUBLISHED ? published.select(tasks) : Stats.families(tasks.stream().map(Task::family).toList());
    }

    /**
     * Returns, per protocol, which tasks it averages over ({@link #families(Protocol, List)}).
     *
     * @param tasks the tasks the row runs, in suite order
     * @return the tasks per protocol, protocols as {@link #protocols()}
     */
    public ProtocolPrompts averaged(List<Task> tasks) {
        List<Protocol> protocols = protocols();
        boolean[][] out = new boolean[protocols.size()][tasks.size()];
        for (int p = 0; p < protocols.size(); p++) {
            for (int[] family : families(protocols.get(p), tasks)) {
                for (int t : family) {
                    out[p][t] = true;
                }
            }
        }
        return new ProtocolPrompts(out);
    }

    /**
     * Loads a model and encodes the tasks' clean prompts with its tokenizer.
     *
     * @param context the study
     * @param model the model's name
     * @return the prompts
     */
    public PromptSet prepare(StudyContext context, String model) {
        Model loaded = context.model(model);
        Tokenizer tokenizer = loaded.tokenizer().orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path()
                + ".models: model '" + model + "' (" + loaded.directory() + ") has no tokenizer.json; this step encodes the suite's"
                + " prompts as text, so its models need one"));
        List<Task> tasks = tasks(context);
        List<int[]> tokens = new ArrayList<>();
        for (Task task : tasks) {
            tokens.add(encode(context, tokenizer, task, task.prompt()));
        }
        return new PromptSet(model, loaded, tokenizer, tasks, tokens, published.select(tasks));
    }

    /**
     * Returns the token ids of the selected tasks' prompts for one model, from its tokenizer alone (no
     * weights), so that a row can build and count its forward plan before anything runs.
     *
     * @param context the study
     * @param model the model's name
     * @return one token array per task, in task order
     */
    public List<int[]> tokens(StudyContext context, String model) {
        Tokenizer tokenizer = context.tokenizer(model);
        List<int[]> tokens = new ArrayList<>();
        for (Task task : tasks(context)) {
            tokens.add(encode(context, tokenizer, task, task.prompt()));
        }
        return tokens;
    }

    /**
     * Encodes a prompt of a task as raw text.
     *
     * @param context the study
     * @param tokenizer the model's tokenizer
     * @param task the task
     * @param text the prompt's text (clean or corrupt)
     * @return the token ids, not empty
     */
    public int[] encode(StudyContext context, Tokenizer tokenizer, Task task, String text) {
        return PromptEncoding.encode(tokenizer, text, context.path(), "suite '" + suite + "' task '" + task.id() + "'");
    }

    /**
     * Describes the scope for a step's one-line description.
     *
     * @return e.g. {@code models all, protocols published, corrected, suite 'families' (split test)}
     */
    public String describe() {
        return rows.describe() + ", suite '" + suite + "' (split " + split + ")" + (published.all() ? "" : ", published on "
                + published.describe());
    }
}
