package io.interp4j.app;

import static io.interp4j.app.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.app.Cli.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line itself (picocli): help per command, suggestions for misspelt options and commands,
 * typed values, exit codes, and the bash completion script.
 */
class CommandLineTest {
    /** Every command with the options README's command table documents for it. */
    private static final Map<String, List<String>> DOCUMENTED = new LinkedHashMap<>();

    static {
        DOCUMENTED.put("random-model", List.of("--out", "--seed", "--layers", "--hidden", "--heads", "--kv-heads", "--intermediate", "--vocab",
                "--tied", "--dtype", "--preset", "--tokenizer", "--eos"));
        DOCUMENTED.put("forward", List.of("--model", "--adapter", "--quantization", "--engine", "--tokens", "--prompt", "--cache", "--out"));
        DOCUMENTED.put("hooks", List.of("--model"));
        DOCUMENTED.put("tokenize", List.of("--model", "--prompt", "--tokens", "--format"));
        DOCUMENTED.put("generate", List.of("--model", "--adapter", "--quantization", "--engine", "--prompt", "--tokens", "--max-new-tokens"));
        DOCUMENTED.put("bench forward", List.of("--model", "--tokens", "--decode", "--engine", "--quantization", "--repeats", "--cache"));
        DOCUMENTED.put("bench engines", List.of("--model", "--tokens", "--decode", "--repeats", "--engines", "--weights"));
        DOCUMENTED.put("plugins", List.of());
        DOCUMENTED.put("study", List.of("FILE.conf", "--out", "--dry-run", "--no-estimate", "--runner", "--master", "--partitions"));
        DOCUMENTED.put("bench plan", List.of("--model", "--suite", "--engine", "--prompts", "--sample", "--repeats", "--batch-tokens"));
        DOCUMENTED.put("lora train", List.of("--model", "--data", "--out", "--rank", "--alpha", "--dropout", "--targets", "--lr",
                "--weight-decay", "--warmup", "--steps", "--batch-size", "--grad-accum", "--max-grad-norm", "--seed", "--checkpoints",
                "--engine"));
        DOCUMENTED.put("toy train", List.of("--preset", "--out", "--seed", "--steps", "--lr", "--threads", "--train-per-family",
                "--test-per-family"));
        DOCUMENTED.put("toy evaluate", List.of("--model", "--seed", "--train-per-family", "--test-per-family", "--train"));
        DOCUMENTED.put("toy suites", List.of("--out", "--seed"));
        DOCUMENTED.put("bench lora", List.of("--model", "--tokens", "--steps", "--engine"));
    }

    @TempDir
    Path dir;

    @Test
    void everyCommandsHelpExitsZeroAndListsItsOptions() {
        for (Map.Entry<String, List<String>> command : DOCUMENTED.entrySet()) {
            List<String> words = List.of(command.getKey().split(" "));
            for (String help : List.of("--help", "-h")) {
                String[] args = java.util.stream.Stream.concat(words.stream(), java.util.stream.Stream.of(help)).toArray(String[]::new);
                Result r = run(args);
                assertThat(r.code()).as(String.join(" ", args) + " -> " + r.err()).isZero();
                assertThat(r.err()).as(String.join(" ", args)).isEmpty();
                assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: interp4j " + command.getKey() + " ").contains("--help");
                for (String option : command.getValue()) {
                    assertThat(r.out()).as(String.join(" ", args)).contains(option);
                }
            }
        }
    }

