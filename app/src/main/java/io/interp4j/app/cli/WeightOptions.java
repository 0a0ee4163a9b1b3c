package io.interp4j.app.cli;

import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.quant.Quantization;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --adapter} and {@code --quantization} options of commands that load a model (a picocli mixin). */
public final class WeightOptions {
    @Option(names = "--adapter", paramLabel = "PEFT_DIR", description = "A PEFT LoRA adapter directory merged into the weights.")
    Path adapter;

    @Option(names = "--quantization", paramLabel = "SCHEME", defaultValue = "none",
            description = "Quantisation: none, int8, nf4, q8, q4 or llm-int8 (default: ${DEFAULT-VALUE}).")
    Quantization quantization;

    /**
     * Returns the load options given.
     *
     * @return the adapter, if any, and the quantisation
     */
    public LoadOptions loadOptions() {
        LoadOptions options = adapter == null ? LoadOptions.defaults() : LoadOptions.withAdapter(adapter);
        return options.withQuantization(quantization);
    }
}
