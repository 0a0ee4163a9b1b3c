package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.testkit.ReferenceQwen2;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Vibe check: for each model and variant ({@code none}, {@code llm-int8}, {@code nf4}) the checkpoint is
 * loaded outside the study with that quantisation ({@link LoadOptions}, no adapter) and every
 * {@code generation} prompt is decoded greedily by hand: one full forward of the whole sequence per new
 * token (no KV cache), the first largest logit, stopping after end-of-text or {@code max-new-tokens}.
 * {@code llm-int8} is decoded by the double-precision reference instead of the engine
 * ({@code Independent.llmInt8Generation}: the weights quantised by hand, each projection's input
 * quantised as the step's KV-cache generation multiplies it, the prompt's rows together and each new
 * row alone; a full engine forward would choose outlier columns over the whole sequence at once).
 * The decoded text (without end-of-text), its token count and whether it stopped must be what the
 * step wrote to its {@code generations.jsonl}; the text is then scored by rules written out again here
 * from the task metadata {@code constraint} (corrected): sentences, non-blank lines, bullet lines, json-only,
 * max-chars; by the seed's keyword rules found in the prompt text (published): a number (digits or one..ten)
 * followed by the word sentence(s), line(s) or bullet(s), "json only", "280 char" checked as at most 500
 * characters; and the repetition ratio 1 − unique / total lower-cased word bigrams (0 for at most 10
 * words). Published
 * adherence is the mean over all prompts (those with no recognised rule score 0), corrected the mean over the
 * constrained prompts, whose interval must hold it. The quantisation error is recomputed from the
 * checkpoint's float weights in plain Java: every block projection weight quantised and dequantised
 * here (llm-int8: per row, absmax of the row, codes round(w · 127 / absmax), times absmax / 127;
 * NF4: the row-major weight in blocks of 64, each value the nearest of the 16 NF4 levels to
 * value / absmax, ties to the lower level), then RMS error / RMS weight and the largest |error| over
 * all of them. Tokens per second are not atlas cells (they stay in the timings table).
 */
