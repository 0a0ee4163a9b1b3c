package io.interp4j.experiments.atlas.golden;

import io.interp4j.api.model.ModelConfig;
import java.util.Locale;

/** Architecture: every figure read back from the model's config.json by hand, parameters counted tensor by tensor. */
public final class ArchitectureGolden implements GoldenRow {
    @Override
    public String settings() {
        return "";
    }

    @Override
    public void check(GoldenAtlas atlas, Ledger ledger) {
        for (String model : GoldenAtlas.MODELS) {
            ModelConfig c = atlas.study().modelConfig(model);
            long d = c.hiddenSize();
            long kv = (long) c.numKvHeads() * c.headDim();
            long perLayer = 2 * d                                   // input and post-attention RMSNorm weights
                    + d * d + d                                     // q_proj weight and bias
                    + 2 * (d * kv + kv)                             // k_proj, v_proj weights and biases
                    + d * d                                         // o_proj (no bias)
                    + 3 * d * c.intermediateSize();                 // gate, up, down
            long parameters = (long) c.vocabSize() * d * (c.tieWordEmbeddings() ? 1 : 2) + c.numLayers() * perLayer + d;
            ledger.exact("architecture.layers", "both", model, c.numLayers());
            ledger.exact("architecture.d-model", "both", model, c.hiddenSize());
            ledger.exact("architecture.d-mlp", "both", model, c.intermediateSize());
            ledger.exact("architecture.heads", "both", model, c.numHeads());
            ledger.exact("architecture.kv-heads", "both", model, c.numKvHeads());
            ledger.exact("architecture.d-head", "both", model, c.headDim());
            ledger.exact("architecture.vocab", "both", model, c.vocabSize());
            ledger.exact("architecture.parameters", "both", model, parameters);
            ledger.exact("architecture.qkv-bias", "both", model, true);
            ledger.exact("architecture.tied-embeddings", "both", model, c.tieWordEmbeddings());
            ledger.display("architecture.summary", "both", model, String.format(Locale.ROOT,
                    "%d layers · %d heads (GQA, %d KV) · d_model=%d · d_mlp=%d · ~%.2fK params", c.numLayers(), c.numHeads(), c.numKvHeads(),
                    c.hiddenSize(), c.intermediateSize(), parameters / 1e3));
        }
    }
}
