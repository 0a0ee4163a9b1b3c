/**
 * Probes: read-only measurements over prompt sets (activation caches, logit lens, attention patterns,
 * activation statistics, directions, adapter norms). A probe never changes the forward pass.
 *
 * @since 0.1
 */
package io.interp4j.api.probe;
