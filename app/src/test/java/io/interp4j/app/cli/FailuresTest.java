package io.interp4j.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailuresTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void severalProblemsAreOneLineEachThenTheirCount() {
        int code = Failures.print("interp4j lora train", new Interp4jException(List.of(new Problem("a.b", "found 1; allowed: 2"),
                new Problem("c[0]", "unknown key\n  on two lines"))), err);
        assertThat(code).isEqualTo(2);
        assertThat(printed()).isEqualTo("""
                  a.b: found 1; allowed: 2
                  c[0]: unknown key; on two lines
                interp4j lora train: 2 problems (listed above)
                """);
    }

    @Test
    void oneProblemIsOneLineAndKeepsItsExitCode() {
        int code = Failures.print("interp4j forward", new Interp4jException(ErrorCode.IO_ERROR, new Problem("--model", "cannot read x"),
                new IOException("x")), err);
        assertThat(code).isEqualTo(1);
        assertThat(printed()).isEqualTo("interp4j forward: --model: cannot read x\n");
    }

    @Test
    void anotherFailureIsOneLineOrAnInternalError() {
        assertThat(Failures.print("interp4j hooks", new Interp4jException(ErrorCode.INVALID_CHECKPOINT, "m: 2 problems:\n  a\n  b"), err))
                .isEqualTo(2);
        assertThat(printed()).isEqualTo("interp4j hooks: m: 2 problems:; a; b\n");
        bytes.reset();
        assertThat(Failures.print("interp4j hooks", new IllegalStateException("bug"), err)).isEqualTo(1);
        assertThat(printed()).startsWith("interp4j hooks: internal error: java.lang.IllegalStateException: bug\n");
    }
}
