package io.interp4j.app.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.app.study.StudyResults;
import io.interp4j.app.study.StudyResults.ModelInfo;
import io.interp4j.app.study.StudyResults.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {
    static StudyResults withEveryKind() {
        StepRecord step = new StepRecord("s", "e", "d\nmulti-line", "{\"k\":[1,2]}", "f00d", Double.NaN, 0, true,
                StepResultJsonTest.everyKind(), "Spark local[2] (2 cores): 1 plan in 4 partitions, on 1 executor [driver]");
        return new StudyResults("n", "a = 1\n", Map.of("java", "17", "interp4j", "0.1"),
                new ThreadPolicy(1, "set by interp4j.threads", "unset"), -5L,
                List.of(new ModelInfo("m", null, "djl", null, Map.of("b.json", "bb", "a.json", "aa"))), List.of(step),
                "2025-01-01T00:00:00Z", Double.POSITIVE_INFINITY);
    }

    @Test
    void roundTripsEverything() {
        StudyResults results = withEveryKind();

        String json = ResultsJson.toJson(results);
        StudyResults back = ResultsJson.fromJson(json);

        StepRecord original = results.steps().get(0);
        StepRecord expectedStep = new StepRecord(original.id(), original.experiment(), original.description(), original.settings(),
                original.fingerprint(), original.seconds(), original.forwardPasses(), original.resumed(),
                StepResultJsonTest.everyKindAsRead(), original.ranOn());
        assertThat(back).isEqualTo(new StudyResults(results.name(), results.resolvedConfig(), results.versions(), results.threads(), results.seed(),
                results.models(), List.of(expectedStep), results.startedAt(), results.totalSeconds()));
        assertThat(back.totalSeconds()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(back.steps().get(0).seconds()).isNaN();
        assertThat(back.models().get(0).path()).isNull();
        assertThat(ResultsJson.toJson(back)).isEqualTo(json);
    }

    @Test
    void isStrictJsonWithSortedMapsAndTheFormatFirst() {
        String json = ResultsJson.toJson(SampleResults.study());

        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertThat(o.keySet()).containsExactly("format", "name", "startedAt", "totalSeconds", "seed", "versions", "threads", "models",
                "steps", "resolvedConfig");
        assertThat(o.get("format").getAsString()).isEqualTo(ResultsJson.FORMAT);
        assertThat(o.getAsJsonObject("versions").keySet()).containsExactly("djl", "interp4j", "java", "pytorch");
        JsonObject threads = o.getAsJsonObject("threads");
        assertThat(threads.keySet()).containsExactly("intraOp", "source", "ompWaitPolicy");
        assertThat(threads.get("intraOp").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(threads.get("intraOp").getAsInt()).isEqualTo(2);
        assertThat(threads.get("source").getAsString()).isEqualTo("physical cores");
        assertThat(threads.get("ompWaitPolicy").getAsString()).isEqualTo("PASSIVE");
        assertThat(json).contains("\"NaN\"").contains("\"Infinity\"").doesNotContain(":NaN").doesNotContain(",NaN")
                .contains("\"seed\": 42,");
        // the full hash, not the report's short one
        assertThat(json).contains("3f2a9c1d0e4b5a6978877665544332211ffeeddccbbaa99887766554433221100");
    }

    @Test
    void readsAFileAndReportsWhatIsWrong(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("results.json");
        Files.writeString(file, ResultsJson.toJson(SampleResults.study()));
        assertThat(ResultsJson.read(file).steps()).hasSize(2);

        assertThatThrownBy(() -> ResultsJson.read(dir.resolve("missing.json")))
                .isInstanceOf(Interp4jException.class).extracting(e -> ((Interp4jException) e).code()).isEqualTo(ErrorCode.IO_ERROR);
        String wrongFormat = ResultsJson.toJson(SampleResults.study()).replace(ResultsJson.FORMAT, "other/9");
        assertThatThrownBy(() -> ResultsJson.fromJson(wrongFormat)).isInstanceOf(Interp4jException.class)
                .hasMessageContaining("unsupported format 'other/9'");
        assertThatThrownBy(() -> ResultsJson.fromJson("{\"format\":\"" + ResultsJson.FORMAT + "\"}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("missing keys");
        assertThatThrownBy(() -> ResultsJson.fromJson("{\"format\":\"" + ResultsJson.FORMAT + "\",\"bogus\":1}"))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown key 'bogus'");
        assertThatThrownBy(() -> ResultsJson.fromJson("[")).isInstanceOf(Interp4jException.class);
        String json = ResultsJson.toJson(SampleResults.study());
        assertThatThrownBy(() -> ResultsJson.fromJson(json.replace("\"intraOp\": 2", "\"intraOp\": 0")))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("threads needs intraOp");
        assertThatThrownBy(() -> ResultsJson.fromJson(json.replace("\"ompWaitPolicy\"", "\"spin\"")))
                .isInstanceOf(Interp4jException.class).hasMessageContaining("unknown key 'spin' in threads");
    }
}
