/**
 * The stable contracts of interp4j: models, hook points, hooks, activation caches, engines, and the
 * Hugging Face checkpoint reading (config.json, safetensors, tokenizer.json) that every engine shares.
 */
module io.interp4j.api {
    requires transitive ai.djl.api;
    requires ai.djl.tokenizers;
    requires com.google.gson;
    requires transitive typesafe.config;

    exports io.interp4j.api;
    exports io.interp4j.api.checkpoint;
    exports io.interp4j.api.experiment;
    exports io.interp4j.api.hook;
    exports io.interp4j.api.intervention;
    exports io.interp4j.api.lens;
    exports io.interp4j.api.metric;
    exports io.interp4j.api.model;
    exports io.interp4j.api.plan;
    exports io.interp4j.api.plugin;
    exports io.interp4j.api.probe;
    exports io.interp4j.api.quant;
    exports io.interp4j.api.task;
    exports io.interp4j.api.tokenizer;
    exports io.interp4j.api.train;

    uses io.interp4j.api.model.EngineProvider;
    uses io.interp4j.api.probe.ProbeFactory;
    uses io.interp4j.api.intervention.InterventionFactory;
    uses io.interp4j.api.metric.MetricFactory;
    uses io.interp4j.api.experiment.ExperimentFactory;
}
