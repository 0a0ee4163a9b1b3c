package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * One forward as a value: which model (by its name in the study or in the executor's model source),
 * which tokens (raw: no BOS added), which interventions (applied in order, to this forward only), and
 * what to read.
 *
 * @param model the model's name
 * @param tokens the prompt's token ids, not empty
 * @param interventions the interventions, empty for a clean forward
 * @param readout what to read
 * @since 0.2
 */
@Stable
public record ForwardRequest(String model, int[] tokens, List<Intervention> interventions, Readout readout) {
    /** Validates the request and takes copies. */
    public ForwardRequest {
        requireNonNull(model, "model is null");
        requireNonNull(tokens, "tokens is null");
        requireNonNull(readout, "readout is null");
        if (tokens.length == 0) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a forward request needs at least one token");
        }
        tokens = tokens.clone();
        interventions = List.copyOf(requireNonNull(interventions, "interventions is null"));
    }

    /**
     * A clean forward reading the last position's logits.
     *
     * @param model the model's name
     * @param tokens the prompt
     * @return the request
     */
    public static ForwardRequest clean(String model, int[] tokens) {
        return new ForwardRequest(model, tokens, List.of(), Readout.LAST_LOGITS);
    }

    /**
     * An intervened forward reading the last position's logits.
     *
     * @param model the model's name
     * @param tokens the prompt
     * @param interventions applied in order
     * @return the request
     */
    public static ForwardRequest intervened(String model, int[] tokens, List<Intervention> interventions) {
        return new ForwardRequest(model, tokens, interventions, Readout.LAST_LOGITS);
    }

    /**
     * Returns this request with another readout.
     *
     * @param what what to read
     * @return a new request
     */
    public ForwardRequest reading(Readout what) {
        return new ForwardRequest(model, tokens, interventions, what);
    }

    /**
     * Checks the request against its model before it runs, so that a plan can be checked whole before
     * any of it runs: every token inside the vocabulary, every hook point read and every intervention's
     * site, heads and value in range, and every patched position with a row in its source activation
     * ({@link Intervention#checkOn}).
     *
     * @param config the model the request names
     * @throws Interp4jException naming the token, hook point or site, what was found and what is allowed
     */
    public void checkIn(ModelConfig config) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "token " + tokens[i] + " at position " + i
                        + " is outside the vocabulary; allowed 0.." + (config.vocabSize() - 1));
            }
        }
        readout.activations().keySet().forEach(point -> point.checkIn(config));
        interventions.forEach(intervention -> intervention.checkOn(config, tokens.length));
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /**
     * Returns the number of tokens.
     *
     * @return the prompt's length
     */
    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ForwardRequest r && model.equals(r.model) && Arrays.equals(tokens, r.tokens)
                && interventions.equals(r.interventions) && readout.equals(r.readout);
    }

    @Override
    public int hashCode() {
        return ((model.hashCode() * 31 + Arrays.hashCode(tokens)) * 31 + interventions.hashCode()) * 31 + readout.hashCode();
    }

    @Override
    public String toString() {
        return "ForwardRequest[" + model + ", " + tokens.length + " tokens, " + interventions.size() + " interventions, " + readout + "]";
    }
}
