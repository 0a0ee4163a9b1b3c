package io.interp4j.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.interp4j.api.tokenizer.ByteLevelBpe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code random-model --tokenizer}: the config records the given tokenizer's eos token. */
class RandomModelTokenizerTest {
    @TempDir
    Path dir;

    @Test
    void theConfigRecordsTheGivenTokenizersEosAndGenerationRuns() throws IOException {
        Path file = Files.writeString(dir.resolve("other-tokenizer.json"), ByteLevelBpe.train(280).toJson());
        Path model = dir.resolve("m");
        Cli.Result r = Cli.run("random-model", "--out", model.toString(), "--seed", "2", "--hidden", "16", "--heads", "2",
                "--vocab", "300", "--tokenizer", file.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("vocab 300, eos 279,");
        assertThat(JsonParser.parseString(Files.readString(model.resolve("config.json"))).getAsJsonObject().get("eos_token_id").getAsInt())
                .isEqualTo(279);
        Cli.Result generate = Cli.run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-new-tokens", "2");
        assertThat(generate.code()).as(generate.err()).isZero();
    }

    @Test
    void anEosThatIsNoSpecialTokenIsRefusedAndNothingIsWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("other-tokenizer.json"), ByteLevelBpe.train(280).toJson());
        Path model = dir.resolve("m");
        Cli.Result r = Cli.run("random-model", "--out", model.toString(), "--seed", "2", "--tokenizer", file.toString(),
                "--eos", "<|im_end|>");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("interp4j random-model: " + file + ": '<|im_end|>' is not a special token of this tokenizer, so it"
                + " cannot end generation; its special tokens: <|endoftext|> = 279\n");
        assertThat(model).doesNotExist();
        Cli.Result eosAlone = Cli.run("random-model", "--out", model.toString(), "--seed", "2", "--eos", "<|endoftext|>");
        assertThat(eosAlone.code()).isEqualTo(2);
        assertThat(eosAlone.err()).contains("give --tokenizer too");
    }
}
