package io.interp4j.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code interp4j tokenize} ({@link io.interp4j.app.tokenize.TokenizeCommand}) through the command line. */
class TokenizeCommandTest {
    @TempDir
    static Path dir;

    static Path model;
    static int endOfText;

    private static Cli.Result run(String... args) {
        return Cli.run(args);
    }

    @BeforeAll
    static void writeModel() {
        model = dir.resolve("tiny");
        endOfText = RandomCheckpoint.write(model, ModelConfig.of(300, 16, 32, 1, 2, 1, true), DType.F32, 1).eosTokenId().getAsInt();
    }

    @Test
    void printsEachTokensPositionIdAndQuotedString() {
        String prompt = "The cat\n<|endoftext|>";
        int[] ids;
        List<String> strings = new ArrayList<>();
        try (HfTokenizer tokenizer = HfTokenizer.load(model.resolve("tokenizer.json"))) {
            ids = tokenizer.encode(prompt);
            for (int id : ids) {
                strings.add(tokenizer.decode(new int[] {id}));
            }
        }
        // the special token written as text became the special token
        assertThat(ids[ids.length - 1]).isEqualTo(endOfText);

        Cli.Result text = run("tokenize", "--model", model.toString(), "--prompt", prompt);
        assertThat(text.code()).as(text.err()).isZero();
        List<String> lines = text.out().lines().toList();
        assertThat(lines.get(0)).matches("pos\\s+id\\s+token");
        assertThat(lines).hasSize(ids.length + 1);
        for (int p = 0; p < ids.length; p++) {
            String quoted = "\"" + strings.get(p).replace("\n", "\\n") + "\"";
            assertThat(lines.get(p + 1).split("\\s+", 3)).as(lines.get(p + 1))
                    .containsExactly(String.valueOf(p), String.valueOf(ids[p]), quoted + (p == ids.length - 1 ? "  special" : ""));
        }
        assertThat(text.err()).isEqualTo(ids.length + " tokens\n");

        Cli.Result json = run("tokenize", "--model", model.toString(), "--prompt", prompt, "--format", "json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertThat(o.getAsJsonArray("tokens").asList().stream().map(e -> e.getAsInt()).toList())
                .containsExactlyElementsOf(java.util.Arrays.stream(ids).boxed().toList());
        assertThat(o.getAsJsonArray("strings").asList().stream().map(e -> e.getAsString()).toList()).containsExactlyElementsOf(strings);
        assertThat(o.getAsJsonArray("special").asList().stream().map(e -> e.getAsInt()).toList()).containsExactly(ids.length - 1);
    }

    @Test
    void decodesGivenIds() {
        Cli.Result r = run("tokenize", "--model", model.toString(), "--tokens", "84,104," + endOfText, "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"strings\":[\"T\",\"h\",\"<|endoftext|>\"]").contains("\"special\":[2]");
    }

    @Test
    void badInputExitsWithTwoAndOneLine() {
        Cli.Result outOfRange = run("tokenize", "--model", model.toString(), "--tokens", "1,300");
        assertThat(outOfRange.code()).isEqualTo(2);
        assertThat(outOfRange.err()).isEqualTo("interp4j tokenize: token id 300 is out of range; allowed 0..299\n");
        assertThat(outOfRange.out()).isEmpty();
        Cli.Result both = run("tokenize", "--model", model.toString(), "--tokens", "1", "--prompt", "x");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give exactly one of --tokens 1,2,3 or --prompt TEXT");
        Cli.Result format = run("tokenize", "--model", model.toString(), "--prompt", "x", "--format", "yaml");
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err()).contains("--format");
        Cli.Result missing = run("tokenize", "--model", dir.resolve("nothing").toString(), "--prompt", "x");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nothing has no tokenizer.json");
    }
}
