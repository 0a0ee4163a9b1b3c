package io.interp4j.api.lens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Experimental;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.hook.ActivationCache;
import io.interp4j.api.hook.Hook;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.plugin.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The scope of hooks and results, closed with try-with-resources (TransformerLens' {@code with
 * model.hooks(...)}): hooks and interventions added to a session apply to every later call made through
 * it and to nothing else, and every array its calls return stays valid until it closes. Each call runs
 * in a {@link Run} of its own, so a patch given to one call never leaks into the next.
 *
 * @since 0.3
 */
@Experimental
public final class Session implements AutoCloseable {
    private final HookedModel model;
    private final List<Map.Entry<HookPoint, Hook>> hooks = new ArrayList<>();
    private final List<Intervention> interventions = new ArrayList<>();
    private final List<Run> runs = new ArrayList<>();
    private boolean closed;

    Session(HookedModel model) {
        this.model = model;
    }

    /**
     * Adds a hook for every later call of this session; several hooks at one point run in the order added.
     *
     * @param point a hook point name, e.g. {@code blocks.1.hook_resid_post}
     * @param hook the hook
     * @return this session
     */
    public Session hook(String point, Hook hook) {
        return hook(HookPoint.parse(requireNonNull(point, "point is null"), config()), hook);
    }

    /**
     * Adds a hook for every later call of this session.
     *
     * @param point the hook point
     * @param hook the hook
     * @return this session
     */
    public Session hook(HookPoint point, Hook hook) {
        requireNonNull(point, "point is null").checkIn(config());
        hooks.add(Map.entry(point, requireNonNull(hook, "hook is null")));
        return this;
    }

    /**
     * Adds an intervention (a value: zero, add, replace, ...) for every later call of this session.
     *
     * @param intervention the intervention
     * @return this session
     */
    public Session intervene(Intervention intervention) {
        requireNonNull(intervention, "intervention is null").checkIn(config());
        interventions.add(intervention);
        return this;
    }

    /**
     * Runs a text.
     *
     * @param prompt raw text
     * @return the logits {@code [1, pos, vocab]}
     */
    public ForwardResult forward(String prompt) {
        return forward(ForwardInput.of(model.toTokens(prompt)));
    }

    /**
     * Runs token ids.
     *
     * @param tokens token ids
     * @return the logits {@code [1, pos, vocab]}
     */
    public ForwardResult forward(int... tokens) {
        return forward(ForwardInput.of(tokens));
    }

    /**
     * Runs a batched forward as described (padding, logit positions, ...).
     *
     * @param input the forward
     * @return the logits and nothing cached
     */
    public ForwardResult forward(ForwardInput input) {
        return runWithCache(input, point -> false);
    }

    /**
     * Runs a text and caches activations at named hook points (TransformerLens' {@code run_with_cache}
     * with {@code names_filter} a list).
     *
     * @param prompt raw text
     * @param points hook point names; none caches every point
     * @return the logits and the cache
     */
    public ForwardResult runWithCache(String prompt, String... points) {
        return runWithCache(ForwardInput.of(model.toTokens(prompt)), points);
    }

    /**
     * Runs token ids and caches activations at named hook points.
     *
     * @param tokens token ids
     * @param points hook point names; none caches every point
     * @return the logits and the cache
     */
    public ForwardResult runWithCache(int[] tokens, String... points) {
        return runWithCache(ForwardInput.of(tokens), points);
    }

    /**
     * Runs a forward and caches activations at named hook points.
     *
     * @param input the forward (a padded batch, say)
     * @param points hook point names; none caches every point
     * @return the logits and the cache
     */
    public ForwardResult runWithCache(ForwardInput input, String... points) {
        if (points.length == 0) {
            return runWithCache(input, point -> true);
        }
        List<HookPoint> named = Arrays.stream(points).map(name -> HookPoint.parse(name, config())).toList();
        return runWithCache(input, named::contains);
    }

    /**
     * Runs a forward and caches activations at every hook point a filter accepts ({@code names_filter}
     * as a function).
     *
     * @param input the forward
     * @param filter which hook points to cache, e.g. {@code p -> p.site() == HookSite.RESID_POST}
     * @return the logits and the cache
     */
    public ForwardResult runWithCache(ForwardInput input, Predicate<HookPoint> filter) {
        requireNonNull(filter, "filter is null");
        Run run = newRun();
        run.cache(run.hookPoints().stream().filter(filter).toList());
        return run.forward(input);
    }

