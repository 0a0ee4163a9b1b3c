package io.interp4j.api.probe;

import static java.util.Objects.requireNonNull;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.Stable;
import io.interp4j.api.plugin.TensorData;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a probe measured: named tensors (e.g. {@code mean/blocks.2.hook_resid_post}) and table rows
 * (e.g. one per layer and module), both in a stable order.
 *
 * @param probe the probe id
 * @param tensors named tensors
 * @param rows table rows, each column name to a number or string
 * @since 0.1
 */
@Stable
public record ProbeResult(String probe, Map<String, TensorData> tensors, List<Map<String, Object>> rows) {
    /** Copies the contents, keeping their order. */
    public ProbeResult {
        requireNonNull(probe, "probe is null");
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(tensors, "tensors is null")));
        rows = requireNonNull(rows, "rows is null").stream()
                .map(r -> Collections.unmodifiableMap(new LinkedHashMap<>(r)))
                .toList();
    }

    /**
     * Returns a named tensor or fails naming it and the tensors that exist.
     *
     * @param name the tensor name
     * @return the tensor
     */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "probe '" + probe + "' produced no tensor '" + name
                    + "'; it produced " + tensors.keySet());
        }
        return t;
    }
}
