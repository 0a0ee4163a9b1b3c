package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plugin.TensorData;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InterventionCheckTest {
    private static final int[] PROMPT = {1, 2, 3};

    private static ForwardReadout logits(float first, Set<String> fired) {
        return new ForwardReadout(new TensorData(new long[] {1, 3}, new float[] {first, 0, 0}), Map.of(), fired);
    }

    private static ForwardRequest zero(String site) {
        return ForwardRequest.intervened("m", PROMPT, List.of(Intervention.zero(Site.parse(site), Positions.ALL)));
    }

    /** Feeds the check each request's readout in plan order, as the plain executor delivers them. */
    private static StepResult check(List<ForwardRequest> requests, List<ForwardReadout> readouts) {
        InterventionCheck check = new InterventionCheck();
        for (int i = 0; i < requests.size(); i++) {
            check.observe(requests.get(i), readouts.get(i));
        }
        return check.annotate("step", new StepResult(List.of(), List.of(), Map.of()));
    }

    /** An intervention whose site is not among the sites that fired is flagged; the logits moved, so it is not inert. */
    @Test
    void anInterventionThatNeverFiredIsFlaggedBesideTheInertCheck() {
        StepResult result = check(List.of(ForwardRequest.clean("m", PROMPT), zero("blocks.1.hook_mlp_out"), zero("blocks.0.hook_resid_post")),
                List.of(logits(1, Set.of()), logits(2, Set.of()), logits(3, Set.of("blocks.0.hook_resid_post"))));
        assertThat(result.summary()).containsEntry("interventions.requests", 2L).containsEntry("interventions.sites-recorded", 2L)
                .containsEntry("interventions.never-fired", 1L).containsEntry("interventions.unmoved", 0L)
                .containsEntry("interventions.fired-at", "blocks.0.hook_resid_post ×1");
        StepResult.Table flags = result.headline().orElseThrow().flags(result);
        assertThat(flags.rows()).singleElement().satisfies(f -> {
            assertThat(f.get(2)).isEqualTo("m");
            assertThat(f.get(3)).isEqualTo("intervention-never-fired");
            assertThat((String) f.get(4)).startsWith("1 of 2 intervened forwards").contains("e.g. zero at blocks.1.hook_mlp_out");
        });
    }

    /** Normal rows: every intervention fired and moved the logits, so nothing is flagged. */
    @Test
    void interventionsThatFiredAreNotFlagged() {
        StepResult result = check(List.of(ForwardRequest.clean("m", PROMPT), zero("blocks.1.hook_mlp_out"), zero("blocks.0.hook_resid_post")),
                List.of(logits(1, Set.of()), logits(2, Set.of("blocks.1.hook_mlp_out")), logits(3, Set.of("blocks.0.hook_resid_post"))));
        assertThat(result.summary()).containsEntry("interventions.never-fired", 0L)
                .containsEntry("interventions.fired-at", "blocks.0.hook_resid_post ×1, blocks.1.hook_mlp_out ×1");
        assertThat(result.tables()).isEmpty();
    }

    /** An executor that did not record where interventions fired (fired = null) raises no flag. */
    @Test
    void unrecordedSitesAreNotFlagged() {
        StepResult result = check(List.of(ForwardRequest.clean("m", PROMPT), zero("blocks.1.hook_mlp_out")),
                List.of(logits(1, null), logits(2, null)));
        assertThat(result.summary()).containsEntry("interventions.sites-recorded", 0L).containsEntry("interventions.never-fired", 0L);
        assertThat(result.tables()).isEmpty();
    }
}
