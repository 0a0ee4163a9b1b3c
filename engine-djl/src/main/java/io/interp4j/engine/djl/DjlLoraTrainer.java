package io.interp4j.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingLoss;
import io.interp4j.api.train.TrainingOptions;
import io.interp4j.api.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * LoRA training on the djl engine with PyTorch autograd: the base weights stay frozen (and memory
 * mapped); only A and B learn. AdamW as {@code torch.optim.AdamW} (β 0.9/0.999, ε 1e-8, decoupled
 * weight decay), linear warm-up then linear decay, gradient accumulation, global-norm clipping, loss
 * (mean token cross-entropy) over the positions {@link TrainingOptions#loss()} counts (answer tokens only by
 * default).
 */
final class DjlLoraTrainer implements LoraTrainer {
    @Override
    public TrainingResult train(Model base, List<TrainingExample> data, TrainingOptions options, Path out, Listener listener) {
        if (!(base instanceof DjlModel model)) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "the djl trainer trains djl models; got a model of engine '"
                    + base.engineId() + "'");
        }
        if (base.adapter().isPresent() || base.quantization().isPresent()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "train on the plain base model: this one carries an adapter or quantised weights");
        }
        if (data.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no training examples");
        }
        ModelConfig config = model.config();
        for (TrainingExample e : data) {
            io.interp4j.api.model.Decoding.checkTokens(config, new int[][] {e.tokens()});
        }
        int pad = padding(config, options.loss());
        // a too-long example fails here, not at the first micro-batch that draws it
        TokenLoss.requireFits(data, options.loss());
        long started = System.nanoTime();
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        Random random = new Random(options.seed());
        Qwen2Forward forward = new Qwen2Forward(config, model.weights());
        HookDispatcher noHooks = new HookDispatcher(config);
        List<Double> losses = new ArrayList<>();
        long tokens = 0;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            LoraLayers lora = new LoraLayers(config, options, manager, random);
            List<NDArray> parameters = lora.parameters();
            AdamW optimizer = new AdamW(parameters, java.util.Collections.nCopies(parameters.size(), true));
            Epochs<TrainingExample> epochs = new Epochs<>(data, random);
            for (int step = 0; step < options.steps(); step++) {
                double stepLoss = 0;
                lora.training(true);
                for (int micro = 0; micro < options.gradientAccumulation(); micro++) {
                    List<TrainingExample> batch = epochs.next(options.batchSize());
                    try (NDManager scope = manager.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        TokenLoss.Batch tensors = TokenLoss.Batch.of(batch, options.loss(), pad);
                        tokens += tensors.realTokens();
                        NDArray logits = forward.run(new Qwen2Forward.Pass(tensors.inputs(), null, noHooks, scope, null, 0, lora));
                        NDArray loss = TokenLoss.loss(logits, tensors, scope);
                        stepLoss += loss.getFloat();
                        collector.backward(loss.div(Qwen2Forward.constant(scope, options.gradientAccumulation())));
                    }
                }
                lora.training(false);
                double learningRate = options.learningRateAt(step);
                optimizer.step(learningRate, options.weightDecay(), options.maxGradNorm());
                double meanLoss = stepLoss / options.gradientAccumulation();
                losses.add(meanLoss);
                listener.step(step + 1, meanLoss, learningRate);
                if (options.checkpointSteps().contains(step + 1)) {
                    save(lora, options, out.resolve("checkpoint-" + (step + 1)), model);
                }
            }
            save(lora, options, out, model);
        }
        return new TrainingResult(losses, (System.nanoTime() - started) / 1e9, tokens, out);
    }

    /**
     * The id padding is written with: the end-of-sequence token where the loss counts padding (Qwen's tokenizer pads
     * with it), else 0 (masked out of the loss and never seen by an example's own positions, so any id serves).
     */
    private static int padding(ModelConfig config, TrainingLoss loss) {
        if (!loss.padding()) {
            return 0;
        }
        return config.eosTokenId().orElseThrow(() -> new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a loss that counts padding pads"
                + " with the model's end-of-sequence token, and this model's config.json has no eos_token_id"));
    }

    /** Writes the adapter in PEFT's format, atomically per file. */
    static void save(LoraLayers lora, TrainingOptions options, Path directory, DjlModel base) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (LoraLayers.Pair pair : lora.pairs()) {
            String prefix = "base_model.model.model.layers." + pair.layer() + "." + LoraLayers.Pair.prefix(pair.module()) + pair.module();
            float[] a = pair.a().toFloatArray();
            float[] b = pair.b().toFloatArray();
            entries.add(new SafetensorsWriter.Entry(prefix + ".lora_A.weight", DType.F32, pair.a().getShape().getShape(), () -> a));
            entries.add(new SafetensorsWriter.Entry(prefix + ".lora_B.weight", DType.F32, pair.b().getShape().getShape(), () -> b));
        }
        JsonObject config = new JsonObject();
        config.addProperty("peft_type", "LORA");
        config.addProperty("task_type", "CAUSAL_LM");
        config.addProperty("base_model_name_or_path", base.directory().toString());
        config.addProperty("r", options.rank());
        config.addProperty("lora_alpha", options.alpha());
        config.addProperty("lora_dropout", options.dropout());
        JsonArray modules = new JsonArray();
        options.targetModules().forEach(modules::add);
        config.add("target_modules", modules);
        config.addProperty("bias", "none");
        config.addProperty("fan_in_fan_out", false);
        config.addProperty("use_rslora", false);
        config.addProperty("inference_mode", true);
        try {
            Files.createDirectories(directory);
            SafetensorsWriter.write(directory.resolve(LoraAdapter.WEIGHTS_FILE), entries, Map.of("format", "pt"));
            Path tmp = directory.resolve("." + LoraAdapter.CONFIG_FILE + ".partial");
            Files.writeString(tmp, new GsonBuilder().setPrettyPrinting().create().toJson(config));
            Files.move(tmp, directory.resolve(LoraAdapter.CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, directory + ": cannot write the adapter: " + e.getMessage(), e);
        }
    }
}
