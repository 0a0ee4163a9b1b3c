package io.interp4j.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.HookDispatcher;
import io.interp4j.api.model.Decoding;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.train.LoraTrainer;
import io.interp4j.api.train.Pretrainer;
import io.interp4j.api.train.PretrainingOptions;
import io.interp4j.api.train.TrainingExample;
import io.interp4j.api.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Trains every weight of a Qwen2 model from a random start with PyTorch autograd through the same
 * forward the engine runs (GPT-2 style initialisation: N(0, 0.02), output projections scaled by
 * 1/√(2·layers), norms 1, biases 0), AdamW with decay on matrices only, and writes a Hugging Face
 * directory that every engine loads.
 */
final class DjlPretrainer implements Pretrainer {
    @Override
    public TrainingResult train(ModelConfig config, String tokenizerJson, List<TrainingExample> data, PretrainingOptions options, Path out,
            LoraTrainer.Listener listener) {
        if (data.isEmpty()) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "no training examples");
        }
        for (TrainingExample e : data) {
            Decoding.checkTokens(config, new int[][] {e.tokens()});
        }
        DjlRuntime.init();
        long started = System.nanoTime();
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        Random random = new Random(options.seed());
        List<Double> losses = new ArrayList<>();
        long tokens = 0;
        // PyTorch's intra-op threads of this (the calling) thread: a fixed count makes runs repeatable
        int threadsBefore = JniUtils.getNumThreads();
        JniUtils.setNumThreads(options.threads());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Map<String, NDArray> parameters = initialise(config, manager, random);
            DjlModel.Weights weights = DjlModel.Weights.of(config, parameters::get);
            List<NDArray> trainable = new ArrayList<>(parameters.values());
            List<Boolean> decayed = trainable.stream().map(p -> p.getShape().dimension() == 2).toList();
            AdamW optimizer = new AdamW(trainable, decayed);
            Qwen2Forward forward = new Qwen2Forward(config, weights);
            HookDispatcher noHooks = new HookDispatcher(config);
            Epochs<TrainingExample> epochs = new Epochs<>(data, random);
            for (int step = 0; step < options.steps(); step++) {
                List<TrainingExample> batch = epochs.next(options.batchSize());
                double loss;
                try (NDManager scope = manager.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    TokenLoss.Batch tensors = TokenLoss.Batch.of(batch);
                    tokens += tensors.realTokens();
                    NDArray logits = forward.run(new Qwen2Forward.Pass(tensors.inputs(), null, noHooks, scope, null, 0));
                    NDArray value = TokenLoss.loss(logits, tensors, scope);
                    loss = value.getFloat();
                    collector.backward(value);
                }
                double learningRate = options.learningRateAt(step);
                optimizer.step(learningRate, options.weightDecay(), options.maxGradNorm());
                losses.add(loss);
                listener.step(step + 1, loss, learningRate);
            }
            save(config, tokenizerJson, parameters, out);
        } finally {
            JniUtils.setNumThreads(threadsBefore);
        }
        return new TrainingResult(losses, (System.nanoTime() - started) / 1e9, tokens, out);
    }

    private static Map<String, NDArray> initialise(ModelConfig config, NDManager manager, Random random) {
        Map<String, NDArray> parameters = new LinkedHashMap<>();
        double outputScale = 1 / Math.sqrt(2.0 * config.numLayers());
        for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int count = (int) java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact);
            float[] values = new float[count];
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(values, 1f);
            } else if (!name.endsWith(".bias")) {
                double std = 0.02 * (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? outputScale : 1);
                for (int i = 0; i < count; i++) {
                    values[i] = (float) (std * random.nextGaussian());
                }
            }
            // PyTorch-owned memory, as every array autograd sees (Qwen2Forward.owned and constant)
            NDArray array = Qwen2Forward.owned(manager.create(values, new Shape(shape)));
            array.setRequiresGradient(true);
            parameters.put(name, array);
        }
        return parameters;
    }

    /** Writes config.json, model.safetensors and tokenizer.json; the directory appears only when complete. */
    private static void save(ModelConfig config, String tokenizerJson, Map<String, NDArray> parameters, Path out) {
        Path staging = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        try {
            deleteTree(staging);
            Files.createDirectories(staging);
            Files.writeString(staging.resolve(Checkpoint.CONFIG_FILE), config.withTokensAndDtype(config.bosTokenId(), config.eosTokenId(),
                    "float32").toJson());
            Files.writeString(staging.resolve(Checkpoint.TOKENIZER_FILE), tokenizerJson);
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                float[] values = e.getValue().toFloatArray();
                entries.add(new SafetensorsWriter.Entry(e.getKey(), DType.F32, e.getValue().getShape().getShape(), () -> values));
            }
            SafetensorsWriter.write(staging.resolve(Checkpoint.SINGLE_FILE), entries, Map.of("format", "pt"));
            deleteTree(out);
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Interp4jException(ErrorCode.IO_ERROR, out + ": cannot write the trained model: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
