package io.interp4j.runner.spark;

import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.quant.Quantization;
import io.interp4j.planner.runner.ModelSource;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model as an executor loads it, serialisable: the engine id, the directory, the adapter directory
 * (or null) and the quantisation scheme's name. Also the key of the executor's model cache.
 */
record Source(String engine, String path, String adapter, String quantization) implements Serializable {
    private static final long serialVersionUID = 1L;

    static Source of(ModelSource m, LoadOptions options) {
        return new Source(m.engine(), m.path().toString(), options.adapter().map(Path::toString).orElse(null),
                options.quantization().configName());
    }

    LoadOptions options() {
        return new LoadOptions(Optional.ofNullable(adapter).map(Path::of), Quantization.parse(quantization, "model " + path));
    }

    @Override
    public String toString() {
        return path + " on " + engine + (adapter == null ? "" : " + adapter " + adapter) + (quantization.equals("none") ? "" : " (" + quantization + ")");
    }
}