public final class VibeCheckGolden implements GoldenRow {
    /**
     * The most new tokens per generation: small, for a short run, yet enough that some generations of
     * the tiny models stop at end-of-text and one variant's {@code lines=1} answer fails where another's
     * holds (at 8 none stops and every variant scores alike).
     */
    private static final int MAX_NEW = 16;
    private static final List<Quantization> VARIANTS = List.of(Quantization.NONE, Quantization.LLM_INT8, Quantization.NF4);
    /** A generation is repetitive above this ratio (the seed's threshold). */
    private static final double REPETITIVE_ABOVE = 0.3;
    /** The smallest lead of the chosen token's logit over the runner-up: no near-tie may decide a generation. */
    private static final double MARGIN = 1e-4;
    private static final int BLOCK = 64;
    /** bitsandbytes' NF4 levels. */
    private static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f
    };

    @Override
    public String settings() {
        return "max-new-tokens = " + MAX_NEW;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        List<Task> tasks = atlas.suite("generation").tasks().stream().filter(t -> t.family().equals("generation")).toList();
        List<Config> written = generationsFile(atlas);
        assertThat(written).as("generations.jsonl lines").hasSize(GoldenAtlas.MODELS.size() * VARIANTS.size() * tasks.size());
        for (String name : GoldenAtlas.MODELS) {
            Path dir = atlas.study().raw(name).directory();
            for (Quantization variant : VARIANTS) {
                try (Model model = new DjlEngineProvider().load(Checkpoint.open(dir), new LoadOptions(Optional.empty(), variant))) {
                    adherenceAndRepetition(ledger, name, variant.configName(), model, dir, tasks, written);
                }
                if (variant != Quantization.NONE) {
                    quantisationError(ledger, name, variant, dir);
                }
            }
        }
    }

    /** The step's generations file, one parsed JSON object per line. */
    private static List<Config> generationsFile(GoldenAtlas atlas) {
        try {
            return Files.readAllLines(atlas.study().artefacts("vibe-check").resolve("generations.jsonl"), StandardCharsets.UTF_8).stream()
                    .map(ConfigFactory::parseString).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void adherenceAndRepetition(Ledger ledger, String name, String v, Model model, Path dir, List<Task> tasks,
            List<Config> written) {
        boolean llmInt8 = v.equals(Quantization.LLM_INT8.configName());
        Tokenizer tokenizer = model.requireTokenizer();
        int eos = model.config().eosTokenId().orElse(-1);
        double all = 0;
        int recognised = 0;
        List<Double> constrained = new ArrayList<>();
        int repetitive = 0;
        double repetition = 0;
        for (Task task : tasks) {
            int[] prompt = tokenizer.encode(task.prompt());
            int[] generated;
            if (llmInt8) {
                try (Checkpoint checkpoint = Checkpoint.open(dir)) {
                    ReferenceQwen2 reference = Independent.llmInt8Generation(checkpoint, prompt.length);
                    generated = generate(sequence -> Independent.lastRow(reference.forward(sequence).logits()), prompt, eos,
                            name + " " + v + " " + task.id());
                }
            } else {
                generated = generate(sequence -> toDoubles(Independent.lastLogits(model, sequence)), prompt, eos, name + " " + v + " " + task.id());
            }
            boolean stopped = generated.length > 0 && generated[generated.length - 1] == eos;
            String text = tokenizer.decode(stopped ? Arrays.copyOf(generated, generated.length - 1) : generated);
            // the generation behind the numbers, as the step wrote it
            Config line = written.stream().filter(c -> c.getString("model").equals(name) && c.getString("variant").equals(v)
                    && c.getString("task").equals(task.id())).findFirst().orElseThrow(() -> new AssertionError("generations.jsonl has no "
                    + name + " " + v + " " + task.id()));
            assertThat(line.getString("text")).as(name + " " + v + " " + task.id() + " text").isEqualTo(text);
            assertThat(line.getInt("new_tokens")).as(name + " " + v + " " + task.id() + " new tokens").isEqualTo(generated.length);
            assertThat(line.getBoolean("stopped_at_eos")).as(name + " " + v + " " + task.id() + " stopped").isEqualTo(stopped);
            String constraint = task.metadata().get("constraint");
            if (constraint != null) {
                String[] parts = constraint.split(";");
                int met = 0;
                for (String part : parts) {
                    met += met(part.trim().toLowerCase(Locale.ROOT), text) ? 1 : 0;
                }
                constrained.add(met / (double) parts.length);
            }
            List<Boolean> seed = seedRules(task.prompt(), text);
            all += seed.isEmpty() ? 0 : seed.stream().filter(b -> b).count() / (double) seed.size();
            recognised += seed.isEmpty() ? 0 : 1;
            double ratio = repetition(text);
            repetition += ratio;
            repetitive += ratio > REPETITIVE_ABOVE ? 1 : 0;
        }
        int n = tasks.size();
        double published = all / n;
        ledger.number("vibe-check.adherence." + v, "published", name, published, 1e-12);
        ledger.display("vibe-check.adherence." + v, "published", name,
                String.format(Locale.ROOT, "%.1f%% (all %d prompts, %d with a constraint the keyword rules recognise)", 100 * published, n,
                        recognised));
        String key = "vibe-check.adherence." + v;
        if (constrained.isEmpty()) {
            ledger.exact(key, "corrected", name, "n/a");
            ledger.display(key, "corrected", name, "no constrained prompt");
        } else {
            double corrected = constrained.stream().mapToDouble(Double::doubleValue).sum() / constrained.size();
            ledger.number(key, "corrected", name, corrected, 1e-12);
            ledger.display(key, "corrected", name, String.format(Locale.ROOT, "%.1f%% (%d constrained prompts)", 100 * corrected,
                    constrained.size()));
            Ledger.Cell cell = ledger.cell(key, "corrected", name);
            assertThat(cell.ciLow()).as(cell.name() + " ci_low").isNotNull();
            assertThat(corrected).as(cell.name() + " within its interval").isBetween(cell.ciLow() - 1e-12, cell.ciHigh() + 1e-12);
        }
        ledger.number("vibe-check.repetitive." + v, "both", name, repetitive / (double) n, 1e-12);
        ledger.display("vibe-check.repetitive." + v, "both", name,
                String.format(Locale.ROOT, "%d/%d repetitive (ratio > %s)", repetitive, n, REPETITIVE_ABOVE));
        ledger.number("vibe-check.repetition." + v, "both", name, repetition / n, 1e-12);
        ledger.display("vibe-check.repetition." + v, "both", name, String.format(Locale.ROOT, "mean ratio %.3f", repetition / n));
    }

    /** The logits of a sequence's last position. */
    private interface Logits {
        double[] of(int[] sequence);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** Greedy decoding by full forwards: the first largest logit of the last position, until end-of-text or the limit. */
    private static int[] generate(Logits forward, int[] prompt, int eos, String what) {
        int[] sequence = prompt.clone();
        List<Integer> generated = new ArrayList<>();
        while (generated.size() < MAX_NEW) {
            double[] logits = forward.of(sequence);
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            double second = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < logits.length; i++) {
                if (i != best) {
                    second = Math.max(second, logits[i]);
                }
            }
            assertThat(logits[best] - second).as(what + ": token " + generated.size() + " is no near-tie").isGreaterThan(MARGIN);
            generated.add(best);
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = best;
            if (best == eos) {
                break;
            }
        }
        return generated.stream().mapToInt(Integer::intValue).toArray();
    }

    private static final List<String> NUMBER_WORDS = List.of("one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten");

    /**
     * The seed's keyword rules: for each of sentence, line and bullet, the first word of the lower-cased prompt that
     * is a number followed by that word (singular or plural, trailing punctuation ignored) is a rule; "json only"
     * and "280 char" anywhere are rules. One entry per rule: whether the text meets it.
     */
    private static List<Boolean> seedRules(String prompt, String text) {
        String[] words = prompt.toLowerCase(Locale.ROOT).split("\\s+");
        List<Boolean> checks = new ArrayList<>();
        String trimmed = text.strip();
        for (String noun : List.of("sentence", "line", "bullet")) {
            for (int i = 0; i + 1 < words.length; i++) {
                String next = words[i + 1].replaceAll("[^a-z]+$", "");
                int n = NUMBER_WORDS.indexOf(words[i]) + 1;
                if (n == 0 && words[i].matches("[0-9]{1,9}")) {
                    n = Integer.parseInt(words[i]);
                }
                if (n > 0 && (next.equals(noun) || next.equals(noun + "s"))) {
                    checks.add(switch (noun) {
                        case "sentence" -> sentences(trimmed) == n;
                        case "line" -> lines(trimmed) == n;
                        default -> trimmed.lines().filter(l -> l.strip().length() > 1 && "-*•".indexOf(l.strip().charAt(0)) >= 0
                                && (l.strip().charAt(1) == ' ' || l.strip().charAt(1) == '\t')).count() == n;
                    });
                    break;
                }
            }
        }
        String p = prompt.toLowerCase(Locale.ROOT);
        if (p.contains("json only")) {
            checks.add(trimmed.startsWith("{") && trimmed.endsWith("}"));
        }
        if (p.contains("280 char")) {
            checks.add(text.codePoints().count() <= 500);
        }
        return checks;
    }

    /** Whether one lower-cased constraint holds for a generation. */
    private static boolean met(String constraint, String text) {
        String trimmed = text.strip();
        if (constraint.equals("json-only")) {
            return trimmed.startsWith("{") && trimmed.endsWith("}");
        }
        String[] kv = constraint.split("=");
        int n = Integer.parseInt(kv[1].trim());
        return switch (kv[0].trim()) {
            case "sentences" -> sentences(trimmed) == n;
            case "lines" -> lines(trimmed) == n;
            case "bullets" -> bullets(trimmed) == n;
            case "max-chars" -> text.codePoints().count() <= n;
            default -> throw new AssertionError("the generation suite holds an unknown constraint " + constraint);
        };
    }

    /** The whitespace of Java's regex {@code \s}: space, tab, newline, vertical tab, form feed, carriage return. */
    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** Pieces cut at each whitespace run that follows . ! or ?, counting the non-blank ones. */
    private static int sentences(String trimmed) {
        int count = 0;
        int start = 0;
        int i = 0;
        while (i < trimmed.length()) {
            char c = trimmed.charAt(i);
            if (space(c) && i > 0 && ".!?".indexOf(trimmed.charAt(i - 1)) >= 0) {
                count += trimmed.substring(start, i).isBlank() ? 0 : 1;
                while (i < trimmed.length() && space(trimmed.charAt(i))) {
                    i++;
                }
                start = i;
            } else {
                i++;
            }
        }
        return count + (trimmed.substring(start).isBlank() ? 0 : 1);
    }

    /** Non-blank lines, any line break (\n, \r, vertical tab, form feed, NEL, line or paragraph separator) cutting. */
    private static int lines(String trimmed) {
        int count = 0;
        StringBuilder line = new StringBuilder();
        for (char c : (trimmed + "\n").toCharArray()) {
            if ("\n\r\u000B\f\u0085\u2028\u2029".indexOf(c) >= 0) {
                count += line.toString().isBlank() ? 0 : 1;
                line.setLength(0);
            } else {
                line.append(c);
            }
        }
        return count;
    }

    /** Lines that, stripped, start with -, *, • or ASCII digits and . or ), then whitespace. */
    private static int bullets(String trimmed) {
        int count = 0;
        for (String raw : trimmed.split("\r\n|\r|\n")) {
            String line = raw.strip();
            int i = 0;
            if (!line.isEmpty() && "-*•".indexOf(line.charAt(0)) >= 0) {
                i = 1;
            } else {
                while (i < line.length() && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
                    i++;
                }
                i = i > 0 && i < line.length() && (line.charAt(i) == '.' || line.charAt(i) == ')') ? i + 1 : 0;
            }
            count += i > 0 && i < line.length() && space(line.charAt(i)) ? 1 : 0;
        }
        return count;
    }

    /** 1 − unique / total lower-cased word bigrams, words being runs between whitespace; 0 for at most 10 words. */
    private static double repetition(String text) {
        String lower = text.toLowerCase(Locale.ROOT).strip();
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (char c : (lower + " ").toCharArray()) {
            if (space(c)) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (text.isBlank() || words.size() <= 10) {
            return 0;
        }
        Set<List<String>> bigrams = new HashSet<>();
        for (int i = 1; i < words.size(); i++) {
            bigrams.add(List.of(words.get(i - 1), words.get(i)));
        }
        return 1 - bigrams.size() / (double) (words.size() - 1);
    }

    /** RMS error / RMS weight over every quantised block projection of the checkpoint, and the largest |error|. */
    private static void quantisationError(Ledger ledger, String name, Quantization variant, Path dir) {
        double squaredError = 0;
        double squaredWeight = 0;
        double max = 0;
        long values = 0;
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            Set<String> names = new TreeSet<>(checkpoint.tensorNames());
            int weights = 0;
            for (String tensor : names) {
                if (!tensor.startsWith("model.layers.") || !tensor.endsWith("_proj.weight")) {
                    continue;
                }
                weights++;
                float[] w = checkpoint.readFloats(tensor);
                long[] shape = checkpoint.info(tensor).shape();
                float[] restored = variant == Quantization.LLM_INT8 ? Independent.llmInt8Weight(w, (int) shape[0], (int) shape[1]) : nf4(w);
                for (int i = 0; i < w.length; i++) {
                    double e = (double) restored[i] - w[i];
                    squaredError += e * e;
                    squaredWeight += (double) w[i] * w[i];
                    max = Math.max(max, Math.abs(e));
                }
                values += w.length;
            }
            // q, k, v, o, gate, up, down in every block
            assertThat(weights).as(name + " quantised weights").isEqualTo(7 * checkpoint.config().numLayers());
        }
        double relative = Math.sqrt(squaredError / values) / Math.sqrt(squaredWeight / values);
        String key = "vibe-check.quant-error." + variant.configName();
        ledger.number(key, "both", name, relative, 1e-9 * relative);
        ledger.display(key, "both", name, String.format(Locale.ROOT, "RMS error %.3g%% of RMS weight (max |error| %.3g)", 100 * relative,
                max));
        assertThat(relative).as(key + " " + name).isPositive();
    }

    /** NF4: row-major blocks of 64, x = w · (1 / absmax) in float32, the nearest level (ties to the lower), times absmax. */
    private static float[] nf4(float[] w) {
        float[] out = new float[w.length];
        for (int from = 0; from < w.length; from += BLOCK) {
            int to = Math.min(w.length, from + BLOCK);
            float absmax = 0;
            for (int i = from; i < to; i++) {
                absmax = Math.max(absmax, Math.abs(w[i]));
            }
            float inverse = absmax == 0 ? 0 : 1 / absmax;
            for (int i = from; i < to; i++) {
                float x = w[i] * inverse;
                int level = 0;
                for (int c = 1; c < NF4.length; c++) {
                    if (Math.abs(x - NF4[c]) < Math.abs(x - NF4[level])) {
                        level = c;
                    }
                }
                out[i] = NF4[level] * absmax;
            }
        }
        return out;
    }
}
