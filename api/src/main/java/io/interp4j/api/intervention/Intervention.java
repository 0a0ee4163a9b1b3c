package io.interp4j.api.intervention;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One intervention, as a value: {@code operation} applied at {@code site} on {@code positions} (and
 * {@code heads}, where the site has a head axis), with {@code scale} and {@code value} as the
 * operation needs. The value is either a feature vector (the activation's trailing shape, e.g.
 * {@code [d_model]}, or {@code [d_head]} / {@code [heads, d_head]} at a head site) broadcast over the
 * selected positions, or a whole source activation ({@code [1, pos, ...]}, e.g. from another prompt
 * or model) whose rows are copied position by position.
 *
 * @param operation what to do
 * @param site where
 * @param positions which positions
 * @param heads which heads (empty: all, or the site has none)
 * @param scale the factor of {@link Operation#ADD} and {@link Operation#SCALE}
 * @param value the data of {@link Operation#REPLACE} and {@link Operation#ADD}
 * @param source where the value came from, for reports (e.g. {@code mean over set 'reference'})
 * @since 0.1
 */
@Stable
public record Intervention(
        Operation operation, Site site, Positions positions, List<Integer> heads, double scale, Optional<TensorData> value, String source) {

    /** Checks that the operation and its parameters fit together. */
    public Intervention {
        requireNonNull(operation, "operation is null");
        requireNonNull(site, "site is null");
        requireNonNull(positions, "positions is null");
        heads = List.copyOf(requireNonNull(heads, "heads is null"));
        requireNonNull(value, "value is null");
        requireNonNull(source, "source is null");
        boolean needsValue = operation == Operation.REPLACE || operation == Operation.ADD || operation == Operation.MULTIPLY;
        if (needsValue != value.isPresent()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention " + operation.configName() + " at '" + site.name()
                    + "' " + (needsValue ? "needs a value" : "takes no value"));
        }
        if (!heads.isEmpty() && site.headAxis() < 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "site '" + site.name() + "' has no head axis; heads "
                    + heads + " apply only at attn.hook_q/k/v/rot_q/rot_k/z, attn_scores and pattern");
        }
        if (!Double.isFinite(scale)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention scale must be finite, found " + scale);
        }
    }

    /**
     * Multiplies a site feature-wise by a gate.
     *
     * @param site where
     * @param positions which positions
     * @param gate the factors, the site's feature shape (e.g. {@code [d_model]})
     * @param source what the gate is, for reports
     * @return the intervention
     */
    public static Intervention multiply(Site site, Positions positions, TensorData gate, String source) {
        return new Intervention(Operation.MULTIPLY, site, positions, List.of(), 1, Optional.of(gate), source);
    }

    /**
     * Zeroes a site.
     *
     * @param site where
     * @param positions which positions
     * @return the intervention
     */
    public static Intervention zero(Site site, Positions positions) {
        return new Intervention(Operation.ZERO, site, positions, List.of(), 1, Optional.empty(), "");
    }

    /**
     * Adds {@code scale × vector} at a site.
     *
     * @param site where
     * @param positions which positions
     * @param scale the factor
     * @param vector the direction
     * @param source where the direction came from
     * @return the intervention
     */
    public static Intervention add(Site site, Positions positions, double scale, TensorData vector, String source) {
        return new Intervention(Operation.ADD, site, positions, List.of(), scale, Optional.of(vector), source);
    }

    /**
     * Replaces a site with a value.
     *
     * @param site where
     * @param positions which positions
     * @param value a feature vector or a source activation
     * @param source where the value came from
     * @return the intervention
     */
    public static Intervention replace(Site site, Positions positions, TensorData value, String source) {
        return new Intervention(Operation.REPLACE, site, positions, List.of(), 1, Optional.of(value), source);
    }

    /**
     * Returns a copy restricted to heads.
     *
     * @param selected the heads
     * @return the intervention
     */
    public Intervention withHeads(List<Integer> selected) {
        return new Intervention(operation, site, positions, selected, scale, value, source);
    }

    /**
     * Checks the intervention against a model: layer and heads in range, value shape fitting the site.
     *
     * @param config the model
     * @throws Interp4jException naming the site, what was found and what is allowed
     */
    public void checkIn(ModelConfig config) {
        site.checkIn(config);
        int count = site.headCount(config);
        for (int h : heads) {
            if (h < 0 || h >= count) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "site '" + site.name() + "': head " + h
                        + " is out of range; allowed 0.." + (count - 1));
            }
        }
        value.ifPresent(v -> {
            long[] feature = featureShape(config);
            long[] shape = v.shape();
            boolean vector = Arrays.equals(shape, feature)
                    || (!heads.isEmpty() && Arrays.equals(shape, Arrays.copyOfRange(feature, 1, feature.length)));
            boolean activation = shape.length == feature.length + 2 && shape[0] == 1
                    && Arrays.equals(Arrays.copyOfRange(shape, 2, shape.length), feature);
            if (!vector && !activation) {
                String allowed = Arrays.toString(feature)
                        + (heads.isEmpty() ? "" : " or " + Arrays.toString(Arrays.copyOfRange(feature, 1, feature.length)) + " per head");
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention at '" + site.name() + "': value has shape "
                        + Arrays.toString(shape) + "; allowed: a vector " + allowed + " or an activation [1, pos, "
                        + Arrays.stream(feature).mapToObj(Long::toString).collect(Collectors.joining(", ")) + "]");
            }
        });
    }

    /**
     * Checks the intervention against a model and the prompt of one forward, before it runs: {@link
     * #checkIn}; that every listed position is a position of the prompt (one beyond it would touch
     * nothing, and the forward would pass for an intervened one); and for a value that is a source run's
     * activation ({@code [1, pos, ...]}), that every position it writes has a row in the source (with
     * {@code all}, the source must be as long as the prompt; a negative index counts from the end of both).
     *
     * @param config the model
     * @param length the prompt's length in tokens
     * @throws Interp4jException naming the site, what was found and what is allowed
     * @since 0.2
     */
    public void checkOn(ModelConfig config, int length) {
        checkIn(config);
        if (!positions.all()) {
            for (int index : positions.indices()) {
                if (index >= length || index < -length) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention at '" + site.name() + "': position " + index
                            + " is outside this prompt of " + length + " tokens, so it would touch nothing; allowed 0.." + (length - 1)
                            + ", or -" + length + "..-1 counting from the end");
                }
            }
        }
        Optional<TensorData> source = value.filter(v -> v.shape().length == featureShape(config).length + 2);
        if (source.isEmpty()) {
            return;
        }
        long sourceRows = source.get().shape()[1];
        if (positions.all()) {
            if (sourceRows != length) {
                throw sourceLengthDiffers(sourceRows, length);
            }
            return;
        }
        for (Positions.Selection selection : positions.select(0, length)) {
            sourceIndex(selection.index(), sourceRows);
        }
    }

    /**
     * Returns the error of a patch of every position from a source activation of another length, for
     * engines that apply source activations.
     *
     * @param sourceRows the source's positions
     * @param length the forward's positions
     * @return the error, naming the site
     * @since 0.2
     */
    public Interp4jException sourceLengthDiffers(long sourceRows, int length) {
        return new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention at '" + site.name() + "': the source activation has "
                + sourceRows + " positions but this forward has " + length + "; patch all positions only between equally long prompts,"
                + " or pick positions");
    }

    /**
     * Returns the row of a source activation that a selected position reads, for engines that apply
     * source activations.
     *
     * @param index the selected position index, negative counting from the end
     * @param sourceRows the source's positions
     * @return the row
     * @throws Interp4jException when the source has no such row
     * @since 0.2
     */
    public long sourceIndex(int index, long sourceRows) {
        long row = index >= 0 ? index : sourceRows + index;
        if (row < 0 || row >= sourceRows) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "intervention at '" + site.name() + "': position " + index
                    + " has no row in the source activation of " + sourceRows + " positions");
        }
        return row;
    }

    /**
     * Returns the shape of one position's slice of the site's activation (without batch and position).
     *
     * @param config the model
     * @return e.g. {@code [d_model]}, {@code [heads, d_head]}, {@code [heads, keys]} is not fixed and
     *     reported as {@code [heads, -1]}
     */
    public long[] featureShape(ModelConfig config) {
        return site.featureShape(config);
    }

    /**
     * Describes the intervention in one line for reports.
     *
     * @param config the model, to name the key/value head a query head reads
     * @return e.g. {@code add 4.0 × v (‖v‖ = 3.21; mean difference) at blocks.2.hook_resid_post, positions last}
     */
    public String describe(ModelConfig config) {
        StringBuilder text = new StringBuilder();
        switch (operation) {
            case ZERO -> text.append("zero");
            case SCALE -> text.append(String.format(Locale.ROOT, "scale by %s", scale));
            case REPLACE -> text.append("replace with ").append(valueText());
            case ADD -> text.append(String.format(Locale.ROOT, "add %s × ", scale)).append(valueText());
            case MULTIPLY -> text.append("multiply by ").append(valueText());
        }
        text.append(" at ").append(site.name());
        if (!heads.isEmpty()) {
            text.append(" heads ").append(heads.stream().map(h -> site.headCount(config) == config.numHeads()
                    && site.headAxis() == 2 ? h + " (KV " + config.kvHeadOf(h) + ")" : String.valueOf(h)).collect(Collectors.joining(", ")));
        }
        return text.append(", positions ").append(positions.render()).toString();
    }

    private String valueText() {
        TensorData v = value.orElseThrow();
        return String.format(Locale.ROOT, "v%s (‖v‖ = %.4g%s)", Arrays.toString(v.shape()), v.norm(), source.isEmpty() ? "" : "; " + source);
    }

    /**
     * Renders the intervention as HOCON; a value is rendered inline only when it has at most 4096
     * numbers, else only its shape and source are written.
     *
     * @return a HOCON object
     */
    public String toHocon() {
        StringBuilder text = new StringBuilder("{ operation = ").append(operation.configName())
                .append(", site = \"").append(site.name()).append("\", positions = ").append(positions.render());
        if (!heads.isEmpty()) {
            text.append(", heads = ").append(heads);
        }
        if (operation == Operation.ADD || operation == Operation.SCALE) {
            text.append(", scale = ").append(scale);
        }
        value.ifPresent(v -> {
            text.append(", value-shape = ").append(Arrays.toString(v.shape()));
            if (v.size() <= 4096) {
                float[] data = v.data();
                text.append(", value = [");
                for (int i = 0; i < data.length; i++) {
                    text.append(i == 0 ? "" : ", ").append(data[i]);
                }
                text.append(']');
            }
        });
        if (!source.isEmpty()) {
            text.append(", source = ").append(ConfigValueFactory.fromAnyRef(source).render());
        }
        return text.append(" }").toString();
    }

    /**
     * Reads an intervention written by {@link #toHocon()} (with its value inline, if it has one).
     *
     * @param config the object
     * @return the intervention
     */
    public static Intervention fromConfig(Config config) {
        Operation operation = Operation.parse(config.getString("operation"));
        Site site = Site.parse(config.getString("site"));
        Positions positions = config.hasPath("positions") ? Positions.parse(config.getValue("positions"), "positions") : Positions.ALL;
        List<Integer> heads = config.hasPath("heads") ? config.getIntList("heads") : List.of();
        double scale = config.hasPath("scale") ? config.getDouble("scale") : 1;
        Optional<TensorData> value = Optional.empty();
        if (config.hasPath("value")) {
            List<Double> numbers = config.getDoubleList("value");
            float[] data = new float[numbers.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = numbers.get(i).floatValue();
            }
            long[] shape = config.hasPath("value-shape")
                    ? config.getLongList("value-shape").stream().mapToLong(Long::longValue).toArray()
                    : new long[] {data.length};
            value = Optional.of(new TensorData(shape, data));
        }
        String source = config.hasPath("source") ? config.getString("source") : "";
        return new Intervention(operation, site, positions, heads, scale, value, source);
    }
}
