package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden test of the atlas: one reduced atlas run ({@link GoldenAtlas}), then, for each of its
 * fourteen rows, every number of the row's atlas table recomputed in the test without the plugin's
 * code ({@link GoldenRow}), and no number left unchecked ({@link Ledger#assertAllVerified()}).
 */
class AtlasGoldenTest {
    @TempDir
    static Path dir;

    private static GoldenAtlas atlas;

    @BeforeAll
    static void runTheReducedAtlas() {
        atlas = new GoldenAtlas(dir);
    }

    @AfterAll
    static void close() {
        atlas.study().close();
    }

    @TestFactory
    Stream<DynamicTest> everyAtlasNumberMatchesAnIndependentComputation() {
        return GoldenAtlas.STEPS.stream().map(id -> DynamicTest.dynamicTest(id, () -> {
            GoldenRow row = atlas.goldenRow(id).orElseThrow(() -> new AssertionError(id + ": no golden row"));
            Ledger ledger = new Ledger(id, atlas.result(id));
            row.check(atlas, ledger);
            ledger.assertAllVerified();
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyStepReportsBothProtocolsForBothModels() {
        return GoldenAtlas.STEPS.stream().filter(id -> atlas.goldenRow(id).isPresent()).map(id -> DynamicTest.dynamicTest(id, () -> {
            Ledger ledger = new Ledger(id, atlas.result(id));
            for (String model : GoldenAtlas.MODELS) {
                assertThat(ledger.cells()).as(id + " / " + model).anyMatch(c -> c.model().equals(model));
            }
            if (!id.equals("architecture")) {
                assertThat(ledger.cells()).as(id).anyMatch(c -> !c.protocol().equals("corrected"))
                        .anyMatch(c -> !c.protocol().equals("published"));
            }
        }));
    }
}
