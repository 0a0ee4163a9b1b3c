package io.interp4j.experiments.atlas.hub;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.TargetToken;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.task.Task;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Forwards;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.atlas.layerwise.Contributions;
import io.interp4j.experiments.atlas.layerwise.Display;
import io.interp4j.experiments.atlas.layerwise.LayerProfile;
import io.interp4j.experiments.atlas.layerwise.LayerSweep;
import io.interp4j.experiments.atlas.layerwise.ProfileTables;
import io.interp4j.experiments.atlas.PromptSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The universal hub row. Per model, on every prompt (raw, batch 1): one clean forward (which also reads
 * every block's contribution, for the mean), then per method one ablated forward per (layer, prompt),
 * and per protocol two forwards per prompt for the router at its hub. KL(clean ‖ ablated) at the last
 * position, family means, then their mean; the hub is the argmax layer.
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

    private final AtlasScope scope;
    private final TargetToken.Rule rule;
    private final double tolerance;

    UniversalHubExperiment(AtlasScope scope, TargetToken.Rule rule, double tolerance) {
        this.scope = scope;
        this.rule = rule;
        this.tolerance = tolerance;
    }

    @Override
    public List<String> validate(StudyContext context) {
        return scope.validate(context);
    }

    @Override
    public long forwardPasses(StudyContext context) {
        long prompts = scope.tasks(context).size();
        long total = 0;
        for (String model : scope.models(context)) {
            long layers = context.modelConfig(model).numLayers();
            total += prompts;
            if (scope.runs(Protocol.PUBLISHED)) {
                total += prompts * layers + 2 * prompts;
            }
            if (scope.runs(Protocol.CORRECTED)) {
                total += 3 * prompts * layers + prompts + 2 * prompts;
            }
        }
        return total;
    }

    @Override
    public String describe() {
        return "universal hub: per-layer ablation KL(clean ‖ ablated) at the last position, family means then their mean, hub ="
                + " argmax, router = first/last-position target log-prob drop at the hub; " + scope.describe();
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Output out = new Output();
        for (String model : scope.models(context)) {
            PromptSet prompts = scope.prepare(context, model);
            new ModelRun(context, prompts, progress).run(out);
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
            return new StepResult(tables, profiles.charts(), summary);
        }
    }

    /** One model's run. */
    private final class ModelRun {
        private final StudyContext context;
        private final PromptSet prompts;
        private final Progress progress;
        private final String name;
        private final int layers;
        private final int[][] families;
        private final Map<Method, LayerProfile> profiles = new EnumMap<>(Method.class);
        private final Map<Protocol, Router> routers = new EnumMap<>(Protocol.class);
        private double[] cascadeDiff;

        ModelRun(StudyContext context, PromptSet prompts, Progress progress) {
            this.context = context;
            this.prompts = prompts;
            this.progress = progress;
            this.name = prompts.name();
            this.layers = prompts.model().config().numLayers();
            this.families = prompts.families();
        }

        void run(Output out) {
            int[] targets = targets();
            boolean corrected = scope.runs(Protocol.CORRECTED);
            List<float[]> clean = new ArrayList<>();
            int hidden = prompts.model().config().hiddenSize();
            double[][] sums = new double[layers][hidden];
            long positions = 0;
            for (int[] tokens : prompts.tokens()) {
                if (corrected) {
                    Contributions c = Contributions.of(prompts.model(), tokens, progress);
                    clean.add(c.logits());
                    for (int layer = 0; layer < layers; layer++) {
                        float[] contribution = c.byLayer().get(layer);
                        for (int i = 0; i < contribution.length; i++) {
                            sums[layer][i % hidden] += contribution[i];
                        }
                    }
                    positions += tokens.length;
                } else {
                    clean.add(Forwards.lastLogits(prompts.model(), tokens, progress, List.of()));
                }
            }
            if (scope.runs(Protocol.PUBLISHED)) {
                Cascade cascade = new Cascade(layers);
                LayerProfile profile = LayerSweep.kl(prompts, clean,
                        (layer, p) -> List.of(Intervention.zero(Site.layerOutput(layer), Positions.ALL)), cascade, progress);
                profiles.put(Method.LAYER_OUTPUT_ZERO, profile);
                cascadeDiff = cascade.diff;
                routers.put(Protocol.PUBLISHED, router(profile.argmax(), Site.layerOutput(profile.argmax()), clean, targets));
            }
            if (corrected) {
                float[][] mean = new float[layers][hidden];
                for (int layer = 0; layer < layers; layer++) {
                    for (int i = 0; i < hidden; i++) {
                        mean[layer][i] = (float) (sums[layer][i] / positions);
                    }
                }
                profiles.put(Method.CONTRIBUTION_ZERO, LayerSweep.kl(prompts, clean,
                        (layer, p) -> List.of(Intervention.zero(new Site.Contribution(layer), Positions.ALL)), null, progress));
                long total = positions;
                profiles.put(Method.CONTRIBUTION_MEAN, LayerSweep.kl(prompts, clean,
                        (layer, p) -> List.of(Intervention.replace(new Site.Contribution(layer), Positions.ALL,
                                TensorData.vector(mean[layer]), "mean over " + total + " positions of the step's prompts")), null, progress));
                profiles.put(Method.CONTRIBUTION_RESAMPLE, LayerSweep.kl(prompts, clean, new Resample(), null, progress));
                int hub = profiles.get(Method.CONTRIBUTION_ZERO).argmax();
                routers.put(Protocol.CORRECTED, router(hub, new Site.Contribution(hub), clean, targets));
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
                    throw new Interp4jException(e.code(), context.path() + ".target-rule: model '" + name + "', task '" + task.id()
                            + "': " + e.getMessage(), e);
                }
                int vocab = prompts.model().config().vocabSize();
                if (ids[p] < 0 || ids[p] >= vocab) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, context.path() + ": model '" + name + "', task '" + task.id()
                            + "': target token " + ids[p] + " is outside the vocabulary 0.." + (vocab - 1));
                }
            }
            return ids;
        }

        /** The router: the target's log-prob drop when one position is zeroed at the hub. */
        private Router router(int hub, Site site, List<float[]> clean, int[] targets) {
            double[][] drops = new double[POSITIONS.size()][prompts.size()];
            for (int p = 0; p < prompts.size(); p++) {
                double before = Stats.logSoftmax(clean.get(p))[targets[p]];
                for (int k = 0; k < POSITIONS.size(); k++) {
                    Positions at = k == 0 ? Positions.FIRST : Positions.LAST;
                    float[] logits = Forwards.lastLogits(prompts.model(), prompts.tokens().get(p), progress,
                            List.of(Intervention.zero(site, at)));
                    drops[k][p] = before - Stats.logSoftmax(logits)[targets[p]];
                }
            }
            return new Router(hub, site.name(), drops, targets);
        }

        /** Resample ablation: the contribution computed on the task's source prompt. */
        private final class Resample implements LayerSweep.Ablation {
            private int prompt = -1;
            private Contributions source;
            private String sourceText;

            @Override
            public List<Intervention> at(int layer, int p) {
                if (p != prompt) {
                    Task task = prompts.tasks().get(p);
                    int[] tokens;
                    if (task.corruptPrompt().isPresent()) {
                        tokens = scope.encode(context, prompts.tokenizer(), task, task.corruptPrompt().get());
                        sourceText = "the corrupt prompt of task '" + task.id() + "'";
                    } else {
                        int next = (p + 1) % prompts.size();
                        tokens = prompts.tokens().get(next);
                        sourceText = "the clean prompt of task '" + prompts.tasks().get(next).id() + "'";
                    }
                    source = Contributions.of(prompts.model(), tokens, progress);
                    prompt = p;
                }
                int hidden = prompts.model().config().hiddenSize();
                int length = prompts.tokens().get(p).length;
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
                return List.of(Intervention.replace(new Site.Contribution(layer), positions, value, sourceText));
            }
        }

        private void report(Output out) {
            long seed = context.seed();
            Map<String, LayerProfile> lines = new LinkedHashMap<>();
            for (Map.Entry<Method, LayerProfile> e : profiles.entrySet()) {
                Method method = e.getKey();
                LayerProfile profile = e.getValue();
                boolean intervals = method.protocol == Protocol.CORRECTED;
                out.profiles.add(prompts, method.protocol.configName(), method.id, profile, intervals ? seed : null);
                lines.put(method.id, profile);
                int hub = profile.argmax();
                double[] ci = intervals ? profile.interval(hub, seed) : null;
                out.hubs.add(Arrays.asList(name, method.protocol.configName(), method.id, hub, profile.mean(hub),
                        ci == null ? null : ci[0], ci == null ? null : ci[1], profile.familiesWithArgmax(hub), families.length));
            }
            out.profiles.lines(name, lines);
            List<Method> methods = List.copyOf(profiles.keySet());
            for (int a = 0; a < methods.size(); a++) {
                for (int b = a + 1; b < methods.size(); b++) {
                    out.agreement.add(Arrays.asList(name, methods.get(a).id, methods.get(b).id,
                            profiles.get(methods.get(a)).spearman(profiles.get(methods.get(b)))));
                }
            }
            routers.forEach((protocol, router) -> {
                for (int k = 0; k < POSITIONS.size(); k++) {
                    double mean = Stats.familyMean(router.drops[k], families);
                    double[] ci = protocol == Protocol.CORRECTED ? Stats.bootstrapFamilyMean(router.drops[k], families, seed) : null;
                    out.router.add(Arrays.asList(name, protocol.configName(), router.site, POSITIONS.get(k), mean,
                            ci == null ? null : ci[0], ci == null ? null : ci[1]));
                    for (int p = 0; p < prompts.size(); p++) {
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
                double[] ci = protocol == Protocol.CORRECTED ? profile.interval(hub, seed) : null;
                atlas.value("universal-hub.layer", protocol, name, hub, Display.layer(hub) + ", " + Display.number(kl));
                atlas.value("universal-hub.kl", protocol, name, kl, Display.number(kl), ci);
                List<Integer> next = runnersUp(profile, hub);
                if (!next.isEmpty()) {
                    atlas.value("universal-hub.next", protocol, name, next.get(0), "next " + next.stream().map(l -> Display.layer(l)
                            + " (" + Display.number(profile.mean(l)) + ")").collect(Collectors.joining(", ")));
                }
                int argmaxFamilies = profile.familiesWithArgmax(hub);
                atlas.value("universal-hub.families", protocol, name, argmaxFamilies, "argmax in " + argmaxFamilies + " of "
                        + families.length + " families");
                Router router = routers.get(protocol);
                for (int k = 0; k < POSITIONS.size(); k++) {
                    double mean = Stats.familyMean(router.drops[k], families);
                    double[] routerCi = protocol == Protocol.CORRECTED ? Stats.bootstrapFamilyMean(router.drops[k], families, seed) : null;
                    atlas.value("universal-hub.router-" + POSITIONS.get(k), protocol, name, mean, Display.layer(hub) + " "
                            + POSITIONS.get(k) + " position: " + Display.number(mean), routerCi);
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
                    double rho = profiles.get(methods.get(a)).spearman(profiles.get(methods.get(b)));
                    lowest = Double.isNaN(rho) || Double.isNaN(lowest) ? Double.NaN : Math.min(lowest, rho);
                    pairs.add(methods.get(a).id + " ~ " + methods.get(b).id + " " + Display.number(rho));
                }
            }
            atlas.value("universal-hub.rank-agreement", Protocol.CORRECTED, name, lowest, "Spearman " + String.join("; ", pairs));
        }
    }

    /** The router's drops at one protocol's hub. */
    private record Router(int hub, String site, double[][] drops, int[] targets) {}

    /** Tracks, per layer, how far the ablated last-position logits of different prompts are apart. */
    private static final class Cascade implements LayerSweep.Observer {
        final float[][] first;
        final double[] diff;

        Cascade(int layers) {
            first = new float[layers][];
            diff = new double[layers];
        }

        @Override
        public void seen(int layer, int prompt, float[] logits) {
            if (first[layer] == null) {
                first[layer] = logits;
                return;
            }
            for (int v = 0; v < logits.length; v++) {
                diff[layer] = Math.max(diff[layer], Math.abs((double) logits[v] - first[layer][v]));
            }
        }
    }
}
