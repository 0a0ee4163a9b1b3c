package io.interp4j.engine.djl;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.model.EngineProvider;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.Pretrainer;
import java.util.Optional;

/** The {@code djl} engine: DJL on PyTorch, float32 compute on the CPU. */
public final class DjlEngineProvider implements EngineProvider {
    /** The engine id. */
    public static final String ID = "djl";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Qwen2 in DJL NDArray ops on PyTorch (CPU, float32): every hook point, KV-cached greedy generation";
    }

    @Override
    public Optional<LoraTrainer> loraTrainer() {
        return Optional.of(new DjlLoraTrainer());
    }

    @Override
    public Optional<Pretrainer> pretrainer() {
        return Optional.of(new DjlPretrainer());
    }

    @Override
    public Model load(Checkpoint checkpoint) {
        return DjlModel.load(checkpoint, LoadOptions.defaults());
    }

    @Override
    public Model load(Checkpoint checkpoint, LoadOptions options) {
        return DjlModel.load(checkpoint, options);
    }
}
