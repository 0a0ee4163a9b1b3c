package io.interp4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreadPolicyTest {
    /** One socket, two cores with two hyper-threads each: processors 0/2 and 1/3 share a core. */
    static final String HYPERTHREADED = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            physical id\t: 0
            siblings\t: 4
            core id\t\t: 0
            cpu cores\t: 2

            processor\t: 1
            physical id\t: 0
            core id\t\t: 1

            processor\t: 2
            physical id\t: 0
            core id\t\t: 0

            processor\t: 3
            physical id\t: 0
            core id\t\t: 1
            """;

    @Test
    void countsDistinctCoresOfCpuinfo() {
        assertThat(ThreadPolicy.physicalCoresFromCpuinfo(HYPERTHREADED)).hasValue(2);
        // two sockets reuse core ids: (0,0) and (1,0) are different cores
        String twoSockets = """
                processor : 0
                physical id : 0
                core id : 0

                processor : 1
                physical id : 1
                core id : 0
                """;
        assertThat(ThreadPolicy.physicalCoresFromCpuinfo(twoSockets)).hasValue(2);
    }

    @Test
    void cpuinfoWithoutCoreIdsGivesNothing() {
        // arm64 and some virtual machines list processors without the topology fields
        assertThat(ThreadPolicy.physicalCoresFromCpuinfo("processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\n")).isEmpty();
        assertThat(ThreadPolicy.physicalCoresFromCpuinfo("")).isEmpty();
        // a block with only one of the two ids does not count
        assertThat(ThreadPolicy.physicalCoresFromCpuinfo("processor : 0\ncore id : 0\n")).isEmpty();
    }

    @Test
    void countsDistinctCoresOfOnlineSysfsCpus(@TempDir Path dir) throws IOException {
        cpu(dir, "cpu0", "0", "0", null);
        cpu(dir, "cpu1", "0", "1", "1");
        cpu(dir, "cpu2", "0", "0", "1"); // hyper-thread of cpu0
        cpu(dir, "cpu3", "0", "2", "0"); // offline: not counted
        cpu(dir, "cpu4", "1", "0", "1"); // second package, same core id
        Files.createDirectories(dir.resolve("cpufreq"));
        Files.writeString(dir.resolve("online"), "0-2,4\n");

        assertThat(ThreadPolicy.physicalCores(dir)).hasValue(3);
        assertThat(ThreadPolicy.physicalCores(dir.resolve("missing"))).isEmpty();
        assertThat(ThreadPolicy.physicalCores(dir.resolve("cpufreq"))).isEmpty();
    }

    @Test
    void defaultsToPhysicalCoresCappedByAvailableProcessors() {
        ThreadPolicy policy = ThreadPolicy.decide("interp4j.threads", null, OptionalInt.of(2), 4, "PASSIVE");
        assertThat(policy).isEqualTo(new ThreadPolicy(2, "physical cores", "PASSIVE"));

        // a container limited to fewer processors than the host has cores
        assertThat(ThreadPolicy.decide("interp4j.threads", " ", OptionalInt.of(64), 4, "unset").intraOp()).isEqualTo(4);
        assertThat(ThreadPolicy.decide("interp4j.threads", null, OptionalInt.of(64), 4, "unset").source())
                .contains("available processors").contains("64");
        assertThat(ThreadPolicy.decide("interp4j.threads", null, OptionalInt.empty(), 3, "unset"))
                .isEqualTo(new ThreadPolicy(3, "available processors (core topology unknown)", "unset"));
    }

    @Test
    void anExplicitSettingWinsEvenAboveTheCores() {
        assertThat(ThreadPolicy.decide("INTERP4J_THREADS", "1", OptionalInt.of(2), 2, "unset"))
                .isEqualTo(new ThreadPolicy(1, "set by INTERP4J_THREADS", "unset"));
        assertThat(ThreadPolicy.decide("interp4j.threads", " 8 ", OptionalInt.of(2), 2, "unset").intraOp()).isEqualTo(8);
    }

    @Test
    void rejectsASettingThatIsNotAPositiveWholeNumber() {
        for (String bad : new String[] {"0", "-1", "two", "1.5"}) {
            assertThatThrownBy(() -> ThreadPolicy.decide("interp4j.threads", bad, OptionalInt.of(2), 2, "unset"))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("interp4j.threads").hasMessageContaining("'" + bad + "'")
                    .extracting(e -> ((Interp4jException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
    }

    @Test
    void currentReadsThisMachine() {
        ThreadPolicy policy = ThreadPolicy.current();
        // this test JVM does not set the property; the count is at most the processors it may use unless set
        if (System.getProperty(ThreadPolicy.PROPERTY) == null && System.getenv(ThreadPolicy.ENV) == null) {
            assertThat(policy.intraOp()).isBetween(1, Runtime.getRuntime().availableProcessors());
        }
        assertThat(policy.ompWaitPolicy()).isEqualTo(System.getenv().getOrDefault(ThreadPolicy.WAIT_POLICY, "unset"));
    }

    private static void cpu(Path root, String name, String pkg, String core, String online) throws IOException {
        Path topology = Files.createDirectories(root.resolve(name).resolve("topology"));
        Files.writeString(topology.resolve("physical_package_id"), pkg + "\n");
        Files.writeString(topology.resolve("core_id"), core + "\n");
        if (online != null) {
            Files.writeString(root.resolve(name).resolve("online"), online + "\n");
        }
    }
}
