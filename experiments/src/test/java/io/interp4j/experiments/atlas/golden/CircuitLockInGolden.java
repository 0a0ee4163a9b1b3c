package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Core circuit lock-in: at step 0 (the base model) and at checkpoints 2, 4 and 6 of the golden run's
 * {@code lora-training} step (base + that checkpoint's adapter, loaded outside the study), every layer
 * is ablated by a hand-installed Java hook on {@code hook_resid_post}, zeroed (published) or reset to
 * the block's {@code hook_resid_pre} (corrected: the block adds nothing); the drop baseline − ablated
 * of the target's first token's log-prob at the last position (published: clamped at 0; corrected:
 * signed) is averaged per family, then over families. The top layers (largest first, the lower layer on ties), whether the final set is the
 * step-0 set, their overlap, the first checkpoint from which the set stays final, and Spearman's ρ of
 * the effects at step 0 and step 6 are then worked out by hand.
 */
public final class CircuitLockInGolden implements GoldenRow {
    private static final String STEP = "circuit-lock-in";
    private static final String TRAINING = "lora-training";
    private static final List<Integer> CHECKPOINTS = List.of(2, 4, 6);
    private static final List<String> FAMILIES = List.of("copying", "delimiter_tracking", "json_schema", "factual_recall", "arithmetic");
    private static final int PER_FAMILY = 2;
    private static final int TOP = 1;
    private static final List<String> PROTOCOLS = List.of("published", "corrected");

    @Override
    public String settings() {
        // checkpoints the training step saves (LoraTrainingGolden: 2, 4, 5, 6); top 1 since main has only 2 layers
        return "checkpoints = [" + CHECKPOINTS.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "], prompts-per-family = "
                + PER_FAMILY + ", top = " + TOP + ", families = [" + String.join(", ", FAMILIES) + "]";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        List<Task> tasks = prompts(atlas);
        int last = CHECKPOINTS.get(CHECKPOINTS.size() - 1);
        for (String model : GoldenAtlas.MODELS) {
            // effects[protocol][stage][layer], stages step 0 then the checkpoints
            double[][][] effects = effects(atlas, model, tasks);
            for (int p = 0; p < PROTOCOLS.size(); p++) {
                String protocol = PROTOCOLS.get(p);
                double[][] effect = effects[p];
                List<List<Integer>> tops = new ArrayList<>();
                for (double[] stage : effect) {
                    tops.add(top(model + " " + protocol, stage));
                }
                List<Integer> first = tops.get(0);
                List<Integer> fin = tops.get(tops.size() - 1);
                Set<Integer> finalSet = new TreeSet<>(fin);
                boolean locked = new TreeSet<>(first).equals(finalSet);
                long kept = first.stream().filter(finalSet::contains).count();
                int lockIndex = tops.size() - 1;
                while (lockIndex > 0 && new TreeSet<>(tops.get(lockIndex - 1)).equals(finalSet)) {
                    lockIndex--;
                }
                int lockStep = lockIndex == 0 ? 0 : CHECKPOINTS.get(lockIndex - 1);

                ledger.exact(STEP + ".top-layers.step-0", protocol, model, names(first));
                ledger.display(STEP + ".top-layers.final", protocol, model, names(fin) + " (step " + last + ")");
                ledger.exact(STEP + ".top-layers.final", protocol, model, names(fin));
                ledger.exact(STEP + ".locked-in", protocol, model, locked);
                ledger.display(STEP + ".locked-in", protocol, model, String.format(Locale.ROOT, "%s: %s → %s (%d/%d kept)",
                        locked ? "yes" : "no", names(first), names(fin), kept, TOP));
                ledger.number(STEP + ".top-overlap", protocol, model, kept / (double) TOP, 1e-12);
                ledger.display(STEP + ".top-overlap", protocol, model, kept + "/" + TOP);
                ledger.exact(STEP + ".lock-step", protocol, model, lockStep);
                ledger.display(STEP + ".lock-step", protocol, model, lockStep == 0 ? "at step 0" : "by step " + lockStep);
                if (protocol.equals("corrected")) {
                    checkRho(ledger, model, effect[0], effect[effect.length - 1], last);
                }
            }
            checkCascadeFlag(atlas, model);
        }
    }

    /** The first PER_FAMILY tasks of each chosen family, families in the order of the settings. */
    private static List<Task> prompts(GoldenAtlas atlas) {
        Map<String, List<Task>> byFamily = atlas.suite("families").split("test").byFamily();
        List<Task> out = new ArrayList<>();
        for (String family : FAMILIES) {
            out.addAll(byFamily.get(family).subList(0, PER_FAMILY));
        }
        return out;
    }

    private static void checkRho(Ledger ledger, String model, double[] first, double[] fin, int last) {
        double rho = Independent.spearman(first, fin);
        if (Double.isNaN(rho)) {
            // a constant effect profile has no ranks to correlate; the atlas writes NaN as text
            ledger.exact(STEP + ".rank-correlation", "corrected", model, "nan");
            return;
        }
        ledger.number(STEP + ".rank-correlation", "corrected", model, rho, 1e-9);
        ledger.display(STEP + ".rank-correlation", "corrected", model, String.format(Locale.ROOT, "ρ %.2f (step 0 vs %d)", rho, last));
        Ledger.Cell cell = ledger.cell(STEP + ".rank-correlation", "corrected", model);
        assertThat(cell.ciLow()).as(cell.name() + " CI").isNotNull().isBetween(-1.0 - 1e-9, cell.ciHigh());
        assertThat(cell.ciHigh()).as(cell.name() + " CI").isLessThanOrEqualTo(1.0 + 1e-9);
    }

    /** Published zeroes the whole residual stream, so every layer's ablated logits lose the prompt: the row flags it. */
    private static void checkCascadeFlag(GoldenAtlas atlas, String model) {
        StepResult.Table flags = atlas.result(STEP).tables().stream().filter(t -> t.name().equals("atlas-flags")).findFirst().orElseThrow();
        int layers = atlas.study().modelConfig(model).numLayers();
        String steps = "0, " + CHECKPOINTS.stream().map(String::valueOf).collect(Collectors.joining(", "));
        String where = IntStream.range(0, layers).mapToObj(l -> "L" + l + " (steps " + steps + ")").collect(Collectors.joining(", "));
        assertThat(flags.rows()).as(model + ": the cascade-zero flag").anySatisfy(r -> {
            assertThat(r.subList(1, 4)).containsExactly("published", model, "artefact");
            assertThat((String) r.get(4)).startsWith("cascade zero: after zeroing resid_post at " + where + " the last-position logits"
                    + " were the same for all " + FAMILIES.size() * PER_FAMILY + " prompts");
        });
    }

    /** Per protocol, stage and layer: the mean of family means of the prompts' drops. */
    private static double[][][] effects(GoldenAtlas atlas, String name, List<Task> tasks) {
        Model base = atlas.study().raw(name);
        Path root = atlas.study().artefacts(TRAINING).resolve(name);
        int layers = base.config().numLayers();
        double[][][] out = new double[PROTOCOLS.size()][1 + CHECKPOINTS.size()][];
        for (int s = 0; s <= CHECKPOINTS.size(); s++) {
            if (s == 0) {
                fill(out, s, base, tasks, layers);
            } else {
                Path adapter = root.resolve("checkpoint-" + CHECKPOINTS.get(s - 1));
                try (Model model = new DjlEngineProvider().load(Checkpoint.open(base.directory()), LoadOptions.withAdapter(adapter))) {
                    fill(out, s, model, tasks, layers);
                }
            }
        }
        return out;
    }

    private static void fill(double[][][] out, int stage, Model model, List<Task> tasks, int layers) {
        Tokenizer tokenizer = model.requireTokenizer();
        List<String> families = tasks.stream().map(Task::family).toList();
        double[] baseline = new double[tasks.size()];
        for (int t = 0; t < tasks.size(); t++) {
            baseline[t] = Independent.logSoftmax(HandRuns.last(model, tokenizer.encode(tasks.get(t).prompt()), Map.of()))[target(tokenizer,
                    tasks.get(t))];
        }
        for (int p = 0; p < PROTOCOLS.size(); p++) {
            HandRuns.BlockEdit edit = PROTOCOLS.get(p).equals("published") ? HandRuns.ZERO_OUTPUT : HandRuns.SKIP;
            out[p][stage] = new double[layers];
            for (int l = 0; l < layers; l++) {
                double[] drops = new double[tasks.size()];
                for (int t = 0; t < tasks.size(); t++) {
                    float[] logits = HandRuns.last(model, tokenizer.encode(tasks.get(t).prompt()), Map.of(l, edit));
                    double drop = baseline[t] - Independent.logSoftmax(logits)[target(tokenizer, tasks.get(t))];
                    drops[t] = PROTOCOLS.get(p).equals("published") ? Math.max(0, drop) : drop;
                }
                out[p][stage][l] = HandRuns.familyMean(drops, families);
            }
        }
    }

    /** The first token of the target as written (target-rule first-token). */
    private static int target(Tokenizer tokenizer, Task task) {
        return tokenizer.encode(task.target())[0];
    }

    /** The TOP largest layers, largest first, the lower layer first on exact ties; fails on a near tie at the boundary. */
    private static List<Integer> top(String what, double[] effect) {
        List<Integer> order = IntStream.range(0, effect.length).boxed()
                .sorted(Comparator.comparingDouble((Integer l) -> -effect[l]).thenComparingInt(l -> l)).toList();
        for (int r = 0; r < TOP && r + 1 < order.size(); r++) {
            double a = effect[order.get(r)];
            double b = effect[order.get(r + 1)];
            assertThat(a - b).as(what + ": effects " + Arrays.toString(effect) + " have no near tie in the top " + TOP)
                    .isGreaterThan(1e-4 * Math.max(1, Math.abs(a)));
        }
        return order.subList(0, TOP);
    }

    private static String names(List<Integer> layers) {
        return layers.stream().map(l -> "L" + l).collect(Collectors.joining("/"));
    }
}
