package io.interp4j.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The graph is cut only where a hook replaces a value; observed points are outputs; compiled interventions need no cut. */
class OnnxSegmentsTest {
    @TempDir
    Path dir;

    private OnnxModel model() {
        RandomCheckpoint.write(dir.resolve("m"), ModelConfig.of(300, 32, 64, 2, 4, 2, true), DType.F32, 1);
        return (OnnxModel) new OnnxEngineProvider().load(Checkpoint.open(dir.resolve("m")));
    }

    @Test
    void onlyReplacedPointsCutAndObservedOnesAreOutputsOfTheFusedGraph() {
        try (OnnxModel model = model()) {
            CompiledInterventions none = new CompiledInterventions(List.of());
            // per-head results are computed only when asked for (below): every other point is in the graph
            List<HookPoint> all = HookPoint.all(model.config()).stream().filter(p -> p.site() != HookSite.ATTN_RESULT).toList();
            List<OnnxModel.CompiledSegment> plain = model.plan(none, 0, Set.of(), Set.of()).segments();
            assertThat(plain).hasSize(1);
            assertThat(plain.get(0).segment().hooksAfter()).isEmpty();
            assertThat(plain.get(0).segment().weightsFed()).isFalse();
            // observing two points: one fused graph handing out every hook point's value, in forward order
            HookPoint z0 = HookPoint.block(0, HookSite.ATTN_Z);
            HookPoint post1 = HookPoint.block(1, HookSite.MLP_POST);
            OnnxModel.Plan observing = model.plan(none, 0, Set.of(), Set.of(z0, post1));
            assertThat(observing.segments()).hasSize(1);
            Segments.Segment fused = observing.segments().get(0).segment();
            assertThat(fused.hooksAfter()).containsExactlyElementsOf(all);
            assertThat(fused.outputs()).contains(OnnxModel.graphValue(observing.graph(), z0), OnnxModel.graphValue(observing.graph(), post1));
            // and it reads the weights in place: only the plain graph holds a prepacked copy
            assertThat(fused.weightsFed()).isTrue();
            // any other observed set is served by the same compiled graph
            assertThat(model.plan(none, 0, Set.of(), Set.of(HookPoint.block(1, HookSite.RESID_POST)))).isSameAs(observing);
            // replacing at two points: three segments, each handing out only its replaced point, weights read in place
            List<OnnxModel.CompiledSegment> cut = model.plan(none, 0, Set.of(z0, post1), Set.of()).segments();
            assertThat(cut).hasSize(3);
            assertThat(cut.get(0).segment().hooksAfter()).containsExactly(z0);
            assertThat(cut.get(1).segment().hooksAfter()).containsExactly(post1);
            assertThat(cut.get(2).segment().hooksAfter()).isEmpty();
            assertThat(cut).allMatch(c -> c.segment().weightsFed());
            // replacing at one point and observing another: one cut; the two segments hand out every point between them
            List<OnnxModel.CompiledSegment> mixed = model.plan(none, 0, Set.of(z0), Set.of(post1)).segments();
            assertThat(mixed).hasSize(2);
            int z0At = all.indexOf(z0);
            assertThat(mixed.get(0).segment().hooksAfter()).containsExactlyElementsOf(all.subList(0, z0At + 1));
            assertThat(mixed.get(1).segment().hooksAfter()).containsExactlyElementsOf(all.subList(z0At + 1, all.size()));
            // hook_embed and blocks.0.hook_resid_pre name one value: one cut, both hooks in forward order
            List<OnnxModel.CompiledSegment> same = model.plan(none, 0, Set.of(HookPoint.block(0, HookSite.RESID_PRE), HookPoint.global(HookSite.EMBED)),
                    Set.of()).segments();
            assertThat(same.get(0).segment().hooksAfter()).containsExactly(HookPoint.global(HookSite.EMBED), HookPoint.block(0, HookSite.RESID_PRE));
        }
    }

    @Test
    void aGraphFromALaterLayerHoldsNothingBeforeIt() {
        try (OnnxModel model = model()) {
            CompiledInterventions none = new CompiledInterventions(List.of());
            // block 0's hook point is not in the graph and blocks.1.hook_resid_pre is its input: neither cuts
            List<OnnxModel.CompiledSegment> cut = model.plan(none, 1, Set.of(HookPoint.block(0, HookSite.ATTN_Z),
                    HookPoint.block(1, HookSite.RESID_PRE), HookPoint.block(1, HookSite.MLP_POST)), Set.of()).segments();
            assertThat(cut).hasSize(2);
            assertThat(cut.get(0).segment().hooksAfter()).containsExactly(HookPoint.block(1, HookSite.MLP_POST));
            assertThat(cut.get(0).segment().inputs()).contains(Qwen2Graph.RESIDUAL).doesNotContain(Qwen2Graph.IDS, Qwen2Graph.pastKey(0));
            assertThat(cut.stream().flatMap(c -> c.segment().weights().stream()))
                    .noneMatch(w -> w.startsWith("model.layers.0."));
            // a later start reads the weights in place even uncut
            assertThat(model.plan(none, 1, Set.of(), Set.of()).segments().get(0).segment().weightsFed()).isTrue();
        }
    }

