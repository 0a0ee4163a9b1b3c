package io.interp4j.experiments.atlas.lora;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.interp4j.api.train.TrainingLoss;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.experiments.common.StepSettings;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The LoRA recipe of the {@code lora-training} step, every field a setting (defaults: the published
 * 0.5B recipe, with the corrected loss on the answer's tokens only). The seed is the study's unless a
 * number is given.
 *
 * @param rank r
 * @param alpha lora_alpha
 * @param dropout lora_dropout
 * @param targets the target modules
 * @param learningRate the peak learning rate
 * @param weightDecay AdamW's weight decay
 * @param warmup warm-up steps
 * @param steps optimizer steps
 * @param batchSize examples per micro-batch
 * @param gradAccum micro-batches per step
 * @param maxGradNorm the clipping norm, 0 for none
 * @param seed the seed, empty for the study's
 * @param checkpoints the steps after which the adapter is saved, ascending
 * @param loss which predictions the loss counts (default: the answer's tokens only)
 */
record Recipe(int rank, double alpha, double dropout, List<String> targets, double learningRate, double weightDecay, int warmup,
        int steps, int batchSize, int gradAccum, double maxGradNorm, OptionalLong seed, List<Integer> checkpoints, TrainingLoss loss) {
    /** The value of {@code seed} that takes the study's seed. */
    static final String STUDY_SEED = "study";
    /** The value of {@code pad-to} that pads each micro-batch to its longest example. */
    static final String LONGEST = "longest";

    Recipe {
        targets = List.copyOf(targets);
        requireNonNull(seed, "seed is null");
        checkpoints = List.copyOf(checkpoints);
        requireNonNull(loss, "loss is null");
    }

    /**
     * Reads the recipe, recording problems.
     *
     * @param s the settings
     * @param config the resolved settings, for the seed
     * @return the recipe, or null after recording a problem
     */
    static Recipe read(AtlasSettings s, Config config) {
        Integer rank = s.integer("rank", 1);
        Double alpha = s.number("alpha", v -> v > 0, "a number > 0");
        Double dropout = s.number("dropout", v -> v >= 0 && v < 1, "a number in [0, 1)");
        List<String> targets = s.strings("targets");
        if (targets != null && !TrainingOptions.MODULES.containsAll(targets)) {
            s.problem("targets", "found " + targets + "; allowed: distinct modules among " + new TreeSet<>(TrainingOptions.MODULES));
            targets = null;
        }
        Double lr = s.number("learning-rate", v -> v > 0, "a number > 0");
        Double wd = s.number("weight-decay", v -> v >= 0, "a number >= 0");
        Integer steps = s.integer("steps", 1);
        Integer warmup = s.integer("warmup", 0);
        if (warmup != null && steps != null && warmup >= steps) {
            s.problem("warmup", "found " + warmup + "; allowed: fewer warm-up steps than steps (" + steps + ")");
            warmup = null;
        }
        Integer batch = s.integer("batch-size", 1);
        Integer accum = s.integer("grad-accum", 1);
        Double clip = s.number("max-grad-norm", v -> v >= 0, "a number >= 0 (0 = no clipping)");
        OptionalLong seed = null;
        ConfigValue seedValue = config.getValue("seed");
        if (seedValue.valueType() == ConfigValueType.STRING && STUDY_SEED.equals(((String) seedValue.unwrapped()).trim())) {
            seed = OptionalLong.empty();
        } else if (seedValue.unwrapped() instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 0) {
            seed = OptionalLong.of(n.longValue());
        } else {
            s.problem("seed", "found " + StepSettings.render(seedValue) + "; allowed: " + STUDY_SEED + " or an integer >= 0");
        }
        List<Integer> checkpoints = s.integers("checkpoints", 1);
        if (checkpoints != null && steps != null && checkpoints.get(checkpoints.size() - 1) > steps) {
            s.problem("checkpoints", "found " + checkpoints + "; allowed: steps in 1.." + steps + " (the steps setting)");
            checkpoints = null;
        }
        TrainingLoss loss = loss(s, config);
        if (rank == null || alpha == null || dropout == null || targets == null || lr == null || wd == null || steps == null
                || warmup == null || batch == null || accum == null || clip == null || seed == null || checkpoints == null || loss == null) {
            return null;
        }
        return new Recipe(rank, alpha, dropout, targets, lr, wd, warmup, steps, batch, accum, clip, seed, checkpoints, loss);
    }

    /** Reads {@code loss-tokens}, {@code padding-in-loss} and {@code pad-to}, recording problems; null after one. */
    private static TrainingLoss loss(AtlasSettings s, Config config) {
        String tokens = s.text("loss-tokens");
        Boolean fullText = null;
        if ("answer".equals(tokens) || "full-text".equals(tokens)) {
            fullText = tokens.equals("full-text");
        } else if (tokens != null) {
            s.problem("loss-tokens", "found " + tokens + "; allowed: answer (the answer's tokens only) or full-text (the prompt's too)");
        }
        boolean padding = config.getBoolean("padding-in-loss");
        Integer padTo = null;
        ConfigValue value = config.getValue("pad-to");
        if (value.valueType() == ConfigValueType.STRING && LONGEST.equals(((String) value.unwrapped()).trim())) {
            padTo = 0;
        } else if (value.unwrapped() instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 1
                && n.doubleValue() <= Integer.MAX_VALUE) {
            padTo = n.intValue();
        } else {
            s.problem("pad-to", "found " + StepSettings.render(value) + "; allowed: " + LONGEST + " or an integer >= 1");
        }
        return fullText == null || padTo == null ? null : new TrainingLoss(fullText, padding, padTo);
    }

    /**
     * Returns the trainer's options.
     *
     * @param studySeed the study's seed, used unless the recipe names one
     * @return the options
     */
    TrainingOptions options(long studySeed) {
        return new TrainingOptions(rank, alpha, dropout, targets, learningRate, weightDecay, warmup, steps, batchSize, gradAccum,
                maxGradNorm, seed.orElse(studySeed), checkpoints, loss);
    }

    /**
     * Describes the recipe in one line.
     *
     * @return e.g. {@code r 8, α 16, dropout 0.05, q/k/v/o, lr 2e-4, 100 steps, batch 1 × 4}, with {@code , loss on full
     *     text} (or what else the loss counts) where it counts more than the answer's tokens
     */
    String describe() {
        String modules = String.join("/", targets.stream().map(t -> t.endsWith("_proj") ? t.substring(0, t.length() - 5) : t).toList());
        return String.format(Locale.ROOT, "r %d, α %s, dropout %s, %s, lr %s, %d steps, batch %d × %d", rank, plain(alpha), plain(dropout),
                modules, plain(learningRate), steps, batchSize, gradAccum) + (loss.equals(TrainingLoss.ANSWER) ? "" : ", loss on "
                + loss.describe());
    }

    private static String plain(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }
}
