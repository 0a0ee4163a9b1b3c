/**
 * Forward plans: forwards as values. A {@link io.interp4j.api.plan.ForwardRequest} names a model, a
 * prompt's token ids, the interventions of that forward and what to read from it (logits at chosen
 * positions, activations at hook points); a {@link io.interp4j.api.plan.ForwardPlan} is a list of
 * them. A {@link io.interp4j.api.plan.PlanExecutor} returns one
 * {@link io.interp4j.api.plan.ForwardReadout} per request, in order — one forward each (the plain
 * path), or batched, with clean prefixes run once and reused, and only the read logits unembedded
 * (the planner). Because requests are data, the same plan can be counted before it runs, and
 * distributed.
 *
 * @since 0.2
 */
package io.interp4j.api.plan;
