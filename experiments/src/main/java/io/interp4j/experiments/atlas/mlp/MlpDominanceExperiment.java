package io.interp4j.experiments.atlas.mlp;

import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ReadoutPairs;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.experiments.atlas.Comparisons;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.Protocol;
import io.interp4j.experiments.atlas.Stats;
import io.interp4j.experiments.atlas.AtlasScope;
import io.interp4j.experiments.common.PerModel;
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
import java.util.Map;

/**
 * The MLP dominance row. Per model, one forward plan over every prompt (raw): one clean forward, one forward per
 * (layer, prompt) with {@code blocks.L.hook_mlp_out} zeroed at every position, and, for the share's
 * denominator, one per (layer, prompt) of the protocol's layer ablation on the same prompts. KL(clean ‖
 * ablated) at the last position, family means, then their mean.
 *
 * <ul>
 *   <li>Both protocols read the same MLP ablation; the top MLP is its argmax layer. The published protocol
 *       averages over its own prompts ({@link io.interp4j.experiments.atlas.PublishedPrompts}, per model), the
 *       corrected over every prompt.
 *   <li>published share ("MLPs carry X%"): top MLP mean / the hub mean of the published layer ablation
 *       ({@code blocks.L.hook_resid_post} zeroed). The original study divided numbers from different
 *       prompt sets; here both come from this step's prompts, and the row says so.
 *   <li>corrected share: top MLP mean / the hub mean of the contribution ablation ({@code
 *       blocks.L.contribution} zeroed), with a 95% stratified-bootstrap interval of the ratio (both
 *       layers fixed at the ones found on all prompts; prompts resampled within families).
 * </ul>
 */
final class MlpDominanceExperiment implements Experiment {
    static final String DIMENSION = "MLP dominance";
    private static final String MLP = "mlp-out-zero";
    private static final String LAYER_OUTPUT = "layer-output-zero";
    private static final String CONTRIBUTION = "contribution-zero";

    private final PerModel<AtlasScope> scopes;
    private final AtlasScope scope;

    MlpDominanceExperiment(PerModel<AtlasScope> scopes) {
        this.scopes = scopes;
        this.scope = scopes.common();
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        return AtlasScope.validate(scopes, s -> s, context);
    }

    /** One model's plan: the clean forwards first (request p is prompt p), then the sweeps. */
    private record Plan(ForwardPlan plan, LayerSweep mlp, Map<Protocol, LayerSweep> hub) {}

    /**
     * The forwards of one model: every prompt clean, the MLP sweep, then each protocol's layer
     * ablation sweep, each forward reading the last position's logits. {@link #run} reads the readouts
     * through the sweeps.
     */
    private Plan plan(String model, int layers, List<int[]> prompts) {
        ForwardPlan.Builder plan = ForwardPlan.builder();
        for (int[] prompt : prompts) {
            plan.add(ForwardRequest.clean(model, prompt));
        }
        LayerSweep mlp = LayerSweep.add(plan, model, prompts, layers, (layer, p) -> List.of(Intervention.zero(
                new Site.AtHook(HookPoint.block(layer, HookSite.MLP_OUT)), Positions.ALL)));
        Map<Protocol, LayerSweep> hub = new EnumMap<>(Protocol.class);
        for (Protocol protocol : scope.protocols()) {
            boolean published = protocol == Protocol.PUBLISHED;
            hub.put(protocol, LayerSweep.add(plan, model, prompts, layers, (layer, p) -> List.of(Intervention.zero(
                    published ? Site.layerOutput(layer) : new Site.Contribution(layer), Positions.ALL))));
        }
        return new Plan(plan.build(), mlp, hub);
    }

    @Override
    public List<ForwardPlan> plans(StudyContext context) {
        List<ForwardPlan> plans = new ArrayList<>();
        for (String model : scope.models(context)) {
            plans.add(plan(model, context.modelConfig(model).numLayers(), scopes.of(model).tokens(context, model)).plan());
        }
        return plans;
    }

