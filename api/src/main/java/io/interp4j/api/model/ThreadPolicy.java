package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Internal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How many threads an engine gives one operator (intra-op parallelism), decided in this one place for
 * every engine.
 *
 * <p>The count is {@value #PROPERTY} (system property) or, when that is absent, {@value #ENV}
 * (environment variable); without either it is the number of physical cores, and never more than the
 * processors this process may use. Extra threads on hyper-threads or on cores another process is using
 * only contend: under contention a matmul split over more threads than there are free cores waits for
 * its slowest part. An explicit setting is used as given, above the core count too.
 *
 * <p>PyTorch's OpenMP workers also spin after each parallel region unless {@value #WAIT_POLICY} is
 * {@code PASSIVE}. The OpenMP library reads that variable when it loads, so only the launcher can set
 * it (the {@code interp4j} script does); this record reports what the process was started with.
 *
 * @param intraOp threads per operator, at least 1
 * @param source how the count was chosen, for humans (for example {@code "physical cores"})
 * @param ompWaitPolicy the value of {@value #WAIT_POLICY} in this process's environment, {@code "unset"} when absent
 * @since 0.1
 */
@Internal
public record ThreadPolicy(int intraOp, String source, String ompWaitPolicy) {
    /** The system property that sets the count. */
    public static final String PROPERTY = "interp4j.threads";
    /** The environment variable that sets the count when the system property is absent. */
    public static final String ENV = "INTERP4J_THREADS";
    /** The OpenMP environment variable that decides whether idle workers spin. */
    public static final String WAIT_POLICY = "OMP_WAIT_POLICY";

    private static final Pattern CPU_DIRECTORY = Pattern.compile("cpu[0-9]+");

    /** Checks the fields. */
    public ThreadPolicy {
        if (intraOp < 1) {
            throw new IllegalArgumentException("intraOp must be at least 1: " + intraOp);
        }
        requireNonNull(source, "source is null");
        requireNonNull(ompWaitPolicy, "ompWaitPolicy is null");
    }

    /**
     * Returns the policy of this process: its settings, its CPU topology and its environment.
     *
     * @return the policy
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when a setting is not a positive whole number
     */
    public static ThreadPolicy current() {
        String property = System.getProperty(PROPERTY);
        String env = System.getenv(ENV);
        String setting = property != null ? property : env;
        String settingName = property != null ? PROPERTY : ENV;
        OptionalInt cores = physicalCores(Path.of("/sys/devices/system/cpu"));
        if (cores.isEmpty()) {
            cores = physicalCoresFromCpuinfo(readOrEmpty(Path.of("/proc/cpuinfo")));
        }
        String waitPolicy = System.getenv(WAIT_POLICY);
        return decide(settingName, setting, cores, Runtime.getRuntime().availableProcessors(), waitPolicy == null ? "unset" : waitPolicy);
    }

    /**
     * Decides the count from its inputs.
     *
     * @param settingName the name of the setting, for messages and {@link #source()}
     * @param setting the setting's value, or {@code null} (or blank) when it is not set
     * @param physicalCores the physical cores of the machine, when known
     * @param availableProcessors the processors this process may use ({@link Runtime#availableProcessors()})
     * @param ompWaitPolicy what to record as {@link #ompWaitPolicy()}
     * @return the policy
     * @throws Interp4jException ({@link ErrorCode#INVALID_ARGUMENT}) when the setting is not a positive whole number
     */
    public static ThreadPolicy decide(String settingName, String setting, OptionalInt physicalCores, int availableProcessors,
            String ompWaitPolicy) {
        if (setting != null && !setting.isBlank()) {
            int threads;
            try {
                threads = Integer.parseInt(setting.strip());
            } catch (NumberFormatException e) {
                threads = 0;
            }
            if (threads < 1) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, settingName + ": expected a positive whole number of threads, found '"
                        + setting + "'");
            }
            return new ThreadPolicy(threads, "set by " + settingName, ompWaitPolicy);
        }
        int available = Math.max(1, availableProcessors);
        if (physicalCores.isEmpty()) {
            return new ThreadPolicy(available, "available processors (core topology unknown)", ompWaitPolicy);
        }
        int cores = physicalCores.getAsInt();
        return cores <= available
                ? new ThreadPolicy(cores, "physical cores", ompWaitPolicy)
                : new ThreadPolicy(available, "available processors (fewer than the " + cores + " physical cores)", ompWaitPolicy);
    }

    /**
     * Counts the physical cores that Linux's sysfs lists: distinct (package, core) pairs of the online CPUs.
     *
     * @param cpuDirectory {@code /sys/devices/system/cpu} or a copy of it
     * @return the count, or empty when the directory holds no readable topology
     */
    public static OptionalInt physicalCores(Path cpuDirectory) {
        if (!Files.isDirectory(cpuDirectory)) {
            return OptionalInt.empty();
        }
        Set<String> cores = new HashSet<>();
        try (Stream<Path> cpus = Files.list(cpuDirectory)) {
            for (Path cpu : (Iterable<Path>) cpus::iterator) {
                if (!CPU_DIRECTORY.matcher(cpu.getFileName().toString()).matches() || "0".equals(readOrEmpty(cpu.resolve("online")))) {
                    continue;
                }
                String core = readOrEmpty(cpu.resolve("topology/core_id"));
                String pkg = readOrEmpty(cpu.resolve("topology/physical_package_id"));
                if (!core.isEmpty() && !pkg.isEmpty()) {
                    cores.add(pkg + ":" + core);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
        return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
    }

    /**
     * Counts the physical cores that {@code /proc/cpuinfo} lists: distinct ({@code physical id},
     * {@code core id}) pairs, one per processor block.
     *
     * @param cpuinfo the text of {@code /proc/cpuinfo}
     * @return the count, or empty when no processor block names both ids (as on some virtual machines and non-x86 CPUs)
     */
    public static OptionalInt physicalCoresFromCpuinfo(String cpuinfo) {
        Set<String> cores = new HashSet<>();
        for (String block : cpuinfo.split("\\n\\s*\\n")) {
            String pkg = null;
            String core = null;
            for (String line : block.split("\\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                if (key.equals("physical id")) {
                    pkg = value;
                } else if (key.equals("core id")) {
                    core = value;
                }
            }
            if (pkg != null && core != null) {
                cores.add(pkg + ":" + core);
            }
        }
        return cores.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cores.size());
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
