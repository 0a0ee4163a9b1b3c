package io.interp4j.app.randommodel;

import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.app.cli.UsageException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The options of a random model — a preset, or the shape options with their defaults — read from any
 * source of named values (command-line options, a study's {@code create} block), in one place.
 *
 * @param config the architecture
 * @param dtype the storage type
 * @param seed the seed
 */
public record RandomModelRecipe(ModelConfig config, DType dtype, long seed) {
    /** The shape options, each with its default. */
    public static final List<String> SHAPE_OPTIONS = List.of("layers", "hidden", "heads", "kv-heads", "intermediate", "vocab", "tied");

    /**
     * Reads a recipe.
     *
     * @param option a named value, or empty when absent
     * @param where the prefix of messages (e.g. {@code --} or a config path followed by a dot)
     * @return the recipe
     */
    public static RandomModelRecipe read(Function<String, Optional<String>> option, String where) {
        long seed = parseLong(option, "seed", where);
        String dtypeName = option.apply("dtype").orElse("float32");
        if (!dtypeName.equals("float32") && !dtypeName.equals("bfloat16")) {
            throw new UsageException(where + "dtype must be one of float32, bfloat16, found '" + dtypeName + "'");
        }
        DType dtype = DType.fromTorchName(dtypeName, where + "dtype");
        if (option.apply("preset").isPresent()) {
            for (String shape : SHAPE_OPTIONS) {
                if (option.apply(shape).isPresent()) {
                    throw new UsageException(where + shape + " cannot be combined with " + where + "preset, which fixes every shape");
                }
            }
            return new RandomModelRecipe(RandomCheckpoint.preset(option.apply("preset").get()), dtype, seed);
        }
        int heads = integer(option, "heads", 4, 1, 4096, where);
        int hidden = integer(option, "hidden", 64, 1, 1 << 16, where);
        if (hidden % heads != 0) {
            throw new UsageException(where + "hidden " + hidden + " must be a multiple of " + where + "heads " + heads);
        }
        int kvHeads = integer(option, "kv-heads", Math.min(2, heads), 1, heads, where);
        if (heads % kvHeads != 0) {
            throw new UsageException(where + "heads " + heads + " must be a multiple of " + where + "kv-heads " + kvHeads);
        }
        if ((hidden / heads) % 2 != 0) {
            throw new UsageException("head size " + where + "hidden / " + where + "heads = " + hidden / heads + " must be even for rotary embeddings");
        }
        String tied = option.apply("tied").orElse("true");
        if (!tied.equals("true") && !tied.equals("false")) {
            throw new UsageException(where + "tied must be true or false, found '" + tied + "'");
        }
        ModelConfig config = ModelConfig.of(
                integer(option, "vocab", 512, 257, 1 << 22, where),
                hidden,
                integer(option, "intermediate", 2 * hidden, 1, 1 << 18, where),
                integer(option, "layers", 2, 1, 1024, where),
                heads,
                kvHeads,
                Boolean.parseBoolean(tied));
        return new RandomModelRecipe(config, dtype, seed);
    }

    private static int integer(Function<String, Optional<String>> option, String name, int fallback, int min, int max, String where) {
        Optional<String> text = option.apply(name);
        if (text.isEmpty()) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(text.get().trim());
        } catch (NumberFormatException e) {
            throw new UsageException(where + name + " must be an integer, found '" + text.get() + "'");
        }
        if (value < min || value > max) {
            throw new UsageException(where + name + " must be in [" + min + ", " + max + "], found " + value);
        }
        return value;
    }

    private static long parseLong(Function<String, Optional<String>> option, String name, String where) {
        String text = option.apply(name).orElseThrow(() -> new UsageException("missing required option " + where + name));
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(where + name + " must be an integer, found '" + text + "'");
        }
    }
}
