/**
 * Task suites: prompts grouped in families, with targets, optional corrupt prompts and wrong
 * targets, read from JSON or JSONL files or taken from the built-in suites by name.
 *
 * @since 0.1
 */
package io.interp4j.api.task;
