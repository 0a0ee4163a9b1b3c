package io.interp4j.experiments.atlas.layerwise;

import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.Readout;
import java.util.ArrayList;
import java.util.List;

/**
 * What every block adds to the residual stream in a clean forward: {@code blocks.L.hook_resid_post −
 * blocks.L.hook_resid_pre}, which is what a {@code blocks.L.contribution} site rewrites ({@code
 * hook_attn_out + hook_mlp_out}).
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
     * Returns the readout a forward needs for {@link #of}: the last position's logits and every
     * block's {@code hook_resid_pre} and {@code hook_resid_post} at every position.
     *
     * @param layers the model's depth
     * @return the readout
     */
    public static Readout readout(int layers) {
        Readout readout = Readout.LAST_LOGITS;
        for (int layer = 0; layer < layers; layer++) {
            readout = readout.and(HookPoint.block(layer, HookSite.RESID_PRE), Positions.ALL)
                    .and(HookPoint.block(layer, HookSite.RESID_POST), Positions.ALL);
        }
        return readout;
    }

    /**
     * Reads every block's contribution from a forward that read {@link #readout}.
     *
     * @param read the forward's readout
     * @param layers the model's depth
     * @param positions the prompt's length
     * @return the logits and contributions
     */
    public static Contributions of(ForwardReadout read, int layers, int positions) {
        List<float[]> out = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            float[] pre = read.get(HookPoint.block(layer, HookSite.RESID_PRE)).data();
            float[] post = read.get(HookPoint.block(layer, HookSite.RESID_POST)).data();
            float[] delta = new float[post.length];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = post[i] - pre[i];
            }
            out.add(delta);
        }
        return new Contributions(read.lastLogits(), positions, out);
    }

    /**
     * Returns contributions of the right shapes with every value zero: what a plan whose requests
     * carry contributions is built from when it is only counted (its size does not depend on them).
     *
     * @param layers the model's depth
     * @param positions the prompt's length
     * @param hidden {@code d_model}
     * @return zero contributions and no logits
     */
    public static Contributions placeholder(int layers, int positions, int hidden) {
        List<float[]> out = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            out.add(new float[positions * hidden]);
        }
        return new Contributions(new float[0], positions, out);
    }
}
