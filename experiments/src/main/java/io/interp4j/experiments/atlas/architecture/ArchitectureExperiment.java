package io.interp4j.experiments.atlas.architecture;

import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.experiments.atlas.AtlasRows;
import io.interp4j.experiments.atlas.RowScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The architecture row: each selected model's {@link ModelConfig} as the study read it from the
 * checkpoint's config.json. The parameter count is {@link ModelConfig#parameterCount()} (a tied
 * embedding counted once). q/k/v bias: every architecture interp4j runs is {@code qwen2}, whose
 * attention projections q, k and v carry biases (o_proj and the MLP do not). The row has no
 * {@code protocols} setting: its values are the same in both, reported as protocol {@code both}.
 */
final class ArchitectureExperiment implements Experiment {
    static final String DIMENSION = "Architecture";

    private final RowScope scope;

    ArchitectureExperiment(RowScope scope) {
        this.scope = scope;
    }

    @Override
    public List<Problem> validate(StudyContext context) {
        return scope.validate(context);
    }

    @Override
    public long forwardPasses(StudyContext context) {
        return 0;
    }

    @Override
    public String describe() {
        return "architecture: each model's config.json (layers, heads, widths, vocabulary, parameters); models "
                + (scope.models().isEmpty() ? RowScope.ALL : String.join(", ", scope.models()));
    }

    @Override
    public StepResult run(StudyContext context, Progress progress) {
        requireValid(context);
        AtlasRows atlas = new AtlasRows(DIMENSION);
        List<List<Object>> rows = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String name : scope.models(context)) {
            ModelConfig c = context.modelConfig(name);
            boolean qkvBias = c.modelType().equals("qwen2");
            long parameters = c.parameterCount();
            rows.add(Arrays.asList(name, c.modelType(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.hiddenSize(), c.headDim(),
                    c.intermediateSize(), c.vocabSize(), parameters, c.tieWordEmbeddings(), qkvBias, c.torchDtype()));
            String gqa = c.numKvHeads() < c.numHeads() ? " (GQA, " + c.numKvHeads() + " KV)" : "";
            // a text row: its value is its text, so the report prints no Δ for it (the parameter count has its own row)
            String shape = c.numLayers() + " layers · " + c.numHeads() + " heads" + gqa + " · d_model=" + c.hiddenSize() + " · d_mlp="
                    + c.intermediateSize() + " · ~" + count(parameters) + " params";
            atlas.value("architecture.summary", null, name, shape, shape);
            atlas.value("architecture.layers", null, name, c.numLayers(), String.valueOf(c.numLayers()));
            atlas.value("architecture.heads", null, name, c.numHeads(), c.numHeads() + " query heads");
            atlas.value("architecture.kv-heads", null, name, c.numKvHeads(), c.numKvHeads() + " KV heads ("
                    + c.queriesPerKvHead() + " query heads each)");
            atlas.value("architecture.d-model", null, name, c.hiddenSize(), "d_model=" + c.hiddenSize());
            atlas.value("architecture.d-head", null, name, c.headDim(), "d_head=" + c.headDim());
            atlas.value("architecture.d-mlp", null, name, c.intermediateSize(), "d_mlp=" + c.intermediateSize());
            atlas.value("architecture.vocab", null, name, c.vocabSize(), String.format(Locale.ROOT, "%,d", c.vocabSize()));
            atlas.value("architecture.parameters", null, name, parameters, String.format(Locale.ROOT, "%,d (~%s)", parameters,
                    count(parameters)));
            atlas.value("architecture.tied-embeddings", null, name, c.tieWordEmbeddings(), c.tieWordEmbeddings() ? "tied" : "untied");
            atlas.value("architecture.qkv-bias", null, name, qkvBias, qkvBias ? "q/k/v bias" : "no q/k/v bias");
            summary.put(name + ".parameters", parameters);
        }
        List<Table> tables = new ArrayList<>(atlas.tables());
        tables.add(new Table("architecture", List.of("model", "model_type", "layers", "heads", "kv_heads", "d_model", "d_head", "d_mlp",
                "vocab", "parameters", "tied_embeddings", "qkv_bias", "dtype"), rows));
        return new StepResult(tables, List.of(), summary).withHeadline(atlas.headline());
    }

    /** A parameter count as the seed table writes it: 0.49B, 1.54B; smaller models in M or K. */
    static String count(long parameters) {
        if (parameters >= 100_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", parameters / 1e9);
        }
        if (parameters >= 100_000L) {
            return String.format(Locale.ROOT, "%.2fM", parameters / 1e6);
        }
        return String.format(Locale.ROOT, "%.2fK", parameters / 1e3);
    }
}
