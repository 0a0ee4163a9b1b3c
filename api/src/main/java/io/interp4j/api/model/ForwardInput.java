package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One batched forward as an engine runs it: prompts of any lengths (padded as {@code padding} says),
 * optionally started at layer {@code startLayer} from a given residual stream (TransformerLens'
 * {@code start_at_layer}), optionally after earlier positions' keys and values, with logits only at
 * some positions, and with interventions that differ per row.
 *
 * <p>Starting at layer L means the residual is {@code blocks.L.hook_resid_pre} ({@code L =
 * n_layers}: the input of the final norm); hook points before it do not fire, and an intervention
 * there is an error. With {@code past}, the prompts are the positions after the past ones (all
 * equally long) and position ids continue from {@code past.length()}; when the past is a left-padded
 * batch ({@link PastKeyValues#pads()}), each row's continue from its own real length and its pad
 * keys are masked.
 *
 * @param prompts one token sequence per row; ids are checked against the model; with a residual they
 *     still give each row's length (and the embedding is not computed)
 * @param padding where shorter rows are padded
 * @param startLayer the first block computed, 0 to {@code n_layers}
 * @param residual {@code [batch, width, d_model]} at {@code blocks.startLayer.hook_resid_pre}, laid out
 *     like the padded tokens; required when {@code startLayer > 0}, else {@code null}
 * @param past keys and values of earlier positions, or {@code null}
 * @param logits which positions' logits to compute, per row (its own indices; {@code last} is each
 *     row's last real token); {@link Positions#ALL} gives {@code [batch, width, vocab]}, anything else
 *     {@code [batch, selected, vocab]}
 * @param rowInterventions empty, or one list per row applied to that row only (after the run's own
 *     interventions, before its hooks and caches)
 * @since 0.2
 */
@Stable
public record ForwardInput(List<int[]> prompts, Padding padding, int startLayer, NDArray residual, PastKeyValues past,
        Positions logits, List<List<Intervention>> rowInterventions) {
    /** Validates what can be checked without a model and takes copies. */
    public ForwardInput {
        requireNonNull(prompts, "prompts is null");
        requireNonNull(padding, "padding is null");
        requireNonNull(logits, "logits is null");
        requireNonNull(rowInterventions, "rowInterventions is null");
        if (prompts.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no tokens given; a forward needs at least one row");
        }
        List<int[]> copies = new ArrayList<>();
        for (int[] row : prompts) {
            if (row == null || row.length == 0) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no tokens given; every row of a forward needs at least one token");
            }
            copies.add(row.clone());
        }
        prompts = List.copyOf(copies);
        rowInterventions = rowInterventions.stream().map(List::copyOf).toList();
        if (!rowInterventions.isEmpty() && rowInterventions.size() != prompts.size()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "per-row interventions: " + rowInterventions.size()
                    + " lists for " + prompts.size() + " rows; give one list per row or none");
        }
        if (startLayer < 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "start layer " + startLayer + " is negative");
        }
        if ((startLayer > 0) != (residual != null)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, startLayer > 0
                    ? "a forward from layer " + startLayer + " needs the residual stream at blocks." + startLayer + ".hook_resid_pre"
                    : "a residual stream is given but the forward starts at layer 0; give the layer it belongs to");
        }
    }

    /**
     * A plain forward of prompts of any lengths, right-padded, every position's logits.
     *
     * @param prompts one token sequence per row
     * @return the input
     */
    public static ForwardInput of(List<int[]> prompts) {
        return new ForwardInput(prompts, Padding.RIGHT, 0, null, null, Positions.ALL, List.of());
    }

    /**
     * A plain forward of token rows (of any lengths), right-padded, every position's logits.
     *
     * @param tokens {@code [batch][pos]}
     * @return the input
     */
    public static ForwardInput of(int[]... tokens) {
        requireNonNull(tokens, "tokens is null");
        return of(Arrays.asList(tokens));
    }

    /**
     * Returns this input with other padding.
     *
     * @param side where shorter rows are padded
     * @return a new input
     */
    public ForwardInput withPadding(Padding side) {
        return new ForwardInput(prompts, side, startLayer, residual, past, logits, rowInterventions);
    }

    /**
     * Returns this input started at a layer from a residual stream.
     *
     * @param layer the first block computed (up to {@code n_layers})
     * @param stream {@code [batch, width, d_model]} at {@code blocks.layer.hook_resid_pre}
     * @return a new input
     */
    public ForwardInput startingAt(int layer, NDArray stream) {
        return new ForwardInput(prompts, padding, layer, requireNonNull(stream, "stream is null"), past, logits, rowInterventions);
    }

    /**
     * Returns this input after earlier positions' keys and values.
     *
     * @param earlier the keys and values
     * @return a new input
     */
    public ForwardInput after(PastKeyValues earlier) {
        return new ForwardInput(prompts, padding, startLayer, residual, requireNonNull(earlier, "earlier is null"), logits, rowInterventions);
    }

    /**
     * Returns this input computing logits only at some positions.
     *
     * @param positions per row, e.g. {@link Positions#LAST}
     * @return a new input
     */
    public ForwardInput logitsAt(Positions positions) {
        return new ForwardInput(prompts, padding, startLayer, residual, past, positions, rowInterventions);
    }

    /**
     * Returns this input with interventions per row.
     *
     * @param perRow one list per row
     * @return a new input
     */
    public ForwardInput withRowInterventions(List<List<Intervention>> perRow) {
        return new ForwardInput(prompts, padding, startLayer, residual, past, logits, perRow);
    }

    /**
     * Returns the number of rows.
     *
     * @return the batch size
     */
    public int batch() {
        return prompts.size();
    }

    /**
     * Returns where each row lies in the padded chunk.
     *
     * @return the layout
     */
    public BatchLayout layout() {
        return BatchLayout.of(prompts, padding);
    }

    /**
     * Returns the interventions of one row.
     *
     * @param row the batch row
     * @return its interventions, empty when none
     */
    public List<Intervention> interventions(int row) {
        return rowInterventions.isEmpty() ? List.of() : rowInterventions.get(row);
    }

    /**
     * Checks the input against a model: token ids, the start layer, the residual's shape, the past's
     * shapes and that no intervention lies before the start layer. Engines call it first.
     *
     * @param config the model
     */
    public void check(ModelConfig config) {
        for (int[] row : prompts) {
            for (int id : row) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token id " + id + " is out of range; allowed 0.."
                            + (config.vocabSize() - 1));
                }
            }
        }
        if (startLayer > config.numLayers()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "start layer " + startLayer + " is out of range; the model has layers 0.."
                    + (config.numLayers() - 1) + " (" + config.numLayers() + " starts at the final norm)");
        }
        BatchLayout layout = layout();
        if (residual != null) {
            long[] expected = {batch(), layout.width(), config.hiddenSize()};
            if (!Arrays.equals(residual.getShape().getShape(), expected)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the residual stream at layer " + startLayer + " has shape "
                        + residual.getShape() + "; expected " + Arrays.toString(expected));
            }
        }
        if (past != null) {
            // the new positions of every row follow the past directly; rows of different pasts say so with the past's pads
            layout.requireUniform("a forward after past keys and values");
            past.check(config, startLayer, batch());
        }
        for (int b = 0; b < rowInterventions.size(); b++) {
            for (Intervention intervention : rowInterventions.get(b)) {
                intervention.checkIn(config);
                requireReached(intervention.site(), config, "row " + b + "'s intervention");
            }
        }
    }

    /**
     * Fails when a site lies before the start layer, where nothing fires.
     *
     * @param site the site
     * @param config the model
     * @param what names it in the message
     */
    public void requireReached(Site site, ModelConfig config, String what) {
        if (firstLayer(site, config) < startLayer) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, what + " at '" + site.name() + "' lies before layer " + startLayer
                    + ", where this forward starts; it would never fire");
        }
    }

    /**
     * Returns the latest layer a forward may start at for an intervention at a site to fire: its
     * block, 0 for the embedding, {@code n_layers} (the final norm's input) for the final norm and the
     * logits.
     *
     * @param site the site
     * @param config the model
     * @return the layer
     */
    public static int firstLayer(Site site, ModelConfig config) {
        if (site.layer() >= 0) {
            return site.layer();
        }
        return site.rewrittenPoint().site() == io.interp4j.api.hook.HookSite.EMBED ? 0 : config.numLayers();
    }
}
