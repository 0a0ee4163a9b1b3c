/**
 * What every plugin kind shares: the factory shape ({@code id()} plus {@code create(settings)}), the
 * kinds, strict settings resolution against each plugin's {@code reference.conf}, and {@link
 * io.interp4j.api.plugin.TensorData}, the plain-Java tensor that plugin results carry.
 *
 * @since 0.1
 */
package io.interp4j.api.plugin;
