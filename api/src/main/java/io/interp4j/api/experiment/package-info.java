/**
 * Experiments: the steps of a study. An {@link io.interp4j.api.experiment.Experiment} validates its
 * settings against the study's models and suites before anything runs, says how many forward passes
 * it needs, and returns tables and charts that the report renders.
 *
 * @since 0.1
 */
package io.interp4j.api.experiment;
