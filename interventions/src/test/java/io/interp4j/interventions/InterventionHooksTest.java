package io.interp4j.interventions;

import static io.interp4j.interventions.testing.TinyModels.assertMatches;
import static io.interp4j.interventions.testing.TinyModels.plan;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.testing.Ref;
import io.interp4j.interventions.testing.TinyModelTest;
import io.interp4j.interventions.testing.TinyModels;
import io.interp4j.testkit.RefTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Regression cases for {@link io.interp4j.api.intervention.InterventionHooks} found while testing
 * these plugins: mixed-sign position lists map each index to the source row of its own sign, and a
 * contribution is measured from {@code hook_resid_pre} after every intervention there.
 */
class InterventionHooksTest extends TinyModelTest {
    @Test
    void eachPositionIndexMapsToTheSourceRowOfItsOwnSign() {
        int[] tokens = models.prompt("clean", 0);
        float[] engine = models.run(plan("resample-ablation", "layer = 0, positions = [0, -1], source-prompts = reference, source-index = 3"),
                "clean", 0);

        HookPoint residPost = HookPoint.block(0, HookSite.RESID_POST);
        int[] source = models.prompt("reference", 3);
        RefTensor sourceActivation = models.baseReference.forward(source).get(residPost);
        RefTensor expected = models.reference(tokens, Map.of(residPost, t -> Ref.setRows(Ref.setRows(t,
                Ref.row(sourceActivation, 0), 0), Ref.row(sourceActivation, Ref.last(source)), Ref.last(tokens))));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void aTrueSkipKeepsWhatALaterInterventionAddedToTheBlocksInput() {
        int[] tokens = models.prompt("clean", 1);
        float[] v = TinyModels.gaussian(TinyModels.CONFIG.hiddenSize(), 3);
        List<Intervention> interventions = List.of(
                Intervention.zero(new Site.Contribution(1), Positions.ALL),
                Intervention.add(Site.parse("blocks.1.hook_resid_pre"), Positions.LAST, 4, TensorData.vector(v), "test"));
        float[] engine = TinyModels.logits(models.base, interventions, tokens);

        RefTensor[] residPre = new RefTensor[1];
        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(1, HookSite.RESID_PRE), t -> residPre[0] = Ref.addRows(t, 4, v, Ref.last(tokens)),
                HookPoint.block(1, HookSite.RESID_POST), t -> residPre[0]));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }

    @Test
    void aTrueSkipKeepsWhatAnEarlierInterventionAddedToTheBlocksInput() {
        // the same pair installed in the other order already works: the capture hook sees the edited input
        int[] tokens = models.prompt("clean", 1);
        float[] v = TinyModels.gaussian(TinyModels.CONFIG.hiddenSize(), 3);
        List<Intervention> interventions = List.of(
                Intervention.add(Site.parse("blocks.1.hook_resid_pre"), Positions.LAST, 4, TensorData.vector(v), "test"),
                Intervention.zero(new Site.Contribution(1), Positions.ALL));
        float[] engine = TinyModels.logits(models.base, interventions, tokens);

        RefTensor[] residPre = new RefTensor[1];
        RefTensor expected = models.reference(tokens, Map.of(
                HookPoint.block(1, HookSite.RESID_PRE), t -> residPre[0] = Ref.addRows(t, 4, v, Ref.last(tokens)),
                HookPoint.block(1, HookSite.RESID_POST), t -> residPre[0]));
        assertMatches(engine, expected, models.reference(tokens, Map.of()));
    }
}
