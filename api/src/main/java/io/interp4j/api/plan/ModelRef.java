package io.interp4j.api.plan;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.quant.Quantization;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A forward request's model as data: a study model's name, optionally loaded as a variant (an adapter
 * on top, a quantisation scheme). Its {@link #key()} is what a {@link ForwardRequest} carries, so that
 * a plan stays plain data that any executor (or machine) can resolve: the plain name for the model as
 * the study declares it, {@code name|adapter=PATH|quantization=SCHEME} for a variant.
 *
 * @param name the study model's name
 * @param options the variant's adapter and quantisation, or the defaults for the model as declared
 * @since 0.2
 */
@Stable
public record ModelRef(String name, LoadOptions options) {
    private static final String ADAPTER = "|adapter=";
    private static final String QUANTIZATION = "|quantization=";

    /** Validates the reference. */
    public ModelRef {
        requireNonNull(name, "name is null");
        requireNonNull(options, "options is null");
        if (name.isEmpty() || name.contains("|")) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "model name '" + name + "' cannot be referenced by a plan; names are"
                    + " non-empty and contain no '|'");
        }
    }

    /**
     * The model as the study declares it.
     *
     * @param name the study model's name
     * @return the reference
     */
    public static ModelRef of(String name) {
        return new ModelRef(name, LoadOptions.defaults());
    }

    /**
     * Returns whether this is a variant rather than the declared model.
     *
     * @return true with an adapter or quantisation given
     */
    public boolean variant() {
        return !options.equals(LoadOptions.defaults());
    }

    /**
     * Returns the key a request carries.
     *
     * @return the name, or the name with the variant's options
     */
    public String key() {
        if (!variant()) {
            return name;
        }
        return name + ADAPTER + options.adapter().map(Path::toString).orElse("") + QUANTIZATION + options.quantization().configName();
    }

    /**
     * Parses a request's model key.
     *
     * @param key a name or a variant key
     * @return the reference
     */
    public static ModelRef parse(String key) {
        requireNonNull(key, "key is null");
        int adapter = key.indexOf(ADAPTER);
        if (adapter < 0) {
            return of(key);
        }
        int quantization = key.lastIndexOf(QUANTIZATION);
        if (quantization < adapter) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "model key '" + key + "' has an adapter but no quantization part");
        }
        String path = key.substring(adapter + ADAPTER.length(), quantization);
        Quantization scheme = Quantization.parse(key.substring(quantization + QUANTIZATION.length()), "model key '" + key + "'");
        return new ModelRef(key.substring(0, adapter), new LoadOptions(path.isEmpty() ? Optional.empty() : Optional.of(Path.of(path)), scheme));
    }
}
