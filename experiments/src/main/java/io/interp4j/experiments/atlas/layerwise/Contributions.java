package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.experiment.Progress;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.Model;
import io.interp4j.experiments.atlas.Forwards;
import java.util.ArrayList;
import java.util.List;

/**
 * A clean forward that also reads what every block adds to the residual stream: {@code
 * blocks.L.hook_resid_post − blocks.L.hook_resid_pre}, which is what a {@code blocks.L.contribution}
 * site rewrites ({@code hook_attn_out + hook_mlp_out}).
 *
 * @param logits the last position's logits
 * @param positions the prompt's length
 * @param byLayer {@code [layer]} the contribution, {@code [pos × d_model]} row-major
 */
public record Contributions(float[] logits, int positions, List<float[]> byLayer) {
    /** Copies the list. */
    public Contributions {
        byLayer = List.copyOf(byLayer);
    }

    /**
     * Runs one prompt and reads every block's contribution.
     *
     * @param model the model
     * @param tokens the prompt
     * @param progress advanced by one
     * @return the logits and contributions
     */
    public static Contributions of(Model model, int[] tokens, Progress progress) {
        int layers = model.config().numLayers();
        List<HookPoint> points = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            points.add(HookPoint.block(layer, HookSite.RESID_PRE));
            points.add(HookPoint.block(layer, HookSite.RESID_POST));
        }
        Forwards.Cached cached = Forwards.run(model, tokens, progress, List.of(), points);
        List<float[]> out = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            float[] pre = cached.get(HookPoint.block(layer, HookSite.RESID_PRE)).data();
            float[] post = cached.get(HookPoint.block(layer, HookSite.RESID_POST)).data();
            float[] delta = new float[post.length];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = post[i] - pre[i];
            }
            out.add(delta);
        }
        return new Contributions(cached.logits(), tokens.length, out);
    }
}
