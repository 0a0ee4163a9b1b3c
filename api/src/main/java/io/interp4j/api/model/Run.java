package io.interp4j.api.model;

import ai.djl.ndarray.NDManager;
import io.interp4j.api.Stable;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookObserver;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.InterventionHooks;
import java.util.Collection;
import java.util.List;

/**
 * The scope of one or more forwards: the hooks and cache requests set on it apply to every call made
 * through it and to nothing else; closing it frees every array it produced. Use with
 * try-with-resources.
 *
 * <p>Positions seen by hooks: {@link #forward} shows every position of the input. {@link #generate}
 * with the KV cache first runs the prompt (step 0, all prompt positions), then one step per new
 * token, in which hooks see only the new position ({@code q} length 1; attention scores and patterns
 * have {@code [batch, head, 1, keys]} with all cached keys), with {@link
 * io.interp4j.api.hook.HookContext#firstPosition()} giving its sequence index. Keys and values a hook
 * replaces are what the cache stores. Without the KV cache every step recomputes the whole sequence
 * and hooks see all of it. Either way, n new tokens take n forwards, numbered by {@link
 * io.interp4j.api.hook.HookContext#step()} 0 to n−1. Cache requests are filled only by {@link
 * #forward}.
 *
 * @since 0.1
 */
@Stable
public interface Run extends AutoCloseable {
    /**
     * Adds a hook at a point; several hooks at one point run in the order added.
     *
     * @param point the hook point
     * @param hook the hook
     * @return this run
     */
    Run hook(HookPoint point, Hook hook);

    /**
     * Adds a hook at a named point.
     *
     * @param name e.g. {@code blocks.2.hook_mlp_out}
     * @param hook the hook
     * @return this run
     */
    default Run hook(String name, Hook hook) {
        return hook(HookPoint.parse(name), hook);
    }

    /**
     * Adds an observer that sees the activation at a point after every hook there has run.
     *
     * @param point the hook point
     * @param observer the observer
     * @return this run
     */
    Run observe(HookPoint point, HookObserver observer);

    /**
     * Records activations at these points during each {@link #forward}.
     *
     * @param points the hook points
     * @return this run
     */
    Run cache(Collection<HookPoint> points);

    /**
     * Records activations at every hook point.
     *
     * @return this run
     */
    Run cacheAll();

    /**
     * Runs a batch of token sequences (no BOS added). Rows of different lengths are right-padded:
     * each row's numbers at its own positions are those of its unpadded forward, and the padded
     * positions hold numbers that mean nothing ({@link ForwardResult#layout()} says which are real).
     *
     * @param tokens {@code [batch][pos]} token ids
     * @return the logits {@code [batch, longest, vocab]} and the requested activations
     */
    default ForwardResult forward(int[][] tokens) {
        return forward(ForwardInput.of(tokens));
    }

    /**
     * Runs one batched forward as described: padding, a start layer with its residual stream, earlier
     * positions' keys and values, logits at chosen positions, interventions per row.
     *
     * @param input the forward
     * @return the logits and the requested activations (those before the start layer are not seen)
     */
    ForwardResult forward(ForwardInput input);

    /**
     * Runs one token sequence.
     *
     * @param tokens token ids
     * @return the logits {@code [1, pos, vocab]} and the requested activations
     */
    default ForwardResult forward(int... tokens) {
        return forward(new int[][] {tokens});
    }

    /**
     * Generates greedily; hooks apply at every step (see the class comment for which positions).
     *
     * @param prompt the prompt's token ids
     * @param options how many tokens, whether to use the KV cache, whether to stop at eos
     * @return the generated tokens and timings
     */
    Generation generate(int[] prompt, GenerationOptions options);

    /**
     * Applies an intervention on every forward of this run, executed with hooks unless the engine
     * compiles it natively; several interventions apply in the order added.
     *
     * @param intervention the intervention, checked against this run's model
     * @return this run
     */
    default Run intervene(Intervention intervention) {
        InterventionHooks.install(this, intervention);
        return this;
    }

    /**
     * Returns the architecture of the model this run belongs to.
     *
     * @return the config
     */
    ModelConfig config();

    /**
     * Returns the manager that owns this run's result arrays; hooks may create arrays in it.
     *
     * @return the manager
     */
    NDManager manager();

    /**
     * Returns the hook points of the model this run belongs to.
     *
     * @return the hook points
     */
    List<HookPoint> hookPoints();

    /** Frees every array this run produced and forgets its hooks. */
    @Override
    void close();
}
