/**
 * Forward plans: forwards as values. A {@link io.interp4j.api.plan.ForwardRequest} names a model, a
 * prompt's token ids, the interventions of that forward and what to read from it (logits at chosen
 * positions, activations at hook points); a {@link io.interp4j.api.plan.ForwardPlan} is a list of
 * them. A {@link io.interp4j.api.plan.PlanExecutor} produces one
 * {@link io.interp4j.api.plan.ForwardReadout} per request — one forward each (the plain path), or
 * batched, with clean prefixes run once and reused, and only the read logits unembedded (the planner)
 * — and hands each to a {@link io.interp4j.api.plan.ReadoutSink} as it is ready, so that a plan larger
 * than memory streams past ({@link io.interp4j.api.plan.ReadoutPairs} reads requests against a
 * reference request, such as an ablation against its prompt's clean forward). Because requests are data, the same plan can be counted before it runs, and
 * distributed.
 *
 * @since 0.2
 */
package io.interp4j.api.plan;
