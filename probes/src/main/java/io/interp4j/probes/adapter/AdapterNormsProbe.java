package io.interp4j.probes.adapter;

import io.interp4j.api.checkpoint.LoraAdapter;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.model.Model;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.common.Vectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Norms of a LoRA adapter. Rows of kind {@code module}, one per adapted module: rank, {@code ‖A‖_F},
 * {@code ‖B‖_F}, {@code ‖B·A‖_F} and {@code ‖ΔW‖_F = scaling · ‖B·A‖_F} (PEFT's scaling {@code α/r},
 * or {@code α/√r} with rsLoRA). Rows of kind {@code layer}, one per block with adapted modules: {@code
 * ab_rss = sqrt(Σ ‖A‖_F² + ‖B‖_F²)} over the block's modules — the seed study's "norm per layer"
 * (STUDY.md row 8), dominated by the random initialisation of A — and {@code ba_rss = sqrt(Σ ‖B·A‖_F²)}
 * and {@code delta_rss}, which measure the update itself. Tensors {@code ab-rss}, {@code ba-rss} and
 * {@code delta-rss} hold the same per-layer values indexed by layer (0 for blocks without adapted
 * modules), as long as the model's layer count when a model is given, else up to the last adapted
 * block. A model, when given, is only used to check that the adapter's blocks exist in it.
 */
final class AdapterNormsProbe implements Probe {
    private final Path adapter;

    AdapterNormsProbe(Path adapter) {
        this.adapter = adapter;
    }

    /** Sums of squares over one layer's modules. */
    private static final class LayerSums {
        int modules;
        double ab;
        double ba;
        double delta;
    }

    @Override
    public ProbeResult run(ProbeContext context) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<Integer, LayerSums> layers = new TreeMap<>();
        int layerCount;
        try (LoraAdapter lora = LoraAdapter.open(adapter)) {
            int maxLayer = lora.modules().stream().mapToInt(LoraAdapter.Module::layer).max().orElse(-1);
            layerCount = checkAgainstModel(context.model(), maxLayer);
            for (LoraAdapter.Module m : lora.modules()) {
                float[] a = lora.read(m.a());
                float[] b = lora.read(m.b());
                int r = m.rank();
                double aNorm = LoraNorms.frobenius(a);
                double bNorm = LoraNorms.frobenius(b);
                double baNorm = r == 0 ? 0 : LoraNorms.productFrobenius(a, b, r);
                double scaling = r == 0 ? 0 : lora.scaling(m);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("kind", "module");
                row.put("layer", m.layer());
                row.put("module", m.module());
                row.put("rank", r);
                row.put("in", m.a().shape()[1]);
                row.put("out", m.b().shape()[0]);
                row.put("a_fro", aNorm);
                row.put("b_fro", bNorm);
                row.put("ba_fro", baNorm);
                row.put("scaling", scaling);
                row.put("delta_fro", scaling * baNorm);
                rows.add(row);
                if (m.layer() >= 0) {
                    LayerSums sums = layers.computeIfAbsent(m.layer(), l -> new LayerSums());
                    sums.modules++;
                    sums.ab += aNorm * aNorm + bNorm * bNorm;
                    sums.ba += baNorm * baNorm;
                    sums.delta += scaling * baNorm * scaling * baNorm;
                }
            }
        }
        double[] abRss = new double[layerCount];
        double[] baRss = new double[layerCount];
        double[] deltaRss = new double[layerCount];
        layers.forEach((layer, sums) -> {
            abRss[layer] = Math.sqrt(sums.ab);
            baRss[layer] = Math.sqrt(sums.ba);
            deltaRss[layer] = Math.sqrt(sums.delta);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", "layer");
            row.put("layer", layer);
            row.put("modules", sums.modules);
            row.put("ab_rss", abRss[layer]);
            row.put("ba_rss", baRss[layer]);
            row.put("delta_rss", deltaRss[layer]);
            rows.add(row);
        });
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("ab-rss", TensorData.vector(Vectors.toFloats(abRss)));
        tensors.put("ba-rss", TensorData.vector(Vectors.toFloats(baRss)));
        tensors.put("delta-rss", TensorData.vector(Vectors.toFloats(deltaRss)));
        return new ProbeResult(AdapterNormsProbeFactory.ID, tensors, rows);
    }

    private int checkAgainstModel(Optional<Model> model, int maxLayer) {
        if (model.isEmpty()) {
            return maxLayer + 1;
        }
        int layers = model.get().config().numLayers();
        if (maxLayer >= layers) {
            throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, adapter + ": the adapter adapts block " + maxLayer
                    + " but the model " + model.get().directory() + " has blocks 0.." + (layers - 1));
        }
        return layers;
    }

    @Override
    public String describe() {
        return "Frobenius norms of A, B and B·A per module and their root-sum-square per layer of the LoRA adapter " + adapter;
    }
}
