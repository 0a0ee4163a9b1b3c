package io.interp4j.app;

import static io.interp4j.app.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.interp4j.app.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    static Path dir;

    static Path model;


    @BeforeAll
    static void writeModel() {
        model = dir.resolve("tiny");
        Result r = run("random-model", "--out", model.toString(), "--seed", "3", "--layers", "2", "--hidden", "32",
                "--heads", "4", "--kv-heads", "2", "--vocab", "300");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(model.resolve("config.json")).exists();
        assertThat(model.resolve("model.safetensors")).exists();
        assertThat(model.resolve("tokenizer.json")).exists();
    }

    @Test
    void forwardWritesTheJsonContract() {
        Path out = dir.resolve("forward.json");
        Result r = run("forward", "--model", model.toString(), "--tokens", "5,17,250", "--cache",
                "blocks.0.hook_resid_post,blocks.1.attn.hook_pattern", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject json = parse(out);
        assertThat(json.getAsJsonArray("tokens")).hasSize(3);
        assertThat(json.getAsJsonArray("logits")).hasSize(3);
        assertThat(json.getAsJsonArray("logits").get(0).getAsJsonArray()).hasSize(300);
        JsonObject cache = json.getAsJsonObject("cache");
        assertThat(cache.keySet()).containsExactly("blocks.0.hook_resid_post", "blocks.1.attn.hook_pattern");
        assertThat(cache.getAsJsonObject("blocks.0.hook_resid_post").get("shape").toString()).isEqualTo("[1,3,32]");
        assertThat(cache.getAsJsonObject("blocks.0.hook_resid_post").getAsJsonArray("data")).hasSize(3 * 32);
        assertThat(cache.getAsJsonObject("blocks.1.attn.hook_pattern").get("shape").toString()).isEqualTo("[1,4,3,3]");
        // row 0 of a causal pattern attends only to position 0
        assertThat(cache.getAsJsonObject("blocks.1.attn.hook_pattern").getAsJsonArray("data").get(0).getAsDouble()).isEqualTo(1.0);
    }

    @Test
    void forwardFromPromptUsesTheTokenizer() {
        Path out = dir.resolve("prompt.json");
        Result r = run("forward", "--model", model.toString(), "--prompt", "The capital of France is", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject json = parse(out);
        assertThat(json.getAsJsonArray("tokens").size()).isGreaterThan(1);
    }

    @Test
    void hooksListsEveryHookPointWithItsShape() {
        Result r = run("hooks", "--model", model.toString());
        assertThat(r.code()).isZero();
        String[] lines = r.out().strip().split("\n");
        // hook_embed, 21 points in each of 2 blocks, ln_final's scale and output, hook_logits
        assertThat(lines).hasSize(1 + 2 * 21 + 3);
        assertThat(r.out()).contains("blocks.1.attn.hook_k").containsPattern("blocks\\.0\\.attn\\.hook_z\\s+\\[batch, pos, 4, 8\\]")
                .containsPattern("blocks\\.1\\.ln2\\.hook_scale\\s+\\[batch, pos, 1\\]")
                .containsPattern("ln_final\\.hook_scale\\s+\\[batch, pos, 1\\]")
                .containsPattern("blocks\\.0\\.attn\\.hook_result\\s+\\[batch, pos, 4, 32\\]");
    }

    @Test
    void generatePrintsContinuationAndSpeed() {
        Result r = run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-new-tokens", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("tok/s");
    }

    @Test
    void badInputExitsWithTwoOneLineAndNoOutput() throws IOException {
        Path out = dir.resolve("bad.json");
        String m = model.toString();
        String[][] cases = {
            {"forward", "--model", m, "--tokens", "1,2,300", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1,x", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1,2", "--prompt", "hi", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1,2", "--cache", "blocks.2.hook_resid_post", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1,2", "--cache", "blocks.0.hook_nothing", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1,2", "--engine", "tpu", "--out", out.toString()},
            {"forward", "--model", dir.resolve("missing").toString(), "--tokens", "1", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1", "--bogus", "3", "--out", out.toString()},
            {"forward", "--model", m, "--tokens", "1"},
            {"random-model", "--out", m, "--seed", "1"},
            {"random-model", "--out", dir.resolve("r").toString(), "--seed", "1", "--hidden", "30", "--heads", "4"},
            {"random-model", "--out", dir.resolve("r").toString(), "--seed", "1", "--preset", "qwen2.5-0.5b", "--layers", "3"},
            {"nonsense"},
        };
        for (String[] args : cases) {
            Result r = run(args);
            assertThat(r.code()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
            assertThat(out).doesNotExist();
        }
        assertThat(dir.resolve("r")).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("partial"));
        }
    }

    @Test
    void modelWithoutTokenizerRunsFromIdsAndRefusesText() throws IOException {
        Path bare = dir.resolve("bare");
        assertThat(run("random-model", "--out", bare.toString(), "--seed", "4", "--hidden", "16", "--heads", "2", "--vocab", "260").code()).isZero();
        Files.delete(bare.resolve("tokenizer.json"));
        Path out = dir.resolve("bare.json");
        assertThat(run("forward", "--model", bare.toString(), "--tokens", "1,2", "--out", out.toString()).code()).isZero();
        Result text = run("forward", "--model", bare.toString(), "--prompt", "hi", "--out", dir.resolve("bare2.json").toString());
        assertThat(text.code()).isEqualTo(2);
        assertThat(text.err()).contains("tokenizer.json");
        assertThat(dir.resolve("bare2.json")).doesNotExist();
    }

    @Test
    void forwardAppliesAnAdapterAndRefusesOneThatDoesNotFit() throws IOException {
        Path adapter = dir.resolve("adapter");
        TestAdapters.write(adapter, 32);
        Path plain = dir.resolve("plain.json");
        Path adapted = dir.resolve("adapted.json");
        assertThat(run("forward", "--model", model.toString(), "--tokens", "5,6,7", "--out", plain.toString()).code()).isZero();
        Result r = run("forward", "--model", model.toString(), "--adapter", adapter.toString(), "--tokens", "5,6,7", "--out", adapted.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(parse(adapted).get("logits")).isNotEqualTo(parse(plain).get("logits"));

        Path wide = dir.resolve("wide-adapter");
        TestAdapters.write(wide, 64);
        Path bad = dir.resolve("bad-adapter.json");
        Result misfit = run("forward", "--model", model.toString(), "--adapter", wide.toString(), "--tokens", "5", "--out", bad.toString());
        assertThat(misfit.code()).isEqualTo(2);
        assertThat(misfit.err()).contains("does not fit").contains("q_proj");
        Result missing = run("forward", "--model", model.toString(), "--adapter", dir.resolve("nope").toString(), "--tokens", "5", "--out", bad.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("nope");
        assertThat(bad).doesNotExist();
    }

    @Test
    void loraTrainWritesAPeftAdapterThatForwardApplies() throws IOException {
        Path data = dir.resolve("train.jsonl");
        Files.writeString(data, """
                {"id": "a", "family": "json_schema", "prompt": "Bob is 32.\\n", "target": "{\\"name\\": \\"Bob\\"}"}
                {"id": "b", "family": "json_schema", "prompt": "Ann is 29.\\n", "target": "{\\"name\\": \\"Ann\\"}"}
                """);
        Path adapter = dir.resolve("trained");
        Result r = run("lora", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString(),
                "--steps", "6", "--lr", "1e-2", "--grad-accum", "1", "--batch-size", "2", "--checkpoints", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("step 6/6");
        assertThat(adapter.resolve("adapter_model.safetensors")).exists();
        assertThat(adapter.resolve("checkpoint-3").resolve("adapter_config.json")).exists();
        JsonObject training = parse(adapter.resolve("training.json"));
        assertThat(training.getAsJsonArray("loss")).hasSize(6);
        Path out = dir.resolve("trained.json");
        assertThat(run("forward", "--model", model.toString(), "--adapter", adapter.toString(), "--tokens", "1,2", "--out", out.toString())
                .code()).isZero();

        Result again = run("lora", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("exists");
    }

    @Test
    void toyTrainWritesAModelAndAManifestWithHeldOutAccuracyPerFamily() {
        Path toy = dir.resolve("toy");
        Result r = run("toy", "train", "--preset", "toy-s", "--out", toy.toString(), "--steps", "4", "--train-per-family", "4",
                "--test-per-family", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(toy.resolve("model.safetensors")).exists();
        assertThat(toy.resolve("tokenizer.json")).exists();
        JsonObject manifest = parse(toy.resolve("manifest.json"));
        assertThat(manifest.get("preset").getAsString()).isEqualTo("toy-s");
        assertThat(manifest.get("steps").getAsInt()).isEqualTo(4);
        assertThat(manifest.get("threads").getAsInt()).isEqualTo(1);
        assertThat(manifest.getAsJsonObject("accuracy").keySet()).hasSize(12).contains("factual_recall", "arithmetic", "copying", "json_schema");
        assertThat(run("hooks", "--model", toy.toString()).code()).isZero();

        // toy evaluate measures the same data as train did: the manifest's figures, one line per family
        Result heldOut = run("toy", "evaluate", "--model", toy.toString(), "--train-per-family", "4", "--test-per-family", "2");
        Result both = run("toy", "evaluate", "--model", toy.toString(), "--train-per-family", "4", "--test-per-family", "2", "--train");
        assertThat(heldOut.code()).as(heldOut.err()).isZero();
        assertThat(both.code()).as(both.err()).isZero();
        StringBuilder expectHeldOut = new StringBuilder();
        StringBuilder expectBoth = new StringBuilder();
        manifest.getAsJsonObject("accuracy").entrySet().forEach(e -> {
            double train = e.getValue().getAsJsonObject().get("train_exact_match").getAsDouble();
            double test = e.getValue().getAsJsonObject().get("held_out_exact_match").getAsDouble();
            expectHeldOut.append(String.format(java.util.Locale.ROOT, "  %-24s held-out %5.1f%%%n", e.getKey(), 100 * test));
            expectBoth.append(String.format(java.util.Locale.ROOT, "  %-24s train %5.1f%%  held-out %5.1f%%%n", e.getKey(), 100 * train, 100 * test));
        });
        assertThat(heldOut.out()).isEqualTo(expectHeldOut.toString());
        assertThat(both.out()).isEqualTo(expectBoth.toString());
    }

    @Test
    void toyTrainRejectsALearningRateThatIsNotANumber() {
        Path toy = dir.resolve("toy-bad");
        Result r = run("toy", "train", "--preset", "toy-s", "--out", toy.toString(), "--lr", "fast");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--lr must be a number, found 'fast'");
        assertThat(toy).doesNotExist();
    }

    private static JsonObject parse(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
