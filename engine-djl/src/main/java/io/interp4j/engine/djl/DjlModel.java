package io.interp4j.engine.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.TensorInfo;
import io.interp4j.api.model.AbstractModel;
import io.interp4j.api.model.LoadOptions;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.model.Run;
import io.interp4j.api.model.ThreadPolicy;
import io.interp4j.api.quant.QuantizationReport;
import io.interp4j.api.quant.QuantizedWeight;
import io.interp4j.api.quant.Quantization;
import io.interp4j.api.tokenizer.HfTokenizer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Qwen2 model on PyTorch. Float32 weights are PyTorch tensors over the checkpoint's memory
 * mappings (zero-copy); narrower storage is widened once at load. Each block's q|k|v and gate|up
 * projections are also copied into one matrix each at load, so a block runs two matrix products
 * where it ran five. Under {@code int8} and {@code nf4} the projections are held as their codes only
 * ({@link CodeWeights}).
 */
final class DjlModel extends AbstractModel {
    private final NDManager manager;
    private final Weights weights;

    private DjlModel(Checkpoint checkpoint, NDManager manager, Weights weights, HfTokenizer tokenizer, Path adapter) {
        super(DjlEngineProvider.ID, checkpoint, tokenizer, adapter, weights.quantization());
        this.manager = manager;
        this.weights = weights;
    }

    static DjlModel load(Checkpoint checkpoint, LoadOptions options) {
        DjlRuntime.init();
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        HfTokenizer tokenizer = null;
        try {
            Weights weights;
            if (options.adapter().isPresent()) {
                try (LoraAdapter lora = LoraAdapter.open(options.adapter().get())) {
                    lora.checkAgainst(checkpoint.config());
                    weights = Weights.load(checkpoint, manager, lora, options.quantization());
                }
            } else {
                weights = Weights.load(checkpoint, manager, null, options.quantization());
            }
            tokenizer = checkpoint.tokenizerFile().map(HfTokenizer::load).orElse(null);
            return new DjlModel(checkpoint, manager, weights, tokenizer, options.adapter().orElse(null));
        } catch (RuntimeException e) {
            manager.close();
            checkpoint.close();
            if (e instanceof Interp4jException) {
                throw e;
            }
            throw new Interp4jException(ErrorCode.ENGINE_ERROR, checkpoint.directory() + ": cannot load into PyTorch: " + e, e);
        }
    }

    @Override
    public Run newRun() {
        return new DjlRun(this, manager.newSubManager());
    }

    Weights weights() {
        return weights;
    }

    @Override
    protected void closeEngine() {
        if (weights.blocks() != null) {
            weights.blocks().close();
        }
        if (weights.codes() != null) {
            weights.codes().close();
        }
        manager.close();
    }

