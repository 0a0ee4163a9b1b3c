/**
 * The thin assembly of interp4j: the command line, engine discovery through {@link
 * java.util.ServiceLoader}, and benchmarks. Engines are never compiled against; they are found at run
 * time on the module path, like every other plugin.
 */
module io.interp4j.app {
    requires io.interp4j.api;
    requires io.interp4j.planner;
    requires com.google.guice;
    requires jakarta.inject;
    requires com.google.gson;
    requires org.slf4j;
    requires info.picocli;

    uses io.interp4j.api.model.EngineProvider;
    uses io.interp4j.api.probe.ProbeFactory;
    uses io.interp4j.api.intervention.InterventionFactory;
    uses io.interp4j.api.metric.MetricFactory;
    uses io.interp4j.api.experiment.ExperimentFactory;
    // runners of forward plans elsewhere (the Spark runner, on the class path)
    uses io.interp4j.planner.runner.PlanRunnerProvider;

    // Guice constructs the study runner and its collaborators by reflection; picocli sets the study command's options
    opens io.interp4j.app.study to com.google.guice, info.picocli;
    // picocli sets each command's annotated option fields by reflection
    opens io.interp4j.app to info.picocli;
    opens io.interp4j.app.bench to info.picocli;
    opens io.interp4j.app.cli to info.picocli;
    opens io.interp4j.app.forward to info.picocli;
    opens io.interp4j.app.generate to info.picocli;
    opens io.interp4j.app.hooks to info.picocli;
    opens io.interp4j.app.lora to info.picocli;
    opens io.interp4j.app.plugins to info.picocli;
    opens io.interp4j.app.randommodel to info.picocli;
    opens io.interp4j.app.tokenize to info.picocli;
    opens io.interp4j.app.toy to info.picocli;
}