    /**
     * Runs token ids with one site copied from another run's cache (activation patching): the
     * positions' rows of {@code blocks.L.hook_resid_post}, say, replaced by the source's rows at the same
     * positions ({@code last} takes the source's last row). The patch applies to this call only.
     *
     * @param tokens the token ids of the run to patch
     * @param point the hook point name
     * @param positions which positions to copy
     * @param source a cache holding the point from a forward of one row
     * @return the patched forward's logits
     */
    public ForwardResult runWithPatch(int[] tokens, String point, Positions positions, ActivationCache source) {
        HookPoint at = HookPoint.parse(requireNonNull(point, "point is null"), config());
        NDArray activation = requireNonNull(source, "source is null").get(at);
        if (activation.getShape().get(0) != 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the source of a patch at '" + at + "' has " + activation.getShape().get(0)
                    + " rows; give the cache of a one-row forward");
        }
        Intervention patch = Intervention.replace(Site.parse(at.name()), positions, TensorData.of(activation), "patched from another run");
        Run run = newRun();
        run.intervene(patch);
        return run.forward(ForwardInput.of(tokens));
    }

    /**
     * Runs a text and splits its residual stream at one position into the embedding and each block's
     * attention and MLP outputs (TransformerLens' {@code decompose_resid}).
     *
     * @param prompt raw text
     * @param position the position (negative counts from the end: −1 is the last token)
     * @return the decomposition
     */
    public ResidualStack decomposeResid(String prompt, int position) {
        return decomposeResid(model.toTokens(prompt), position);
    }

    /**
     * Runs token ids and splits the residual stream at one position.
     *
     * @param tokens token ids
     * @param position the position (negative counts from the end)
     * @return the decomposition
     */
    public ResidualStack decomposeResid(int[] tokens, int position) {
        return decompose(tokens, position, false);
    }

    /**
     * Runs a text and splits its residual stream at one position into the embedding, each head's
     * output after {@code o_proj} ({@code attn.hook_result}, labelled {@code L0H0}, {@code L0H1}, ...)
     * and each block's MLP output (TransformerLens' {@code get_full_resid_decomposition} without
     * expanding neurons, in forward order; Qwen2 has no attention bias term).
     *
     * @param prompt raw text
     * @param position the position (negative counts from the end)
     * @return the decomposition
     */
    public ResidualStack fullResidDecomposition(String prompt, int position) {
        return fullResidDecomposition(model.toTokens(prompt), position);
    }

    /**
     * Runs token ids and splits the residual stream at one position per head.
     *
     * @param tokens token ids
     * @param position the position (negative counts from the end)
     * @return the decomposition
     */
    public ResidualStack fullResidDecomposition(int[] tokens, int position) {
        return decompose(tokens, position, true);
    }

    private ResidualStack decompose(int[] tokens, int position, boolean perHead) {
        List<HookPoint> points = ResidualStack.points(config(), perHead);
        ForwardResult result = runWithCache(ForwardInput.of(tokens), points::contains);
        return ResidualStack.of(result, config(), 0, position, perHead);
    }

    /**
     * Continues a text.
     *
     * @param prompt raw text
     * @param maxNewTokens the most new tokens
     * @param sampling greedy or seeded sampling
     * @return the completion
     */
    public Completion generate(String prompt, int maxNewTokens, Sampling sampling) {
        return generate(List.of(model.toTokens(prompt)), maxNewTokens, sampling);
    }

    /**
     * Continues a batch of prompts with this session's hooks and interventions applied at every step.
     * Each row stops after the eos token (when the config names one). Keys and values are reused for
     * prompts of any lengths: the left-padded prompts run once, then each step computes one new
     * position per row after the batch's keys and values (each row's pad keys masked, its positions
     * continuing from its own length), which is all hooks see (their {@code firstPosition} is the
     * padded index). The tokens are those each prompt would get on its own. Each step is a forward of
     * its own: {@code ctx.step()} is 0 in every one (unlike {@link Run#generate}); {@code
     * ctx.firstPosition()} tells the prompt from the new positions.
     *
     * @param prompts token ids per row
     * @param maxNewTokens the most new tokens per row, at least 1
     * @param sampling greedy, or sampling seeded per row ({@code seed + row})
     * @return the completion
     */
    public Completion generate(List<int[]> prompts, int maxNewTokens, Sampling sampling) {
        requireNonNull(prompts, "prompts is null");
        requireNonNull(sampling, "sampling is null");
        if (maxNewTokens < 1) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "maxNewTokens must be >= 1, found " + maxNewTokens);
        }
        ForwardInput first = ForwardInput.of(prompts);
        first.check(config());
        SplittableRandom[] random = new SplittableRandom[first.batch()];
        for (int b = 0; b < random.length; b++) {
            random[b] = new SplittableRandom(sampling.seed() + b);
        }
        List<int[]> rows = Decoding.batched(newRun(), first.prompts(), maxNewTokens, model.eos().orElse(-1),
                (row, logits) -> sampling.next(logits, random[row]));
        List<String> texts = new ArrayList<>();
        for (int[] row : rows) {
            texts.add(model.hasTokenizer() ? model.toText(row) : "");
        }
        return new Completion(first.prompts(), rows, texts, true);
    }

    private Run newRun() {
        if (closed) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "this session is closed; open a new one with model.session()");
        }
        Run run = model.model().newRun();
        runs.add(run);
        for (Map.Entry<HookPoint, Hook> hook : hooks) {
            run.hook(hook.getKey(), hook.getValue());
        }
        interventions.forEach(run::intervene);
        return run;
    }

    private ModelConfig config() {
        return model.config();
    }

    /** Frees every array this session's calls returned and forgets its hooks. */
    @Override
    public void close() {
        closed = true;
        RuntimeException failure = null;
        for (Run run : runs) {
            try {
                run.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        runs.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
