/**
 * Runners of a study's forward plans outside the study's JVM: the SPI a distributed runner (the
 * class-path {@code runner-spark} module) implements, found by {@link java.util.ServiceLoader}.
 */
package io.interp4j.planner.runner;
