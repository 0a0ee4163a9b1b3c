/**
 * The first-hour facade, for users coming from TransformerLens: {@link io.interp4j.api.lens.HookedModel}
 * loads a model directory with an engine chosen by id, and a {@link io.interp4j.api.lens.Session} (closed
 * with try-with-resources) scopes hooks and every array its calls return: run with cache, patch from
 * another run's cache, generate (greedy or seeded sampling, batched), residual decomposition and direct
 * logit attribution. It is a thin layer over {@link io.interp4j.api.model.Run} and {@link
 * io.interp4j.api.model.ForwardInput}; anything it cannot say, they can.
 *
 * @since 0.3
 */
package io.interp4j.api.lens;