    /**
     * All weights of the model; under {@code llm-int8} the blocks' projections are int8 codes (as float32 values) whose row
     * absmax {@code llmInt8} holds (null otherwise); under {@code int8} and {@code nf4} they are codes arrays that
     * {@code codes} holds (null otherwise); under {@code q8} and {@code q4} they are the dequantised values, and
     * {@code blocks} holds their codes for the block kernels (null otherwise).
     */
    record Weights(NDArray embed, LayerWeights[] layers, NDArray finalNorm, NDArray unembed, QuantizationReport quantization, LlmInt8 llmInt8,
            BlockProducts blocks, CodeWeights codes) {
        static Weights load(Checkpoint checkpoint, NDManager manager, LoraAdapter lora, Quantization quantization) {
            ModelConfig config = checkpoint.config();
            Map<String, LoraAdapter.Module> adapted = new HashMap<>();
            QuantizationReport.Builder report = new QuantizationReport.Builder(quantization);
            Map<String, NDArray> rowAbsmax = new HashMap<>();
            Map<String, BlockKernel.Weight> kernels = new HashMap<>();
            if (quantization.quantizesActivations()) {
                BlockProducts.requireVectorApi(quantization);
            }
            if (lora != null) {
                lora.modules().forEach(m -> adapted.put(m.baseWeight(), m));
            }
            CodeWeights codes = CodeWeights.holdsCodes(quantization) ? new CodeWeights(manager) : null;
            Weights weights = of(config, name -> {
                LoraAdapter.Module module = adapted.get(name);
                if (!quantization.quantizes(name)) {
                    return module == null ? tensor(checkpoint, manager, name) : merged(checkpoint, manager, lora, module);
                }
                // weight-only quantisation: compute with exactly the values the codes stand for
                QuantizedWeight quantized = quantized(checkpoint, lora, module, name, quantization, report);
                if (quantization == Quantization.LLM_INT8) {
                    // LLM.int8 multiplies the codes themselves (LlmInt8), with activations quantised at every product
                    rowAbsmax.put(name, manager.create(quantized.scales()));
                    // the codes as float32 values: a product would otherwise convert the whole weight every time
                    byte[] int8 = quantized.codes();
                    int columns = quantized.columns();
                    return written(manager, quantized.rows(), columns, (from, to) -> {
                        float[] values = new float[(to - from) * columns];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = int8[from * columns + i];
                        }
                        return values;
                    });
                }
                if (codes != null) {
                    return codes.put(quantized);
                }
                // the fast modes keep the dequantised values for products of many rows, which PyTorch computes faster than
                // the block kernels (BlockProducts)
                kernels.put(name, BlockKernel.Weight.of(quantized));
                return written(manager, quantized.rows(), quantized.columns(), quantized::dequantize);
            });
            LayerWeights[] fused = new LayerWeights[weights.layers().length];
            for (int i = 0; i < fused.length; i++) {
                fused[i] = fused(weights.layers()[i], codes);
            }
            NDArray unembed = weights.unembed();
            String unembedding = Qwen2Layout.unembedding(config);
            if (quantization.unembeddingScheme() != Quantization.NONE) {
                // the fast modes' unembedding: its own codes (with tied embeddings the lookup keeps the float32 table)
                QuantizedWeight quantized = quantized(checkpoint, lora, adapted.get(unembedding), unembedding, quantization.unembeddingScheme(), report);
                kernels.put(unembedding, BlockKernel.Weight.of(quantized));
                if (!config.tieWordEmbeddings()) {
                    unembed.close();
                }
                unembed = written(manager, quantized.rows(), quantized.columns(), quantized::dequantize);
            }
            return new Weights(weights.embed(), fused, weights.finalNorm(), unembed,
                    quantization == Quantization.NONE ? null : report.build(),
                    quantization == Quantization.LLM_INT8 ? llmInt8(fused, rowAbsmax) : null,
                    quantization.quantizesActivations() ? blocks(fused, unembed, kernels.get(unembedding), kernels) : null, codes);
        }

        /**
         * The block with q|k|v and gate|up fused, their codes stacked when held as codes; a block whose
         * codes cannot be stacked ({@link CodeWeights#stackable}) keeps its five products.
         */
        private static LayerWeights fused(LayerWeights layer, CodeWeights codes) {
            if (codes == null) {
                return layer.fused();
            }
            List<NDArray> qkv = List.of(layer.qWeight(), layer.kWeight(), layer.vWeight());
            List<NDArray> gateUp = List.of(layer.gateWeight(), layer.upWeight());
            if (!codes.stackable(qkv) || !codes.stackable(gateUp)) {
                return layer;
            }
            LayerWeights fused = layer.fused();
            codes.stacked(fused.qkvWeight(), qkv);
            codes.stacked(fused.gateUpWeight(), gateUp);
            return fused;
        }

        /**
         * Registers each fused block's weights in the kernels' layout, stacked as the dequantised arrays are,
         * and the unembedding's.
         */
        private static BlockProducts blocks(LayerWeights[] layers, NDArray unembed, BlockKernel.Weight unembedding,
                Map<String, BlockKernel.Weight> kernels) {
            BlockKernel.warmUp();
            BlockProducts blocks = new BlockProducts(ThreadPolicy.current().intraOp());
            blocks.put(unembed, unembedding);
            for (int l = 0; l < layers.length; l++) {
                int layer = l;
                // taken out of the map as they are stacked, so the parts can go before the next layer's stack is made
                java.util.function.Function<String, BlockKernel.Weight> kernel = module -> kernels.remove(Qwen2Layout.layer(layer, module + ".weight"));
                LayerWeights w = layers[l];
                blocks.put(w.qkvWeight(), BlockKernel.Weight.stacked(List.of(kernel.apply("self_attn.q_proj"), kernel.apply("self_attn.k_proj"),
                        kernel.apply("self_attn.v_proj"))));
                blocks.put(w.oWeight(), kernel.apply("self_attn.o_proj"));
                blocks.put(w.gateUpWeight(), BlockKernel.Weight.stacked(List.of(kernel.apply("mlp.gate_proj"), kernel.apply("mlp.up_proj"))));
                blocks.put(w.downWeight(), kernel.apply("mlp.down_proj"));
            }
            return blocks;
        }