    @Test
    void theTopLevelHelpListsEveryCommandAndNoCommandIsAUsageError() {
        Result help = run("--help");
        assertThat(help.code()).isZero();
        for (String command : List.of("random-model", "forward", "hooks", "tokenize", "generate", "bench", "plugins", "study", "lora", "toy",
                "completion", "help")) {
            assertThat(help.out()).containsPattern("(?m)^ +" + command + " ");
        }
        assertThat(help.out()).contains("--plugin-path");
        assertThat(run("help").code()).isZero();
        Result helpForward = run("help", "forward");
        assertThat(helpForward.code()).isZero();
        assertThat(helpForward.out()).startsWith("Usage: interp4j forward ");

        Result none = run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).startsWith("Usage: interp4j ").contains("forward");
    }

    @Test
    void aMisspeltOptionExitsTwoNamingItAndSuggestingTheNearOne() {
        Result r = run("forward", "--modle", "m", "--tokens", "1", "--out", dir.resolve("f.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("interp4j forward: unknown option '--modle'; did you mean --model? allowed: ")
                .contains("--prompt").contains("--quantization");
        assertThat(dir.resolve("f.json")).doesNotExist();

        Result nested = run("bench", "forward", "--model", "m", "--repeat", "3");
        assertThat(nested.code()).isEqualTo(2);
        assertThat(nested.err()).startsWith("interp4j bench forward: unknown option '--repeat'; did you mean --repeats?");
    }

    @Test
    void aMisspeltCommandExitsTwoListingTheCommands() {
        Result r = run("forwrad", "--model", "m");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("interp4j: unknown command 'forwrad'; did you mean forward")
                .contains("available: random-model, forward, hooks, tokenize, generate, bench, plugins, study, lora, toy, completion, help\n");

        Result bench = run("bench");
        assertThat(bench.code()).isEqualTo(2);
        assertThat(bench.err()).isEqualTo("interp4j bench: name a subcommand; available: forward, engines, lora, plan\n");
        Result benchTypo = run("bench", "forwrd");
        assertThat(benchTypo.code()).isEqualTo(2);
        assertThat(benchTypo.err()).startsWith("interp4j bench: unknown command 'forwrd'; did you mean forward");
    }

    @Test
    void aBadTypedValueExitsTwoNamingTheOptionAndWhatWasFound() {
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("bench", "forward", "--model", "m", "--repeats", "x"), "interp4j bench forward: --repeats must be an integer, found 'x'");
        cases.put(List.of("bench", "forward", "--model", "m", "--repeats", "0"), "interp4j bench forward: --repeats must be in [1, 1000], found 0");
        cases.put(List.of("bench", "engines", "--model", "m", "--weights", "q8,q3"),
                "interp4j bench engines: --weights must be one of none, int8, nf4, q8, q4, llm-int8, found 'q3'");
        cases.put(List.of("forward", "--model", "m", "--tokens", "1,x", "--out", "o.json"), "interp4j forward: --tokens must be an integer, found 'x'");
        cases.put(List.of("lora", "train", "--model", "m", "--data", "d", "--out", "o", "--alpha", "big"),
                "interp4j lora train: --alpha must be a number, found 'big'");
        cases.put(List.of("lora", "train", "--model", "m", "--data", "d", "--out", "o", "--checkpoints", "10,x"),
                "interp4j lora train: --checkpoints must be an integer, found 'x'");
        cases.put(List.of("random-model", "--out", "o", "--seed", "1", "--tied", "yes"), "interp4j random-model: --tied must be true or false, found 'yes'");
        cases.put(List.of("random-model", "--out", "o", "--seed", "s"), "interp4j random-model: --seed must be an integer, found 's'");
        cases.put(List.of("generate", "--model", "m", "--prompt", "p", "--max-new-tokens", "0"),
                "interp4j generate: --max-new-tokens must be in [1, 1000000], found 0");
        cases.put(List.of("forward", "--model", "m", "--quantization", "int4", "--tokens", "1", "--out", "o.json"),
                "interp4j forward: --quantization must be one of none, int8, nf4, q8, q4, llm-int8, found 'int4'");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            Result r = run(c.getKey().toArray(String[]::new));
            assertThat(r.code()).as(c.getKey() + " -> " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(c.getKey().toString()).isEqualTo(c.getValue() + "\n");
        }
    }

    @Test
    void aMissingOrRepeatedOptionExitsTwoNamingIt() {
        Result missing = run("forward", "--tokens", "1");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith("interp4j forward: Missing required options: ").contains("--model").contains("--out");
        Result twice = run("hooks", "--model", "a", "--model", "b");
        assertThat(twice.code()).isEqualTo(2);
        assertThat(twice.err()).startsWith("interp4j hooks: ").contains("--model").contains("should be specified only once");
        Result stray = run("hooks", "--model", "a", "extra");
        assertThat(stray.code()).isEqualTo(2);
        assertThat(stray.err()).startsWith("interp4j hooks: unexpected argument 'extra'");
        Result noStudy = run("study", "--dry-run");
        assertThat(noStudy.code()).isEqualTo(2);
        assertThat(noStudy.err()).startsWith("interp4j study: Missing required parameter: 'FILE.conf'");
    }

    @Test
    void completionPrintsABashScriptThatCompletesCommandsAndOptions() throws IOException, InterruptedException {
        Result r = run("completion");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_interp4j");
        Path script = Files.writeString(dir.resolve("interp4j-completion.bash"), r.out());
        assertThat(complete(script, "interp4j", "fo")).isEqualTo("forward");
        assertThat(complete(script, "interp4j", "forward", "--mo")).isEqualTo("--model");
        assertThat(complete(script, "interp4j", "bench", "forward", "--rep")).isEqualTo("--repeats");
        assertThat(complete(script, "interp4j", "toy", "s")).isEqualTo("suites");
    }

    /** What bash completes the last word to, with the script sourced, as it would on TAB. */
    private String complete(Path script, String... words) throws IOException, InterruptedException {
        String line = String.join(" ", words);
        String bash = "source '" + script + "'; COMP_WORDS=(" + line + "); COMP_CWORD=" + (words.length - 1) + "; COMP_LINE='" + line
                + "'; COMP_POINT=" + line.length() + "; _complete_interp4j; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process process = new ProcessBuilder("bash", "-c", bash).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
