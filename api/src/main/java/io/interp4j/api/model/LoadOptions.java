package io.interp4j.api.model;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.Stable;
import io.interp4j.api.quant.Quantization;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to load a model.
 *
 * @param adapter a PEFT LoRA adapter directory to merge into the weights ({@code W + s·B·A}); the
 *     result is a separate model, so the base model loaded on its own never sees the adapter
 * @param quantization the weight-only quantisation of the blocks' linear layers (after merging an adapter)
 * @since 0.1
 */
@Stable
public record LoadOptions(Optional<Path> adapter, Quantization quantization) {
    /** Checks the fields. */
    public LoadOptions {
        requireNonNull(adapter, "adapter is null");
        requireNonNull(quantization, "quantization is null");
    }

    /**
     * Returns options with an adapter and no quantisation.
     *
     * @param adapter the adapter, if any
     */
    public LoadOptions(Optional<Path> adapter) {
        this(adapter, Quantization.NONE);
    }

    /**
     * Returns a copy with another quantisation.
     *
     * @param scheme the scheme
     * @return the options
     */
    public LoadOptions withQuantization(Quantization scheme) {
        return new LoadOptions(adapter, scheme);
    }

    /**
     * Returns the options of a plain load.
     *
     * @return no adapter
     */
    public static LoadOptions defaults() {
        return new LoadOptions(Optional.empty());
    }

    /**
     * Returns the options of a load with an adapter.
     *
     * @param adapter the adapter directory
     * @return the options
     */
    public static LoadOptions withAdapter(Path adapter) {
        return new LoadOptions(Optional.of(adapter));
    }
}
