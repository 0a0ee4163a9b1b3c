/**
 * Models and engines: the architecture config read from {@code config.json}, the {@link
 * io.interp4j.api.model.Model} a backend loads, the scoped {@link io.interp4j.api.model.Run} that
 * carries hooks and caches, and the {@link io.interp4j.api.model.EngineProvider} SPI.
 *
 * @since 0.1
 */
package io.interp4j.api.model;
