package io.interp4j.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (β 0.9/0.999, ε 1e-8, decoupled weight decay applied
 * before the Adam step), with global-norm gradient clipping; gradients are zeroed after each step.
 */
final class AdamW {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final List<NDArray> parameters;
    private final List<Boolean> decayed;
    private final List<NDArray> first = new ArrayList<>();
    private final List<NDArray> second = new ArrayList<>();
    private final NDManager manager;
    private int steps;

    /**
     * @param parameters the trainable arrays (requiring gradients)
     * @param decayed for each, whether weight decay applies to it
     */
    AdamW(List<NDArray> parameters, List<Boolean> decayed) {
        this.parameters = List.copyOf(parameters);
        this.decayed = List.copyOf(decayed);
        this.manager = parameters.get(0).getManager();
        for (NDArray p : parameters) {
            first.add(p.zerosLike());
            second.add(p.zerosLike());
        }
    }

    /**
     * Clips, updates and zeroes the gradients; returns the gradient norm before clipping. A step whose
     * gradients are not finite changes nothing (the gradients are dropped), so one overflowing batch
     * cannot poison the weights; the returned norm tells the caller. Every temporary lives in a scope
     * closed before returning: DJL attaches a result to its first operand's manager, so arithmetic on
     * the optimizer state would otherwise pile up in the long-lived manager, step after step.
     */
    double step(double learningRate, double weightDecay, double maxGradNorm) {
        try (NDManager scope = manager.newSubManager()) {
            List<NDArray> gradients = new ArrayList<>();
            double squares = 0;
            for (NDArray p : parameters) {
                NDArray g = p.getGradient();
                g.attach(scope);
                gradients.add(g);
                squares += local(g, scope).square().sum().getFloat();
            }
            double norm = Math.sqrt(squares);
            if (!Double.isFinite(norm)) {
                for (NDArray g : gradients) {
                    g.set(new NDIndex("..."), 0f); // NaN · 0 is NaN: overwrite instead
                }
                return norm;
            }
            steps++;
            double clip = maxGradNorm > 0 && norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
            double correction1 = 1 - Math.pow(BETA1, steps);
            double correction2 = 1 - Math.pow(BETA2, steps);
            for (int i = 0; i < parameters.size(); i++) {
                NDArray p = parameters.get(i);
                NDArray g = gradients.get(i);
                NDArray clipped = local(g, scope).mul(clip);
                first.get(i).muli(BETA1).addi(clipped.mul(1 - BETA1));
                second.get(i).muli(BETA2).addi(clipped.square().mul(1 - BETA2));
                NDArray denominator = local(second.get(i), scope).div(correction2).sqrt().add(EPSILON);
                NDArray update = local(first.get(i), scope).div(correction1).div(denominator).mul(learningRate);
                if (decayed.get(i)) {
                    p.muli(1 - learningRate * weightDecay);
                }
                p.subi(update);
                g.subi(local(g, scope));
            }
            return norm;
        }
    }

    /** A view of an array owned by the scope, so operations on it leave their results there. */
    private static NDArray local(NDArray array, NDManager scope) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }
}
