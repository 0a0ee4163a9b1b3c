/**
 * Hook points (TransformerLens names), hooks that read or replace activations, and activation caches.
 * Hooks are scoped to one {@link io.interp4j.api.model.Run}, never global.
 *
 * @since 0.1
 */
package io.interp4j.api.hook;
