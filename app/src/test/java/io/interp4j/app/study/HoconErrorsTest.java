package io.interp4j.app.study;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HoconErrorsTest {
    @Test
    void bracketsInStringsAndCommentsDoNotCount() {
        assertThat(HoconErrors.unpaired("a { b = \"}\", c = \"\"\"]\n{\"\"\" # }\n // ]\n d = [1, 2] }\n")).isEmpty();
        assertThat(HoconErrors.unpaired("a = \"x\\\"}\"\n")).isEmpty();
    }

    @Test
    void namesTheBracketThatIsWrong() {
        assertThat(HoconErrors.unpaired("a {\n  b = [1, 2}\n}\n")).contains("line 2: '}' where the '[' opened on line 2 needs its ']' first");
        assertThat(HoconErrors.unpaired("a = 1\n}\n")).contains("line 2: '}' closes nothing: no '{' is open here");
        assertThat(HoconErrors.unpaired("a {\n  b {\n    c = 1\n}\n")).contains(
                "line 2: '{' is never closed (the '}' on line 4 is indented for an outer one); the file ends with one '{' open");
        assertThat(HoconErrors.unpaired("a {\n  b = [\n")).contains("line 2: '[' is never closed; the file ends with 2 braces or brackets open");
    }
}