    @Override
    public String describe() {
        return "MLP dominance: per-layer KL(clean ‖ MLP output zeroed) at the last position, family means then their mean, top MLP"
                + " and its share of the hub effect on the same prompts (published: layer output zeroed; corrected: contribution"
                + " zeroed); " + scope.describe() + (scopes.varies() ? ", with per-model prompts" : "");
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        Comparisons compare = Comparisons.of(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        ProfileTables profiles = new ProfileTables("MLP dominance", "kl", "KL(clean ‖ ablated)");
        List<List<Object>> shares = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        long seed = context.seed();
        for (String name : scope.models(context)) {
            PromptSet prompts = scopes.of(name).prepare(context, name);
            int[][] families = prompts.families();
            boolean shared = Arrays.deepEquals(families, prompts.families(Protocol.PUBLISHED));
            Plan plan = plan(name, prompts.model().config().numLayers(), prompts.tokens());
            int n = prompts.size();
            List<LayerSweep> sweeps = new ArrayList<>(List.of(plan.mlp()));
            sweeps.addAll(plan.hub().values());
            // requests 0..n−1 are the clean prompts; the sweeps' readouts stream past, each measured against its prompt's
            LayerSweep.Kl kl = new LayerSweep.Kl(sweeps, compare);
            ReadoutPairs pairs = ReadoutPairs.lastLogits(i -> i < n ? i : kl.prompt(i), kl::accept);
            context.forwards(plan.plan(), progress, pairs);
            pairs.requireComplete();
            Map<String, LayerProfile> byMethod = new LinkedHashMap<>();
            long mlpSeed = Stats.cellSeed(seed, DIMENSION, name, MLP);
            Map<Protocol, LayerProfile> mlpOf = new EnumMap<>(Protocol.class);
            if (shared) {
                LayerProfile mlp = kl.profile(plan.mlp(), families);
                byMethod.put(MLP, mlp);
                profiles.add(prompts, "both", MLP, mlp, scope.runs(Protocol.CORRECTED) ? mlpSeed : null);
                scope.protocols().forEach(protocol -> mlpOf.put(protocol, mlp));
            } else {
                // the published protocol averages over its own prompts: the MLP ablation per protocol
                for (Protocol protocol : scope.protocols()) {
                    String method = MLP + "-" + protocol.configName();
                    LayerProfile mlp = kl.profile(plan.mlp(), prompts.families(protocol));
                    byMethod.put(method, mlp);
                    profiles.add(prompts, protocol.configName(), method, mlp, protocol == Protocol.CORRECTED ? mlpSeed : null);
                    mlpOf.put(protocol, mlp);
                }
            }
            Map<Protocol, Double> shareOf = new LinkedHashMap<>();
            Map<Protocol, Stats.Distribution> distributionOf = new LinkedHashMap<>();
            for (Protocol protocol : scope.protocols()) {
                boolean published = protocol == Protocol.PUBLISHED;
                String method = published ? LAYER_OUTPUT : CONTRIBUTION;
                LayerProfile mlp = mlpOf.get(protocol);
                LayerProfile hub = kl.profile(plan.hub().get(protocol), prompts.families(protocol));
                byMethod.put(method, hub);
                profiles.add(prompts, protocol.configName(), method, hub, published ? null : Stats.cellSeed(seed, DIMENSION, name, method));
                int top = mlp.argmax();
                int hubLayer = hub.argmax();
                double share = mlp.mean(top) / hub.mean(hubLayer);
                AtlasRows.Sample shareSample = published ? null : new AtlasRows.Sample(prompts.identities(), families,
                        drawn -> ratio(mlp, top, hub, hubLayer, drawn), Stats.cellSeed(seed, DIMENSION, name, protocol, "share"));
                Stats.Distribution distribution = published ? null : Stats.bootstrapDistribution(families, shareSample.statistic(),
                        shareSample.seed());
                double[] ci = distribution == null ? null : distribution.interval();
                if (distribution != null) {
                    distributionOf.put(protocol, distribution);
                }
                AtlasRows.Sample topSample = published ? null : mlp.sample(top, prompts.identities(), mlpSeed);
                shareOf.put(protocol, share);
                shares.add(Arrays.asList(name, protocol.configName(), top, mlp.mean(top), method, hubLayer, hub.mean(hubLayer), share,
                        ci == null ? null : ci[0], ci == null ? null : ci[1]));
                atlas.value("mlp-dominance.top-layer", protocol, name, top, Display.layer(top) + " MLP, " + Display.number(mlp.mean(top))
                        + second(mlp, top));
                atlas.value("mlp-dominance.top-kl", protocol, name, mlp.mean(top), Display.number(mlp.mean(top)), topSample);
                // published: the seed's words; corrected: what the number is, a ratio of two KLs (it can exceed 1), not a
                // share of one effect
                String ratio = Display.number(mlp.mean(top)) + " / " + Display.number(hub.mean(hubLayer)) + " at " + Display.layer(hubLayer);
                atlas.value("mlp-dominance.share", protocol, name, share, published ? "MLPs carry " + Display.percent(share) + " ("
                        + ratio + ", the layer-output ablation on this step's prompts; the original divided numbers from different"
                        + " prompt sets)" : "KL ratio " + Display.number(share) + " (top MLP / contribution hub, " + ratio
                        + "; a ratio of two ablations' KLs, not a share of one effect)", ci, shareSample);
                summary.put(name + "." + protocol.configName() + ".share", share);
            }
            summary.put(name + ".top-mlp", mlpOf.get(scope.protocols().get(0)).argmax());
            profiles.lines(name, byMethod);
            Stats.Distribution corrected = distributionOf.get(Protocol.CORRECTED);
            Double published = shareOf.get(Protocol.PUBLISHED);
            if (corrected != null && published != null) {
                double[] ci = corrected.interval();
                atlas.test("mlp-dominance.share", name, published, shareOf.get(Protocol.CORRECTED), corrected, "the MLP ratio differs:"
                        + " published " + Display.number(published) + " (of the layer-output hub), corrected "
                        + Display.number(shareOf.get(Protocol.CORRECTED)) + " [" + Display.number(ci[0]) + ", " + Display.number(ci[1])
                        + "] (of the contribution hub)");
            }
        }
        List<Table> tables = new ArrayList<>(atlas.tables());
        tables.add(new Table("shares", List.of("model", "protocol", "top_mlp_layer", "top_mlp_kl", "hub_method", "hub_layer", "hub_kl",
                "share", "ci_low", "ci_high"), shares));
        tables.addAll(profiles.tables());
        return new StepResult(tables, profiles.charts(), summary).withHeadline(atlas.headline());
    }

    /** The share on a resample: the top MLP's and the hub's means of family means, each at its fixed layer. */
    private static double ratio(LayerProfile mlp, int top, LayerProfile hub, int hubLayer, int[][] drawn) {
        return mlp.mean(top, drawn) / hub.mean(hubLayer, drawn);
    }

    /** The runner-up MLP, as the seed table names it ("L0 MLP second"). */
    private static String second(LayerProfile mlp, int top) {
        int second = -1;
        for (int layer = 0; layer < mlp.layers(); layer++) {
            if (layer != top && (second < 0 || mlp.mean(layer) > mlp.mean(second))) {
                second = layer;
            }
        }
        return second < 0 ? "" : "; second " + Display.layer(second) + " (" + Display.number(mlp.mean(second)) + ")";
    }
}
