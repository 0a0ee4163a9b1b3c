package io.interp4j.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.lens.Completion;
import io.interp4j.api.lens.HookedModel;
import io.interp4j.api.lens.ResidualStack;
import io.interp4j.api.lens.Sampling;
import io.interp4j.api.lens.Session;
import io.interp4j.api.metric.Distributions;
import io.interp4j.api.model.ForwardInput;
import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.Padding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of {@code docs/first-hour.md}, compiled and run here on the committed toy organism
 * {@code models/toy-s} (the tests run in the repository root). The code between {@code // snippet:NAME}
 * and {@code // end:NAME} is what the guide shows under {@code <!-- snippet: NAME -->}, character for
 * character once indentation is removed; {@link #theGuideShowsExactlyTheseSnippets} fails when the two
 * part. The assertions around the snippets check that each does what the guide says.
 */
class FirstHourTest {
    private static final Path GUIDE = Path.of("docs/first-hour.md");
    private static final Path SOURCE = Path.of("guide/src/test/java/io/interp4j/guide/FirstHourTest.java");

    @Test
    void theTasksOfTheFirstHour() {
        // snippet:load
        try (HookedModel model = HookedModel.load(Path.of("models/toy-s"));   // engine "djl", its tokenizer.json
             Session session = model.session()) {                              // hooks and results live until here
        // end:load
            // snippet:tokens
            int[] tokens = model.toTokens("7 * 8 = ");
            List<String> strings = model.toStrTokens("7 * 8 = ");          // ["7", " *", " ", "8", " =", " "]: digits are tokens of their own
            // end:tokens
            assertThat(strings).containsExactly("7", " *", " ", "8", " =", " ");
            assertThat(strings).hasSize(tokens.length);

            // snippet:cache
            ForwardResult run = session.runWithCache("7 * 8 = ", "blocks.0.hook_resid_post", "blocks.1.attn.hook_pattern", "hook_embed");
            NDArray pattern = run.cache().get("blocks.1.attn.hook_pattern");    // [batch, head, query, key]
            // end:cache
            assertThat(pattern.getShape().getShape()).containsExactly(1, 4, tokens.length, tokens.length);
            assertThat(run.cache().points()).hasSize(3);

            // snippet:filter
            ForwardResult resids = session.runWithCache(ForwardInput.of(tokens), p -> p.site() == HookSite.RESID_POST);
            // end:filter
            assertThat(resids.cache().points()).hasSize(3);

            // snippet:scale-result
            ForwardResult lens = session.runWithCache("7 * 8 = ", "ln_final.hook_scale", "blocks.1.attn.hook_result");
            NDArray scale = lens.cache().get("ln_final.hook_scale");             // [batch, pos, 1]: sqrt(mean(x²) + eps)
            NDArray result = lens.cache().get("blocks.1.attn.hook_result");      // [batch, pos, head, d_model]
            // end:scale-result
            assertThat(scale.getShape().getShape()).containsExactly(1, tokens.length, 1);
            assertThat(result.getShape().getShape()).containsExactly(1, tokens.length, 4, model.config().hiddenSize());
            NDArray attnOut = session.runWithCache("7 * 8 = ", "blocks.1.hook_attn_out").cache().get("blocks.1.hook_attn_out");
            assertThat(result.sum(new int[] {2}).sub(attnOut).abs().max().getFloat()).isLessThan(1e-4f);

            // snippet:patch
            ForwardResult clean = session.runWithCache("7 * 8 = ", "blocks.1.hook_resid_post");
            ForwardResult patched = session.runWithPatch(model.toTokens("7 * 9 = "), "blocks.1.hook_resid_post", Positions.LAST, clean.cache());
            // end:patch
            // patching the whole last-position residual stream after block 1 (of 3) carries most of the answer over
            float[] cleanLast = lastLogits(clean);
            float[] patchedLast = lastLogits(patched);
            assertThat(Distributions.argmax(patchedLast)).isEqualTo(Distributions.argmax(cleanLast));

            // snippet:scope
            try (Session ablated = model.session().hook("blocks.1.hook_resid_post", (resid, ctx) -> resid.zerosLike())) {
                ForwardResult zeroed = ablated.forward("7 * 8 = ");              // hooked here, in no other session
            // end:scope
                float[] before = lastLogits(session.forward("7 * 8 = "));
                assertThat(lastLogits(zeroed)).isNotEqualTo(before);
                assertThat(lastLogits(session.forward("7 * 8 = "))).isEqualTo(before);
            }
            try (Session after = model.session()) {
                assertThat(lastLogits(after.forward("7 * 8 = "))).isEqualTo(lastLogits(session.forward("7 * 8 = ")));
            }

            // snippet:generate
            float[] toward9 = model.weights().unembedColumn(model.toTokens("9")[0]);
            session.hook("blocks.1.hook_resid_post", (resid, ctx) -> resid.add(resid.getManager().create(toward9).mul(4)));
            Completion steered = session.generate("7 * 8 = ", 5, Sampling.greedy());
            // end:generate
            assertThat(steered.text(0)).isNotEmpty();
        }
    }

    @Test
    void samplingBatchesAndAttribution() {
        try (HookedModel model = HookedModel.load(Path.of("models/toy-s")); Session session = model.session()) {
            // snippet:sample
            List<int[]> prompts = List.of(model.toTokens("2 + 3 = "), model.toTokens("What is 7 * 8?\nAnswer:"));
            Completion greedy = session.generate(prompts, 6, Sampling.greedy());
            Completion sampled = session.generate(prompts, 6, Sampling.seeded(0).withTemperature(0.8).withTopK(40).withTopP(0.9));
            // end:sample
            assertThat(greedy.text(0)).startsWith("5");
            assertThat(sampled.generated()).hasSize(2);
            assertThat(session.generate(prompts, 6, Sampling.seeded(0).withTemperature(0.8).withTopK(40).withTopP(0.9)).generated())
                    .usingRecursiveComparison().isEqualTo(sampled.generated());

            // snippet:batch
            ForwardResult batch = session.forward(ForwardInput.of(model.toTokens("Rome"), model.toTokens("2 + 3 = "))
                    .withPadding(Padding.LEFT).logitsAt(Positions.LAST));   // [2, 1, vocab]
            // end:batch
            assertThat(batch.logits().getShape().getShape()).containsExactly(2, 1, model.config().vocabSize());

            // snippet:weights
            NDArray wU = model.weights().unembed(batch.logits().getManager());      // W_U [d_model, vocab]
            float[] lnFinal = model.weights().finalNorm();                          // ln_final.w
            float[] wIn = model.weights().layer(0, "mlp.up_proj.weight");           // HF names, [out, in]
            // end:weights
            assertThat(wU.getShape().getShape()).containsExactly(model.config().hiddenSize(), model.config().vocabSize());
            assertThat(lnFinal).hasSize(model.config().hiddenSize());
            assertThat(wIn).hasSize(model.config().hiddenSize() * model.config().intermediateSize());

            // snippet:dla
            ResidualStack stack = session.decomposeResid("2 + 3 = ", -1);          // embed, 0_attn_out, 0_mlp_out, ...
            double[] dla = stack.logitAttribution(model.weights(), model.toTokens("5")[0]);
            // end:dla
            ForwardResult plain = session.forward("2 + 3 = ");
            double total = 0;
            for (double d : dla) {
                total += d;
            }
            assertThat(total).isCloseTo(lastLogits(plain)[model.toTokens("5")[0]], within(1e-3));

            // snippet:dla-heads
            ResidualStack heads = session.fullResidDecomposition("2 + 3 = ", -1);   // embed, L0H0, L0H1, ..., 0_mlp_out, L1H0, ...
            double[] perHead = heads.logitAttribution(model.weights(), model.toTokens("5")[0]);
            // end:dla-heads
            assertThat(heads.labels()).startsWith("embed", "L0H0", "L0H1", "L0H2", "L0H3", "0_mlp_out", "L1H0");
            double headTotal = 0;
            for (double d : perHead) {
                headTotal += d;
            }
            assertThat(headTotal).isCloseTo(total, within(1e-3));
            // a block's heads add up to its attention output's term
            assertThat(perHead[1] + perHead[2] + perHead[3] + perHead[4]).isCloseTo(dla[1], within(1e-4));
        }
    }

    @Test
    void theGuideShowsExactlyTheseSnippets() throws IOException {
        Map<String, String> source = snippets(Files.readString(SOURCE), Pattern.compile(
                "(?m)^[ \\t]*// snippet:([a-z-]+)\\n(.*?)^[ \\t]*// end:\\1\\n", Pattern.DOTALL));
        Map<String, String> guide = snippets(Files.readString(GUIDE), Pattern.compile(
                "(?m)^<!-- snippet: ([a-z-]+) -->\\n```java\\n(.*?)^```\\n", Pattern.DOTALL));
        assertThat(source).containsOnlyKeys("load", "tokens", "cache", "filter", "scale-result", "patch", "scope", "generate", "sample",
                "batch", "weights", "dla", "dla-heads");
        assertThat(guide.keySet()).as("snippets in " + GUIDE + " vs " + SOURCE).containsExactlyInAnyOrderElementsOf(source.keySet());
        source.forEach((name, code) -> assertThat(guide.get(name)).as("snippet '" + name + "' in " + GUIDE).isEqualTo(code));
        // the guide promises each task in at most three lines
        source.forEach((name, code) -> assertThat(code.lines().count()).as("lines of snippet '" + name + "'").isLessThanOrEqualTo(3));
    }

    /** Snippets by name, each dedented by its first line's indentation. */
    private static Map<String, String> snippets(String text, Pattern pattern) {
        Map<String, String> found = new LinkedHashMap<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            List<String> lines = m.group(2).lines().toList();
            int indent = lines.isEmpty() ? 0 : lines.get(0).length() - lines.get(0).stripLeading().length();
            List<String> out = new ArrayList<>();
            for (String line : lines) {
                out.add(line.length() >= indent && line.substring(0, indent).isBlank() ? line.substring(indent) : line.stripLeading());
            }
            assertThat(found.put(m.group(1), String.join("\n", out))).as("snippet '" + m.group(1) + "' appears twice").isNull();
        }
        return found;
    }

    private static float[] lastLogits(ForwardResult result) {
        float[] all = result.logits().toFloatArray();
        int vocab = (int) result.logits().getShape().get(2);
        return Arrays.copyOfRange(all, all.length - vocab, all.length);
    }
}
