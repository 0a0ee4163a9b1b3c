package io.interp4j.experiments.atlas.golden;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.engine.djl.DjlEngineProvider;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.testing.Independent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Skill knockout: on base + the final adapter of {@code lora-training}, loaded outside the study, the
 * vector is recomputed as the mean last-position {@code resid_post} of the middle block over the
 * {@code positive} sentences minus that over the {@code negative} ones (hand-installed cache hooks,
 * double sums); {@code s·v} is added at the last position by a hand-written block edit, and each
 * readout's target probability (first token of the target) comes from a double log-softmax. The
 * published selectivity (formula signed: mean skill drop / max(mean non-skill drop, floor)), the
 * corrected one (means of absolute drops) and the random-vector control (Gaussian directions of the
 * vector's norm; the only thing taken from the plugin is its seed convention, {@code Random(study seed
 * × 31 + model name's hash)}, which no setting exposes) are then plain double arithmetic. Bootstrap
 * intervals are only checked to hold their means (the selectivity's, of a ratio, to be an interval).
 */
public final class SkillKnockoutGolden implements GoldenRow {
    /**
     * The scale the selectivity is read at. At s = 2 the published (signed) denominator is the floor for
     * {@code main} (its mean non-skill drop is negative) and the mean non-skill drop for {@code deep}, so
     * both branches of the published formula are checked; every denominator is far from the floor.
     */
    private static final double READ = 2;
    /** The published denominator floor (the row's default). */
    private static final double FLOOR = 1e-6;
    /** The random control vectors. */
    private static final int CONTROLS = 2;
    /** The absolute tolerance of a float32 probability (and of a mean of drops) against the double recomputation. */
    private static final double PROBABILITY_TOLERANCE = 1e-7;

    @Override
    public String settings() {
        return "scales = [0, 2], read-scale = 2, random-vectors = " + CONTROLS;
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String name : GoldenAtlas.MODELS) {
            Model base = atlas.study().raw(name);
            try (Model trained = new DjlEngineProvider().load(Checkpoint.open(base.directory()),
                    LoadOptions.withAdapter(atlas.study().artefacts("lora-training").resolve(name).resolve("adapter")))) {
                checkModel(atlas, ledger, name, trained);
            }
        }
    }

    private static void checkModel(GoldenAtlas atlas, Ledger ledger, String name, Model model) {
        List<Task> tasks = atlas.suite("knockout").tasks();
        Tokenizer tokenizer = model.requireTokenizer();
        int layer = model.config().numLayers() / 2;
        double[] v = vector(model, tokenizer, tasks, layer);
        // the row adds the vector as float32, and its controls take that vector's norm
        float[] direction = new float[v.length];
        double norm2 = 0;
        for (int i = 0; i < v.length; i++) {
            direction[i] = (float) v[i];
            norm2 += (double) direction[i] * direction[i];
        }
        double norm = Math.sqrt(norm2);

        List<int[]> prompts = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Boolean> skill = new ArrayList<>();
        for (String family : List.of("skill", "non-skill")) {
            for (Task task : tasks) {
                if (task.family().equals(family)) {
                    prompts.add(tokenizer.encode(task.prompt()));
                    targets.add(tokenizer.encode(task.target())[0]);
                    skill.add(family.equals("skill"));
                }
            }
        }
        int n = prompts.size();
        double[] plain = new double[n];
        double[] drop = new double[n];
        for (int t = 0; t < n; t++) {
            plain[t] = probability(model, prompts.get(t), layer, direction, 0, targets.get(t));
            drop[t] = plain[t] - probability(model, prompts.get(t), layer, direction, READ, targets.get(t));
        }
        String at = "L" + layer + ", ";
        checkPublished(ledger, name, at, drop, skill);
        double[] control = control(atlas, name, model, prompts, targets, skill, plain, layer, direction.length, norm);
        checkCorrected(ledger, name, at, drop, skill, control);
    }

    /** Formula signed: a negative mean non-skill drop leaves the floor as the denominator. */
    private static void checkPublished(Ledger ledger, String name, String at, double[] drop, List<Boolean> skill) {
        double skillDrop = mean(drop, skill, true);
        double nonSkillDrop = mean(drop, skill, false);
        ledger.number("skill-knockout.skill-drop", "published", name, skillDrop, PROBABILITY_TOLERANCE);
        ledger.number("skill-knockout.non-skill-drop", "published", name, nonSkillDrop, PROBABILITY_TOLERANCE);
        ledger.number("skill-knockout.selectivity", "published", name, skillDrop / Math.max(nonSkillDrop, FLOOR),
                ratioTolerance(skillDrop, nonSkillDrop));
        displays(ledger, "published", name, at, nonSkillDrop < FLOOR, null);
    }

    /** Signed skill drops over absolute non-skill drops, the control's mean selectivity, and intervals that hold their means. */
    private static void checkCorrected(Ledger ledger, String name, String at, double[] drop, List<Boolean> skill, double[] control) {
        double[] absolute = Arrays.stream(drop).map(Math::abs).toArray();
        double skillAbs = mean(drop, skill, true);
        double nonSkillAbs = mean(absolute, skill, false);
        ledger.number("skill-knockout.skill-drop", "corrected", name, skillAbs, PROBABILITY_TOLERANCE);
        ledger.number("skill-knockout.non-skill-drop", "corrected", name, nonSkillAbs, PROBABILITY_TOLERANCE);
        ledger.number("skill-knockout.selectivity", "corrected", name, skillAbs / Math.max(nonSkillAbs, FLOOR),
                ratioTolerance(skillAbs, nonSkillAbs));
        ledger.number("skill-knockout.control-selectivity", "corrected", name, control[0], control[1]);
        displays(ledger, "corrected", name, at, nonSkillAbs < FLOOR, " (" + CONTROLS + " random)");
        for (String key : List.of("skill-knockout.skill-drop", "skill-knockout.non-skill-drop")) {
            containsValue(ledger.cell(key, "corrected", name));
        }
        // a ratio's bootstrap interval need not hold the ratio of the means; it is only checked to be an interval
        Ledger.Cell selectivity = ledger.cell("skill-knockout.selectivity", "corrected", name);
        assertThat(selectivity.ciLow()).as(selectivity.name() + " interval").isNotNull().isLessThanOrEqualTo(selectivity.ciHigh());
    }

    /** Mean over the positive sentences minus mean over the negative ones of the block's last-position resid_post, in double. */
    private static double[] vector(Model model, Tokenizer tokenizer, List<Task> tasks, int layer) {
        int d = model.config().hiddenSize();
        double[] positive = new double[d];
        double[] negative = new double[d];
        int positives = 0;
        int negatives = 0;
        for (Task task : tasks) {
            boolean isPositive = task.family().equals("positive");
            if (!isPositive && !task.family().equals("negative")) {
                continue;
            }
            float[] post = HandRuns.residPost(model, tokenizer.encode(task.prompt()))[layer];
            double[] sum = isPositive ? positive : negative;
            for (int i = 0; i < d; i++) {
                sum[i] += post[post.length - d + i];
            }
            positives += isPositive ? 1 : 0;
            negatives += isPositive ? 0 : 1;
        }
        assertThat(positives).as("positive sentences").isPositive();
        assertThat(negatives).as("negative sentences").isPositive();
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = positive[i] / positives - negative[i] / negatives;
        }
        return v;
    }

    /** The target's probability with {@code scale · vector} added to the block's output at the last position (none at 0). */
    private static double probability(Model model, int[] tokens, int layer, float[] vector, double scale, int target) {
        float[] logits = scale == 0 ? HandRuns.last(model, tokens, Map.of())
                : HandRuns.last(model, tokens, Map.of(layer, (pre, post, positions, hidden) -> {
                    float[] out = post.clone();
                    for (int i = 0; i < hidden; i++) {
                        out[(positions - 1) * hidden + i] += (float) (scale * vector[i]);
                    }
                    return out;
                }));
        return Math.exp(Independent.logSoftmax(logits)[target]);
    }

    /**
     * The mean corrected selectivity of random directions of the vector's norm at the read scale, the
     * directions drawn as the row draws them: per direction, {@code width} Gaussians of {@code
     * Random(seed × 31 + name's hash)} scaled to the norm.
     *
     * @return the mean selectivity and its tolerance
     */
    private static double[] control(GoldenAtlas atlas, String name, Model model, List<int[]> prompts, List<Integer> targets,
            List<Boolean> skill, double[] plain, int layer, int width, double norm) {
        Random random = new Random(atlas.study().seed() * 31 + name.hashCode());
        double sum = 0;
        double tolerance = 0;
        for (int k = 0; k < CONTROLS; k++) {
            double[] g = new double[width];
            double g2 = 0;
            for (int i = 0; i < width; i++) {
                g[i] = random.nextGaussian();
                g2 += g[i] * g[i];
            }
            float[] direction = new float[width];
            for (int i = 0; i < width; i++) {
                direction[i] = (float) (g[i] * norm / Math.sqrt(g2));
            }
            double[] drops = new double[prompts.size()];
            for (int t = 0; t < drops.length; t++) {
                drops[t] = plain[t] - probability(model, prompts.get(t), layer, direction, READ, targets.get(t));
            }
            double skillDrop = mean(drops, skill, true);
            double nonSkillDrop = mean(Arrays.stream(drops).map(Math::abs).toArray(), skill, false);
            sum += skillDrop / Math.max(nonSkillDrop, FLOOR);
            tolerance += ratioTolerance(skillDrop, nonSkillDrop) / CONTROLS;
        }
        return new double[] {sum / CONTROLS, tolerance};
    }

    /** Checks the display texts of a protocol's cells: the layer, the numbers as the row writes them, the floor mark. */
    private static void displays(Ledger ledger, String protocol, String name, String at, boolean floorHit, String controls) {
        ledger.display("skill-knockout.selectivity", protocol, name, at + fmt(value(ledger, "skill-knockout.selectivity", protocol, name))
                + (floorHit ? " (floor)" : ""));
        for (String key : List.of("skill-knockout.skill-drop", "skill-knockout.non-skill-drop")) {
            ledger.display(key, protocol, name, fmt(value(ledger, key, protocol, name)));
        }
        if (controls != null) {
            ledger.display("skill-knockout.control-selectivity", protocol, name,
                    at + fmt(value(ledger, "skill-knockout.control-selectivity", protocol, name)) + controls);
        }
    }

    private static double value(Ledger ledger, String key, String protocol, String name) {
        return ((Number) ledger.cell(key, protocol, name).value()).doubleValue();
    }

    /** The bootstrap interval of a mean holds the mean. */
    private static void containsValue(Ledger.Cell cell) {
        double v = ((Number) cell.value()).doubleValue();
        assertThat(cell.ciLow()).as(cell.name() + " interval").isNotNull();
        assertThat(v).as(cell.name() + " within its interval").isBetween(cell.ciLow(), cell.ciHigh());
    }

    /**
     * The tolerance of {@code numerator / max(denominator, floor)}, both means within {@link
     * #PROBABILITY_TOLERANCE} of the float32 ones; the denominator must be clear of the floor, so both
     * computations take the same branch.
     */
    private static double ratioTolerance(double numerator, double denominator) {
        assertThat(Math.abs(denominator - FLOOR)).as("the denominator %s is clear of the floor", denominator)
                .isGreaterThan(PROBABILITY_TOLERANCE);
        if (denominator < FLOOR) {
            return PROBABILITY_TOLERANCE / FLOOR;
        }
        return (PROBABILITY_TOLERANCE + Math.abs(numerator / denominator) * PROBABILITY_TOLERANCE) / denominator;
    }

    private static double mean(double[] values, List<Boolean> skill, boolean which) {
        double sum = 0;
        int n = 0;
        for (int t = 0; t < values.length; t++) {
            if (skill.get(t) == which) {
                sum += values[t];
                n++;
            }
        }
        assertThat(n).as(which ? "skill prompts" : "non-skill prompts").isPositive();
        return sum / n;
    }

    /** The row's number format: 4 significant digits, or a whole number from 1000 on. */
    private static String fmt(double value) {
        return Math.abs(value) >= 1000 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.4g", value);
    }
}