    @Test
    void compiledPlansAreCachedAndTheLeastRecentlyUsedEvicted() {
        try (OnnxModel model = model()) {
            CompiledInterventions none = new CompiledInterventions(List.of());
            List<HookPoint> points = HookPoint.all(model.config());
            OnnxModel.Plan first = model.plan(none, 0, Set.of(points.get(1)), Set.of());
            try (OnnxModel.Plan again = model.plan(none, 0, Set.of(points.get(1)), Set.of())) {
                assertThat(again).isSameAs(first);
            }
            for (HookPoint point : points.subList(2, 36)) {
                model.plan(none, 0, Set.of(point), Set.of()).close();
            }
            try (OnnxModel.Plan rebuilt = model.plan(none, 0, Set.of(points.get(1)), Set.of())) {
                assertThat(rebuilt).isNotSameAs(first);
            }
            // evicted while held: its sessions stay open until the holder lets go
            assertThat(first.segments().get(0).session().getInputNames()).isNotEmpty();
            first.close();
        }
    }

    @Test
    void compiledInterventionsKeepTheGraphWhole() {
        try (OnnxModel model = model()) {
            CompiledInterventions interventions = new CompiledInterventions(List.of(
                    Intervention.zero(Site.parse("blocks.0.contribution"), Positions.ALL),
                    Intervention.add(Site.layerOutput(1), Positions.LAST, 2, TensorData.vector(new float[32]), "test"),
                    Intervention.zero(Site.parse("blocks.1.attn.hook_z"), Positions.ALL).withHeads(List.of(1))));
            assertThat(model.plan(interventions, 0, Set.of(), Set.of()).segments()).hasSize(1);
            assertThat(interventions.structure()).containsExactly("blocks.0.contribution|scale", "blocks.1.hook_resid_post|add",
                    "blocks.1.attn.hook_z|scale");
        }
    }

    @Test
    void perHeadResultsAreComputedOnlyInTheBlocksWhereSomethingAsksForThem() {
        try (OnnxModel model = model()) {
            CompiledInterventions none = new CompiledInterventions(List.of());
            HookPoint result0 = HookPoint.block(0, HookSite.ATTN_RESULT);
            HookPoint result1 = HookPoint.block(1, HookSite.ATTN_RESULT);
            HookPoint z1 = HookPoint.block(1, HookSite.ATTN_Z);
            // without a request no block computes them: o_proj is one product per block
            GraphIr plain = model.plan(none, 0, Set.of(), Set.of(z1)).graph();
            assertThat(plain.hookValues()).doesNotContainKeys(result0, result1);
            assertThat(plain.nodes()).noneMatch(n -> n.op().equals("ReduceSum"));
            // observing block 1's results adds them to block 1 only, and the fused graph hands them out
            OnnxModel.Plan observing = model.plan(none, 0, Set.of(), Set.of(result1));
            assertThat(observing.graph().hookValues()).containsKey(result1).doesNotContainKey(result0);
            assertThat(observing.graph().nodes()).filteredOn(n -> n.op().equals("ReduceSum")).hasSize(1);
            assertThat(observing.segments()).hasSize(1);
            assertThat(observing.segments().get(0).segment().hooksAfter()).contains(result1);
            // replacing block 0's results cuts there; a compiled intervention at them needs no cut
            assertThat(model.plan(none, 0, Set.of(result0), Set.of()).segments().get(0).segment().hooksAfter()).containsExactly(result0);
            CompiledInterventions zeroHead = new CompiledInterventions(List.of(
                    Intervention.zero(Site.parse("blocks.0.attn.hook_result"), Positions.ALL).withHeads(List.of(1))));
            OnnxModel.Plan compiled = model.plan(zeroHead, 0, Set.of(), Set.of());
            assertThat(compiled.segments()).hasSize(1);
            assertThat(compiled.graph().hookValues()).containsKey(result0).doesNotContainKey(result1);
        }
    }
}
