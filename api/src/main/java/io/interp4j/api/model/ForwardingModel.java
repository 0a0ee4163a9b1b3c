package io.interp4j.api.model;

import io.interp4j.api.Stable;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model that forwards every call, default methods included, to another; subclasses override what
 * they change (counting, lazy loading, ownership). Kept in step with {@link Model}, so wrappers do not
 * silently fall back to a default when the interface grows.
 *
 * @since 0.1
 */
@Stable
public abstract class ForwardingModel implements Model {
    /**
     * Returns the model calls go to.
     *
     * @return the delegate
     */
    protected abstract Model delegate();

    @Override
    public String engineId() {
        return delegate().engineId();
    }

    @Override
    public ModelConfig config() {
        return delegate().config();
    }

    @Override
    public Path directory() {
        return delegate().directory();
    }

    @Override
    public Optional<Path> adapter() {
        return delegate().adapter();
    }

    @Override
    public Optional<QuantizationReport> quantization() {
        return delegate().quantization();
    }

    @Override
    public Optional<Tokenizer> tokenizer() {
        return delegate().tokenizer();
    }

    @Override
    public Tokenizer requireTokenizer() {
        return delegate().requireTokenizer();
    }

    @Override
    public List<HookPoint> hookPoints() {
        return delegate().hookPoints();
    }

    @Override
    public Run newRun() {
        return delegate().newRun();
    }

    @Override
    public void close() {
        delegate().close();
    }
}
