package io.interp4j.interventions.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The base of test classes that run the tiny models: written once per class into its temporary directory. */
public abstract class TinyModelTest {
    /** The class's temporary directory. */
    @TempDir
    protected static Path dir;

    /** The class's models. */
    protected static TinyModels models;

    @BeforeAll
    static void writeModels() {
        models = TinyModels.write(dir);
    }

    @AfterAll
    static void closeModels() {
        models.close();
    }
}
