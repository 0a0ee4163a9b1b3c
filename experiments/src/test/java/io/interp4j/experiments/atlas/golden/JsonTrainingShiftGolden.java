package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.testing.Independent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON training shift: KL(trained ‖ base) at the last position, over the full vocabulary, for every
 * prompt of the families suite, the trained model being the base with the final adapter of the golden
 * run's {@code lora-training} step, loaded outside the study, and the KL a plain double sum over
 * log-softmaxed logits. Per family, published takes the first prompt and corrected the mean of all;
 * the largest family, its KL and the rank of {@code json_schema} (largest first, the earlier family on
 * ties) are then read off by hand.
 */
public final class JsonTrainingShiftGolden implements GoldenRow {
    private static final String STEP = "json-training-shift";
    private static final String TRAINING = "lora-training";
    private static final String EXPECTED = "json_schema";

    @Override
    public String settings() {
        // every family of the golden families suite: 12 families of 2 prompts, 48 forwards per model
        return "expected-family = " + EXPECTED;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        Map<String, List<Task>> byFamily = atlas.suite("families").split("test").byFamily();
        for (String model : GoldenAtlas.MODELS) {
            Map<String, double[]> kls = kls(atlas, model, byFamily);
            Map<String, Double> published = new LinkedHashMap<>();
            Map<String, Double> corrected = new LinkedHashMap<>();
            kls.forEach((family, values) -> {
                published.put(family, values[0]);
                corrected.put(family, Arrays.stream(values).sum() / values.length);
            });
            check(ledger, model, "published", published);
            check(ledger, model, "corrected", corrected);
        }
    }

    private static void check(Ledger ledger, String model, String protocol, Map<String, Double> shift) {
        List<String> families = List.copyOf(shift.keySet());
        List<String> order = families.stream()
                .sorted((a, b) -> shift.get(a).equals(shift.get(b)) ? Integer.compare(families.indexOf(a), families.indexOf(b))
                        : Double.compare(shift.get(b), shift.get(a)))
                .toList();
        String largest = order.get(0);
        double value = shift.get(largest);
        // float32 noise must not be able to swap the largest family with the next
        assertThat(value - shift.get(order.get(1))).as(model + " " + protocol + ": " + shift + " has no near tie at the top")
                .isGreaterThan(1e-3 * value);
        int rank = order.indexOf(EXPECTED) + 1;
        assertNoNearTie(model + " " + protocol, shift, EXPECTED);

        ledger.exact(STEP + ".largest-family", protocol, model, largest);
        ledger.display(STEP + ".largest-family", protocol, model, String.format(Locale.ROOT, "%s, %.2f", largest, value));
        ledger.number(STEP + ".largest-kl", protocol, model, value, 1e-6 + 1e-4 * value);
        ledger.display(STEP + ".largest-kl", protocol, model, String.format(Locale.ROOT, "%.2f", value));
        ledger.exact(STEP + ".expected-rank", protocol, model, rank);
        ledger.display(STEP + ".expected-rank", protocol, model, String.format(Locale.ROOT, "%s #%d of %d (%.2f)", EXPECTED, rank,
                families.size(), shift.get(EXPECTED)));
        Ledger.Cell cell = ledger.cell(STEP + ".largest-kl", protocol, model);
        if (protocol.equals("corrected")) {
            // a bootstrap interval of a mean holds the mean
            double mean = ((Number) cell.value()).doubleValue();
            assertThat(cell.ciLow()).as(cell.name() + " CI low").isNotNull().isLessThanOrEqualTo(mean);
            assertThat(cell.ciHigh()).as(cell.name() + " CI high").isNotNull().isGreaterThanOrEqualTo(mean);
        } else {
            assertThat(cell.ciLow()).as(cell.name() + ": one prompt has no interval").isNull();
        }
    }

    /** The expected family's rank is exact only where no other family's shift is within float32 noise of it. */
    private static void assertNoNearTie(String what, Map<String, Double> shift, String family) {
        double v = shift.get(family);
        shift.forEach((other, w) -> {
            if (!other.equals(family)) {
                assertThat(Math.abs(v - w)).as(what + ": " + family + " and " + other + " are not a near tie")
                        .isGreaterThan(1e-3 * Math.max(v, w));
            }
        });
    }

    /** Per family, KL(trained ‖ base) of each of its prompts, in suite order. */
    private static Map<String, double[]> kls(GoldenAtlas atlas, String name, Map<String, List<Task>> byFamily) {
        Model base = atlas.study().raw(name);
        Tokenizer tokenizer = base.requireTokenizer();
        Path adapter = atlas.study().artefacts(TRAINING).resolve(name).resolve("adapter");
        Map<String, double[]> out = new LinkedHashMap<>();
        try (Model trained = new DjlEngineProvider().load(Checkpoint.open(base.directory()), LoadOptions.withAdapter(adapter))) {
            byFamily.forEach((family, tasks) -> out.put(family, tasks.stream().mapToDouble(t -> {
                int[] tokens = tokenizer.encode(t.prompt());
                return Independent.kl(Independent.lastLogits(trained, tokens), Independent.lastLogits(base, tokens));
            }).toArray()));
        }
        return out;
    }
}
