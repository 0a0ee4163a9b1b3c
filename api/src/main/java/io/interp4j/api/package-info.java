/**
 * Cross-cutting api types: the one unchecked exception with its error codes, and the stability
 * markers every public api type carries.
 *
 * @since 0.1
 */
package io.interp4j.api;
