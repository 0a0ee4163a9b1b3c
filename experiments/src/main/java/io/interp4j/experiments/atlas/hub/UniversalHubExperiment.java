package io.interp4j.experiments.atlas.hub;

import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
import io.interp4j.experiments.atlas.layerwise.Contributions;
import io.interp4j.experiments.atlas.layerwise.Display;
import io.interp4j.experiments.atlas.layerwise.LayerProfile;
import io.interp4j.experiments.atlas.layerwise.LayerSweep;
import io.interp4j.experiments.atlas.layerwise.ProfileTables;
import io.interp4j.experiments.atlas.PromptSet;
import io.interp4j.experiments.common.TargetChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The universal hub row. Per model, three forward plans over every prompt (raw): the clean forwards
 * (which also read every block's contribution, for the mean) and, with the corrected protocol, one
 * forward per prompt reading its resample source's contributions; then per method one ablated forward
 * per (layer, prompt); then per protocol two forwards per prompt for the router at its hub. KL(clean ‖
 * ablated) at the last position, family means, then their mean; the hub is the argmax layer.
 *
 * <ul>
 *   <li>published: {@code blocks.L.hook_resid_post} zeroed at every position. The ablated last-position
 *       logits are compared across prompts: where they no longer depend on the prompt (max |Δ logit| ≤
 *       {@code cascade-tolerance}), the "cascade zero" artefact is flagged.
 *   <li>corrected: {@code blocks.L.contribution} (attn_out + mlp_out) zeroed; replaced by its mean over
 *       every position of every prompt of the step; replaced by the contribution computed on another
 *       prompt (resample: the task's corrupt prompt, else the next task's clean prompt, wrapping; all
 *       positions when both prompts are equally long, else the last min(lengths) positions aligned from
 *       the end). Stratified-bootstrap 95% intervals, Spearman rank agreement between the profiles.
 *   <li>router: the target's first-token log-prob drop (clean − ablated, at the last position) when a
 *       single position (the first, then the last) is zeroed at the hub: the residual stream (published)
 *       or the contribution (corrected).
 * </ul>
 */
final class UniversalHubExperiment implements Experiment {
    static final String DIMENSION = "Universal hub layer";

    /** The ablations compared. */
    enum Method {
        LAYER_OUTPUT_ZERO("layer-output-zero", Protocol.PUBLISHED),
        CONTRIBUTION_ZERO("contribution-zero", Protocol.CORRECTED),
        CONTRIBUTION_MEAN("contribution-mean", Protocol.CORRECTED),
        CONTRIBUTION_RESAMPLE("contribution-resample", Protocol.CORRECTED);

        final String id;
        final Protocol protocol;

        Method(String id, Protocol protocol) {
            this.id = id;
            this.protocol = protocol;
        }
    }

    private static final List<String> POSITIONS = List.of("first", "last");

    private final PerModel<AtlasScope> scopes;
    private final AtlasScope scope;
    private final TargetToken.Rule rule;
    private final double tolerance;

    UniversalHubExperiment(PerModel<AtlasScope> scopes, TargetToken.Rule rule, double tolerance) {
        this.scopes = scopes;
        this.scope = scopes.common();
        this.rule = rule;
        this.tolerance = tolerance;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        List<Problem> problems = new ArrayList<>(AtlasScope.validate(scopes, s -> s, context));
        if (problems.isEmpty()) {
            // the router reads each prompt's target: found now, not after the sweeps ran
            for (String model : scope.models(context)) {
                TargetChecks.check(context.path() + ".target-rule", context, model, scopes.of(model).tasks(context), rule)
                        .ifPresent(problems::add);
            }
        }
        return problems;
    }

    /** A resample source: the prompt whose contributions replace a prompt's, and what it is, for reports. */
    private record Source(int[] tokens, String text) {}

    /** Each prompt's resample source: its task's corrupt prompt, else the next task's clean prompt, wrapping. */
    private static List<Source> sources(StudyContext context, AtlasScope scope, Tokenizer tokenizer, List<Task> tasks,
            List<int[]> prompts) {
        List<Source> sources = new ArrayList<>();
        for (int p = 0; p < tasks.size(); p++) {
            Task task = tasks.get(p);
            if (task.corruptPrompt().isPresent()) {
                sources.add(new Source(scope.encode(context, tokenizer, task, task.corruptPrompt().get()),
                        "the corrupt prompt of task '" + task.id() + "'"));
            } else {
                int next = (p + 1) % prompts.size();
                sources.add(new Source(prompts.get(next), "the clean prompt of task '" + tasks.get(next).id() + "'"));
            }
        }
        return sources;
    }

    /**
     * Stage 1: every prompt clean (request p is prompt p), reading every block's contribution with the
     * corrected protocol; then each prompt's resample source (request n + p), reading its contributions.
     * Without the corrected protocol {@code sources} is empty.
     */
    private static ForwardPlan cleanPlan(String model, int layers, List<int[]> prompts, List<Source> sources) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : prompts) {
            plan.add(sources.isEmpty() ? ForwardRequest.clean(model, prompt)
                    : ForwardRequest.clean(model, prompt).reading(Contributions.readout(layers)));
        }
        for (Source source : sources) {
            plan.add(ForwardRequest.clean(model, source.tokens()).reading(Contributions.readout(layers)));
        }
        return plan.build();
    }

    /** Stage 2: one sweep per method run, in {@link Method} order. */
    private record Sweeps(ForwardPlan plan, Map<Method, LayerSweep> byMethod) {}

    /**
     * Stage 2, built from stage 1's values: the published sweep (layer output zeroed), then the
     * corrected sweeps: contribution zeroed, replaced by its mean ({@code mean [layer][d_model]} over
     * {@code positions} positions), replaced by the resample source's ({@code contributions}, one per
     * prompt, from {@code sources}).
     */
    private Sweeps sweepPlan(String model, int layers, List<int[]> prompts, float[][] mean, long positions,
            List<Contributions> contributions, List<Source> sources) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        Map<Method, LayerSweep> byMethod = new EnumMap<>(Method.class);
        if (scope.runs(Protocol.PUBLISHED)) {
            byMethod.put(Method.LAYER_OUTPUT_ZERO, LayerSweep.add(plan, model, prompts, layers,
                    (layer, p) -> List.of(Intervention.zero(Site.layerOutput(layer), Positions.ALL))));
        }
        if (scope.runs(Protocol.CORRECTED)) {
            byMethod.put(Method.CONTRIBUTION_ZERO, LayerSweep.add(plan, model, prompts, layers,
                    (layer, p) -> List.of(Intervention.zero(new Site.Contribution(layer), Positions.ALL))));
            byMethod.put(Method.CONTRIBUTION_MEAN, LayerSweep.add(plan, model, prompts, layers,
                    (layer, p) -> List.of(Intervention.replace(new Site.Contribution(layer), Positions.ALL,
                            TensorData.vector(mean[layer]), "mean over " + positions + " positions of the step's prompts"))));
            byMethod.put(Method.CONTRIBUTION_RESAMPLE, LayerSweep.add(plan, model, prompts, layers,
                    (layer, p) -> List.of(resample(layer, prompts.get(p).length, contributions.get(p), sources.get(p).text()))));
        }
        return new Sweeps(plan.build(), byMethod);
    }

    /**
     * Replaces layer's contribution with the source's: at every position when both prompts are equally
     * long, else at the last min(lengths) positions, aligned from the end.
     */
    private static Intervention resample(int layer, int length, Contributions source, String text) {
        int hidden = source.byLayer().get(layer).length / source.positions();
        Positions positions = Positions.ALL;
        if (source.positions() != length) {
            int shared = Math.min(source.positions(), length);
            int[] indices = new int[shared];
            for (int i = 0; i < shared; i++) {
                indices[i] = i - shared;
            }
            positions = Positions.of(indices);
        }
        TensorData value = new TensorData(new long[] {1, source.positions(), hidden}, source.byLayer().get(layer));
        return Intervention.replace(new Site.Contribution(layer), positions, value, text);
    }

    /**
     * Stage 3, built from stage 2's hubs: per protocol in scope order, per prompt, the first then the
     * last position zeroed at the protocol's hub (published: the layer output; corrected: the
     * contribution); request {@code (protocol index · n + p) · 2 + k}.
     */
    private ForwardPlan routerPlan(String model, List<int[]> prompts, Map<Protocol, Integer> hubs) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (Protocol protocol : scope.protocols()) {
            Site site = routerSite(protocol, hubs.get(protocol));
            for (int[] prompt : prompts) {
                for (int k = 0; k < POSITIONS.size(); k++) {
                    Positions at = k == 0 ? Positions.FIRST : Positions.LAST;
                    plan.add(ForwardRequest.intervened(model, prompt, List.of(Intervention.zero(site, at))));
                }
            }
        }
        return plan.build();
    }

    private static Site routerSite(Protocol protocol, int hub) {
        return protocol == Protocol.PUBLISHED ? Site.layerOutput(hub) : new Site.Contribution(hub);
    }

    /**
     * The three stages of every model. Stages 2 and 3 are built from the values of the stages before them
     * (means, resample sources, hubs); their sizes and costs do not depend on those values, so they are
     * built here from placeholders of the right shapes (zero means and contributions, hub 0).
     */
    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            ModelConfig config = context.modelConfig(model);
            int layers = config.numLayers();
            AtlasScope own = scopes.of(model);
            List<int[]> prompts = own.tokens(context, model);
            boolean corrected = scope.runs(Protocol.CORRECTED);
            List<Source> sources = corrected ? sources(context, own, context.tokenizer(model), own.tasks(context), prompts) : List.of();
            plans.add(cleanPlan(model, layers, prompts, sources));
            List<Contributions> placeholders = sources.stream()
                    .map(s -> Contributions.placeholder(layers, s.tokens().length, config.hiddenSize())).toList();
            plans.add(sweepPlan(model, layers, prompts, new float[layers][config.hiddenSize()], 0, placeholders, sources).plan());
            Map<Protocol, Integer> hubs = new EnumMap<>(Protocol.class);
            scope.protocols().forEach(protocol -> hubs.put(protocol, 0));
            plans.add(routerPlan(model, prompts, hubs));
        }
        return plans;
    }

    @Override
    public String describe() {
        return "universal hub: per-layer ablation KL(clean ‖ ablated) at the last position, family means then their mean, hub ="
                + " argmax, router = first/last-position target log-prob drop at the hub; " + scope.describe()
                + (scopes.varies() ? ", with per-model prompts" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Output out = new Output();
        for (String model : scope.models(context)) {
            PromptSet prompts = scopes.of(model).prepare(context, model);
            new ModelRun(context, scopes.of(model), prompts, progress).run(out);
        }
        return out.result();
    }

    /** The tables of all models. */
    private static final class Output {
        final AtlasRows atlas = new AtlasRows(DIMENSION);
        final ProfileTables profiles = new ProfileTables("Universal hub", "kl", "KL(clean ‖ ablated)");
        final List<List<Object>> hubs = new ArrayList<>();
        final List<List<Object>> router = new ArrayList<>();
        final List<List<Object>> routerPrompts = new ArrayList<>();
        final List<List<Object>> agreement = new ArrayList<>();
        final List<List<Object>> cascade = new ArrayList<>();
        final Map<String, Object> summary = new LinkedHashMap<>();

        StepResult result() {
            List<Table> tables = new ArrayList<>(atlas.tables());
            tables.add(new Table("hubs", List.of("model", "protocol", "method", "layer", "kl", "ci_low", "ci_high", "families_argmax",
                    "families"), hubs));
            tables.add(new Table("router", List.of("model", "protocol", "site", "position", "drop", "ci_low", "ci_high"), router));
            tables.add(new Table("rank-agreement", List.of("model", "method_a", "method_b", "spearman"), agreement));
            tables.add(new Table("cascade", List.of("model", "layer", "max_abs_logit_diff", "prompt_independent"), cascade));
            tables.add(new Table("router-prompts", List.of("model", "protocol", "position", "task", "family", "target", "drop"),
                    routerPrompts));
            tables.addAll(profiles.tables());
            return new StepResult(tables, profiles.charts(), summary).withHeadline(atlas.headline());
        }
    }

    /** One model's run. */
    private final class ModelRun {
        private final StudyContext context;
        private final AtlasScope own;
        private final Comparisons compare;
        private final PromptSet prompts;
        private final Progress progress;
        private final String name;
        private final int layers;
        /** The prompts each protocol averages over, by family (the corrected protocol's are every prompt). */
        private final Map<Protocol, int[][]> families = new EnumMap<>(Protocol.class);
        private final Map<Method, LayerProfile> profiles = new EnumMap<>(Method.class);
        private final Map<Protocol, Router> routers = new EnumMap<>(Protocol.class);
        private double[] cascadeDiff;

        ModelRun(StudyContext context, AtlasScope own, PromptSet prompts, Progress progress) {
            this.context = context;
            this.own = own;
            this.compare = Comparisons.of(context);
            this.prompts = prompts;
            this.progress = progress;
            this.name = prompts.name();
            this.layers = prompts.model().config().numLayers();
            for (Protocol protocol : Protocol.values()) {
                families.put(protocol, prompts.families(protocol));
            }
        }

        void run(Output out) {
            int[] targets = targets();
            boolean corrected = scope.runs(Protocol.CORRECTED);
            List<int[]> tokens = prompts.tokens();
            int n = prompts.size();
            int hidden = prompts.model().config().hiddenSize();
            List<Source> sources = corrected ? sources(context, own, prompts.tokenizer(), prompts.tasks(), tokens) : List.of();
            List<ForwardReadout> first = context.forwards(cleanPlan(name, layers, tokens, sources), progress);
            List<float[]> clean = new ArrayList<>();
            float[][] mean = new float[layers][hidden];
            long positions = 0;
            List<Contributions> contributions = new ArrayList<>();
            if (corrected) {
                double[][] sums = new double[layers][hidden];
                for (int p = 0; p < n; p++) {
                    Contributions c = Contributions.of(first.get(p), layers, tokens.get(p).length);
                    clean.add(c.logits());
                    for (int layer = 0; layer < layers; layer++) {
                        float[] contribution = c.byLayer().get(layer);
                        for (int i = 0; i < contribution.length; i++) {
                            sums[layer][i % hidden] += contribution[i];
                        }
                    }
                    positions += tokens.get(p).length;
                }
                for (int layer = 0; layer < layers; layer++) {
                    for (int i = 0; i < hidden; i++) {
                        mean[layer][i] = (float) (sums[layer][i] / positions);
                    }
                }
                for (int p = 0; p < n; p++) {
                    contributions.add(Contributions.of(first.get(n + p), layers, sources.get(p).tokens().length));
                }
            } else {
                for (int p = 0; p < n; p++) {
                    clean.add(first.get(p).lastLogits());
                }
            }
            Sweeps sweeps = sweepPlan(name, layers, tokens, mean, positions, contributions, sources);
            // the sweeps' readouts stream past, each measured as it arrives: together they would not fit in memory
            LayerSweep.Kl kl = new LayerSweep.Kl(sweeps.byMethod().values(), compare);
            Cascade cascade = new Cascade(layers);
            if (scope.runs(Protocol.PUBLISHED)) {
                kl.observe(sweeps.byMethod().get(Method.LAYER_OUTPUT_ZERO), cascade);
            }
            context.forwards(sweeps.plan(), progress, (i, readout) -> kl.accept(i, readout.lastLogits(), clean.get(kl.prompt(i))));
            Map<Protocol, Integer> hubs = new EnumMap<>(Protocol.class);
            if (scope.runs(Protocol.PUBLISHED)) {
                LayerProfile profile = kl.profile(sweeps.byMethod().get(Method.LAYER_OUTPUT_ZERO), families.get(Protocol.PUBLISHED));
                profiles.put(Method.LAYER_OUTPUT_ZERO, profile);
                cascadeDiff = cascade.diff();
                hubs.put(Protocol.PUBLISHED, profile.argmax());
            }
            if (corrected) {
                for (Method method : List.of(Method.CONTRIBUTION_ZERO, Method.CONTRIBUTION_MEAN, Method.CONTRIBUTION_RESAMPLE)) {
                    profiles.put(method, kl.profile(sweeps.byMethod().get(method), families.get(Protocol.CORRECTED)));
                }
                hubs.put(Protocol.CORRECTED, profiles.get(Method.CONTRIBUTION_ZERO).argmax());
            }
            List<ForwardReadout> third = context.forwards(routerPlan(name, tokens, hubs), progress);
            List<Protocol> protocols = scope.protocols();
            for (int i = 0; i < protocols.size(); i++) {
                Protocol protocol = protocols.get(i);
                int hub = hubs.get(protocol);
                double[][] drops = new double[POSITIONS.size()][n];
                for (int p = 0; p < n; p++) {
                    double before = Stats.logProbability(clean.get(p), targets[p]);
                    for (int k = 0; k < POSITIONS.size(); k++) {
                        float[] logits = third.get((i * n + p) * POSITIONS.size() + k).lastLogits();
                        drops[k][p] = before - Stats.logProbability(logits, targets[p]);
                    }
                }
                routers.put(protocol, new Router(hub, routerSite(protocol, hub).name(), drops, targets));
            }
            report(out);
        }

        private int[] targets() {
            int[] ids = new int[prompts.size()];
            for (int p = 0; p < ids.length; p++) {
                Task task = prompts.tasks().get(p);
                try {
                    ids[p] = TargetToken.resolve(task.target(), rule, prompts.tokenizer());
                } catch (Interp4jException e) {
                    throw new Interp4jException(e.code(), new Problem(context.path() + ".target-rule", "model '" + name + "', task '"
                            + task.id() + "': " + e.getMessage()), e);
                }
                int vocab = prompts.model().config().vocabSize();
                if (ids[p] < 0 || ids[p] >= vocab) {
                    throw new Interp4jException(List.of(new Problem(context.path(), "model '" + name + "', task '" + task.id()
                            + "': target token " + ids[p] + " is outside the vocabulary 0.." + (vocab - 1))));
                }
            }
            return ids;
        }

        private void report(Output out) {
            long seed = context.seed();
            Map<String, LayerProfile> lines = new LinkedHashMap<>();
            for (Map.Entry<Method, LayerProfile> e : profiles.entrySet()) {
                Method method = e.getKey();
                LayerProfile profile = e.getValue();
                boolean intervals = method.protocol == Protocol.CORRECTED;
                long cell = Stats.cellSeed(seed, DIMENSION, name, method.id);
                out.profiles.add(prompts, method.protocol.configName(), method.id, profile, intervals ? cell : null);
                lines.put(method.id, profile);
                int hub = profile.argmax();
                double[] ci = intervals ? profile.interval(hub, cell) : null;
                out.hubs.add(Arrays.asList(name, method.protocol.configName(), method.id, hub, profile.mean(hub),
                        ci == null ? null : ci[0], ci == null ? null : ci[1], profile.familiesWithArgmax(hub), profile.familyCount()));
            }
            out.profiles.lines(name, lines);
            List<Method> methods = List.copyOf(profiles.keySet());
            for (int a = 0; a < methods.size(); a++) {
                for (int b = a + 1; b < methods.size(); b++) {
                    out.agreement.add(Arrays.asList(name, methods.get(a).id, methods.get(b).id,
                            profiles.get(methods.get(a)).spearman(profiles.get(methods.get(b)), compare)));
                }
            }
            routers.forEach((protocol, router) -> {
                int[][] averaged = families.get(protocol);
                for (int k = 0; k < POSITIONS.size(); k++) {
                    double mean = Stats.familyMean(router.drops[k], averaged);
                    double[] ci = protocol == Protocol.CORRECTED ? Stats.bootstrapFamilyMean(router.drops[k], averaged,
                            Stats.cellSeed(seed, DIMENSION, name, protocol, "router", POSITIONS.get(k))) : null;
                    out.router.add(Arrays.asList(name, protocol.configName(), router.site, POSITIONS.get(k), mean,
                            ci == null ? null : ci[0], ci == null ? null : ci[1]));
                    for (int p : PromptSet.members(averaged)) {
                        Task task = prompts.tasks().get(p);
                        out.routerPrompts.add(List.of(name, protocol.configName(), POSITIONS.get(k), task.id(), task.family(),
                                router.targets[p], router.drops[k][p]));
                    }
                }
            });
            if (cascadeDiff != null) {
                for (int layer = 0; layer < layers; layer++) {
                    out.cascade.add(Arrays.asList(name, layer, prompts.size() < 2 ? null : cascadeDiff[layer],
                            prompts.size() < 2 ? null : cascadeDiff[layer] <= tolerance));
                }
            }
            atlasRows(out, seed);
        }

        private void atlasRows(Output out, long seed) {
            AtlasRows atlas = out.atlas;
            Map<Protocol, Integer> hubOf = new EnumMap<>(Protocol.class);
            for (Protocol protocol : scope.protocols()) {
                Method method = protocol == Protocol.PUBLISHED ? Method.LAYER_OUTPUT_ZERO : Method.CONTRIBUTION_ZERO;
                LayerProfile profile = profiles.get(method);
                int hub = profile.argmax();
                hubOf.put(protocol, hub);
                double kl = profile.mean(hub);
                // corrected: the interval of the largest layer effect, the hub chosen again in every resample
                long hubSeed = Stats.cellSeed(seed, DIMENSION, name, method.id, "hub");
                int[][] averaged = families.get(protocol);
                Stats.Selection selection = protocol == Protocol.CORRECTED ? Stats.bootstrapSelection(averaged, profile.layers(),
                        profile::mean, hub, hubSeed) : null;
                atlas.value("universal-hub.layer", protocol, name, hub, Display.layer(hub) + ", " + Display.number(kl)
                        + (selection == null ? "" : String.format(Locale.ROOT, " (the hub in %.0f%% of resamples)",
                                100 * selection.stability())));
                atlas.value("universal-hub.kl", protocol, name, kl, Display.number(kl), selection == null ? null : selection.interval(),
                        selection == null ? null : profile.maxSample(prompts.identities(), hubSeed));
                if (selection != null && selection.stability() < 0.5) {
                    atlas.artefact(protocol, name, String.format(Locale.ROOT, "the hub is not stable: %s is the largest layer in only"
                            + " %.0f%% of bootstrap resamples of the prompts", Display.layer(hub), 100 * selection.stability()));
                }
                List<Integer> next = runnersUp(profile, hub);
                if (!next.isEmpty()) {
                    atlas.value("universal-hub.next", protocol, name, next.get(0), "next " + next.stream().map(l -> Display.layer(l)
                            + " (" + Display.number(profile.mean(l)) + ")").collect(Collectors.joining(", ")));
                }
                int argmaxFamilies = profile.familiesWithArgmax(hub);
                atlas.value("universal-hub.families", protocol, name, argmaxFamilies, "argmax in " + argmaxFamilies + " of "
                        + averaged.length + " families");
                Router router = routers.get(protocol);
                for (int k = 0; k < POSITIONS.size(); k++) {
                    double mean = Stats.familyMean(router.drops[k], averaged);
                    AtlasRows.Sample routerSample = protocol == Protocol.CORRECTED ? AtlasRows.Sample.familyMean(prompts.identities(),
                            averaged, router.drops[k], Stats.cellSeed(seed, DIMENSION, name, protocol, "router", POSITIONS.get(k))) : null;
                    atlas.value("universal-hub.router-" + POSITIONS.get(k), protocol, name, mean, Display.layer(hub) + " "
                            + POSITIONS.get(k) + " position: " + Display.number(mean), routerSample);
                }
                if (protocol == Protocol.CORRECTED) {
                    for (Method other : List.of(Method.CONTRIBUTION_MEAN, Method.CONTRIBUTION_RESAMPLE)) {
                        LayerProfile p = profiles.get(other);
                        int otherHub = p.argmax();
                        atlas.value("universal-hub." + other.id + "-layer", protocol, name, otherHub,
                                Display.layer(otherHub) + ", " + Display.number(p.mean(otherHub)));
                    }
                    rankAgreement(atlas);
                    Map<Method, Integer> corrected = new LinkedHashMap<>();
                    for (Method m : List.of(Method.CONTRIBUTION_ZERO, Method.CONTRIBUTION_MEAN, Method.CONTRIBUTION_RESAMPLE)) {
                        corrected.put(m, profiles.get(m).argmax());
                    }
                    if (corrected.values().stream().distinct().count() > 1) {
                        atlas.disagreement(name, "the corrected ablations put the hub at different layers: " + corrected.entrySet().stream()
                                .map(e -> e.getKey().id + " " + Display.layer(e.getValue())).collect(Collectors.joining(", ")));
                    }
                }
            }
            if (hubOf.size() == 2 && !hubOf.get(Protocol.PUBLISHED).equals(hubOf.get(Protocol.CORRECTED))) {
                atlas.disagreement(name, "hub layer differs: published " + Display.layer(hubOf.get(Protocol.PUBLISHED))
                        + " (zero blocks.L.hook_resid_post, KL " + Display.number(profiles.get(Method.LAYER_OUTPUT_ZERO)
                        .mean(hubOf.get(Protocol.PUBLISHED))) + ") vs corrected " + Display.layer(hubOf.get(Protocol.CORRECTED))
                        + " (zero blocks.L.contribution, KL " + Display.number(profiles.get(Method.CONTRIBUTION_ZERO)
                        .mean(hubOf.get(Protocol.CORRECTED))) + ")");
            }
            if (cascadeDiff != null && prompts.size() >= 2) {
                List<Integer> independent = new ArrayList<>();
                double worst = 0;
                for (int layer = 0; layer < layers; layer++) {
                    if (cascadeDiff[layer] <= tolerance) {
                        independent.add(layer);
                        worst = Math.max(worst, cascadeDiff[layer]);
                    }
                }
                if (!independent.isEmpty()) {
                    int hub = hubOf.get(Protocol.PUBLISHED);
                    atlas.artefact(Protocol.PUBLISHED, name, "cascade zero: after zeroing blocks.L.hook_resid_post the last-position"
                            + " logits are the same for all " + prompts.size() + " prompts (max |Δ logit| " + String.format(
                            Locale.ROOT, "%.3g", worst) + " <= " + tolerance + ") at layers " + independent.stream()
                            .map(Display::layer).collect(Collectors.joining(", ")) + (independent.contains(hub) ? ", the hub included" : "")
                            + ": the ablated output no longer depends on the prompt, so these KLs measure the distance to one"
                            + " fixed bias-only distribution");
                }
            }
            hubOf.forEach((protocol, hub) -> out.summary.put(name + "." + protocol.configName() + ".hub", hub));
        }

        /** The two layers after the hub, by mean (the seed's "secondary" hubs). */
        private List<Integer> runnersUp(LayerProfile profile, int hub) {
            List<Integer> order = new ArrayList<>();
            for (int layer = 0; layer < layers; layer++) {
                if (layer != hub) {
                    order.add(layer);
                }
            }
            order.sort((a, b) -> Double.compare(profile.mean(b), profile.mean(a)));
            return order.subList(0, Math.min(2, order.size()));
        }

        /** Spearman between every pair of profiles run; the value is the lowest. */
        private void rankAgreement(AtlasRows atlas) {
            List<Method> methods = List.copyOf(profiles.keySet());
            double lowest = Double.POSITIVE_INFINITY;
            List<String> pairs = new ArrayList<>();
            for (int a = 0; a < methods.size(); a++) {
                for (int b = a + 1; b < methods.size(); b++) {
                    double rho = profiles.get(methods.get(a)).spearman(profiles.get(methods.get(b)), compare);
                    lowest = Double.isNaN(rho) || Double.isNaN(lowest) ? Double.NaN : Math.min(lowest, rho);
                    pairs.add(methods.get(a).id + " ~ " + methods.get(b).id + " " + Display.number(rho));
                }
            }
            atlas.value("universal-hub.rank-agreement", Protocol.CORRECTED, name, lowest, "Spearman " + String.join("; ", pairs));
        }
    }

    /** The router's drops at one protocol's hub. */
    private record Router(int hub, String site, double[][] drops, int[] targets) {}

    /**
     * Tracks, per layer, how far the ablated last-position logits of different prompts are apart: the
     * largest difference of one logit between any two prompts (each logit's range over the prompts), so
     * that the order the readouts arrive in does not matter.
     */
    private static final class Cascade implements LayerSweep.Observer {
        private final float[][] low;
        private final float[][] high;

        Cascade(int layers) {
            low = new float[layers][];
            high = new float[layers][];
        }

        @Override
        public void seen(int layer, int prompt, float[] logits) {
            if (low[layer] == null) {
                low[layer] = logits.clone();
                high[layer] = logits.clone();
                return;
            }
            for (int v = 0; v < logits.length; v++) {
                low[layer][v] = Math.min(low[layer][v], logits[v]);
                high[layer][v] = Math.max(high[layer][v], logits[v]);
            }
        }

        /** Per layer, the largest range of one logit over the prompts (0 for a layer seen once or never). */
        double[] diff() {
            double[] diff = new double[low.length];
            for (int layer = 0; layer < low.length; layer++) {
                if (low[layer] != null) {
                    for (int v = 0; v < low[layer].length; v++) {
                        diff[layer] = Math.max(diff[layer], (double) high[layer][v] - low[layer][v]);
                    }
                }
            }
            return diff;
        }
    }
}