        /** Registers each fused block's codes with their row absmax, stacked as the codes are. */
        private static LlmInt8 llmInt8(LayerWeights[] layers, Map<String, NDArray> rowAbsmax) {
            LlmInt8 int8 = new LlmInt8();
            for (int l = 0; l < layers.length; l++) {
                int layer = l;
                java.util.function.Function<String, NDArray> absmax = module -> rowAbsmax.get(Qwen2Layout.layer(layer, module + ".weight"));
                LayerWeights w = layers[l];
                int8.put(w.qkvWeight(), LlmInt8.stacked(absmax.apply("self_attn.q_proj"), absmax.apply("self_attn.k_proj"),
                        absmax.apply("self_attn.v_proj")));
                int8.put(w.oWeight(), absmax.apply("self_attn.o_proj"));
                int8.put(w.gateUpWeight(), LlmInt8.stacked(absmax.apply("mlp.gate_proj"), absmax.apply("mlp.up_proj")));
                int8.put(w.downWeight(), absmax.apply("mlp.down_proj"));
            }
            return int8;
        }

        /** Weights from arrays by tensor name (trainable arrays when pre-training). */
        static Weights of(ModelConfig config, java.util.function.Function<String, NDArray> tensor) {
            LayerWeights[] layers = new LayerWeights[config.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                int l = i;
                java.util.function.Function<String, NDArray> w = suffix -> tensor.apply(Qwen2Layout.layer(l, suffix));
                layers[i] = new LayerWeights(w.apply("input_layernorm.weight"), w.apply("self_attn.q_proj.weight"),
                        w.apply("self_attn.q_proj.bias"), w.apply("self_attn.k_proj.weight"), w.apply("self_attn.k_proj.bias"),
                        w.apply("self_attn.v_proj.weight"), w.apply("self_attn.v_proj.bias"), w.apply("self_attn.o_proj.weight"),
                        w.apply("post_attention_layernorm.weight"), w.apply("mlp.gate_proj.weight"), w.apply("mlp.up_proj.weight"),
                        w.apply("mlp.down_proj.weight"));
            }
            NDArray embed = tensor.apply(Qwen2Layout.EMBED);
            return new Weights(embed, layers, tensor.apply(Qwen2Layout.FINAL_NORM),
                    config.tieWordEmbeddings() ? embed : tensor.apply(Qwen2Layout.LM_HEAD), null, null, null, null);
        }

        /**
         * A float32 array {@code [rows, columns]} in PyTorch's memory, written a few rows at a time through a view of it:
         * the values of a large weight built whole on the Java heap first (and the dequantised copies made on the way)
         * made a quantised model's heap grow to several times its codes, and the JVM kept it.
         *
         * @param rowValues the values of rows {@code from..to}, row-major
         */
        private static NDArray written(NDManager manager, int rows, int columns, java.util.function.BiFunction<Integer, Integer, float[]> rowValues) {
            NDArray array = manager.create(new Shape(rows, columns), DataType.FLOAT32);
            FloatBuffer view = array.toByteBuffer(true).asFloatBuffer();
            int step = Math.max(1, (1 << 20) / Math.max(1, columns));
            for (int from = 0; from < rows; from += step) {
                view.put(rowValues.apply(from, Math.min(rows, from + step)));
            }
            return array;
        }

        /** A checkpoint tensor (with its adapter merged, if any) quantised, and added to the report. */
        private static QuantizedWeight quantized(Checkpoint checkpoint, LoraAdapter lora, LoraAdapter.Module module, String name,
                Quantization scheme, QuantizationReport.Builder report) {
            TensorInfo info = checkpoint.info(name);
            long[] shape = info.shape();
            FloatBuffer full;
            if (module != null) {
                full = FloatBuffer.wrap(lora.merge(module, checkpoint.readFloats(name)));
            } else if (info.dtype() == DType.F32) {
                // a view of the mapped file (one direct copy in the rare file whose tensor does not start on a 4-byte
                // boundary): a float32 weight read onto the Java heap first is garbage the size of the weight
                full = checkpoint.float32(name).asFloatBuffer();
            } else {
                // widened on the heap rather than into a direct buffer, which would be freed only when a collection
                // happens to run
                full = FloatBuffer.wrap(checkpoint.readFloats(name));
            }
            QuantizedWeight quantized = QuantizedWeight.quantize(scheme, full, (int) shape[0], (int) shape[1]);
            report.add(quantized, full);
            return quantized;
        }

        /** {@code W + s·B·A} as a new array; the mapped base weight is left untouched. */
        private static NDArray merged(Checkpoint checkpoint, NDManager manager, LoraAdapter lora, LoraAdapter.Module module) {
            float[] weights = lora.merge(module, checkpoint.readFloats(module.baseWeight()));
            return manager.create(weights, new Shape(checkpoint.info(module.baseWeight()).shape()));
        }

        private static NDArray tensor(Checkpoint checkpoint, NDManager manager, String name) {
            return manager.create(checkpoint.float32(name), new Shape(checkpoint.info(name).shape()), DataType.FLOAT32);
        }
    }
}
