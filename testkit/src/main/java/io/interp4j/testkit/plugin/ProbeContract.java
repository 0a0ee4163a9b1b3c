package io.interp4j.testkit.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeFactory;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract of a probe plugin: {@link PluginContract}, and with its defaults (plus {@link
 * #minimalSettings}) it runs on the tiny study's model {@code main}, every prompt set it may read
 * filled from the suite {@code main}, and returns a result named by its id with rows or tensors; what
 * it finds against a model is at its own config paths.
 */
public abstract class ProbeContract extends TinyStudyContract<ProbeFactory> {
    @Override
    protected final PluginKind kind() {
        return PluginKind.PROBE;
    }

    @Override
    protected final Class<ProbeFactory> spi() {
        return ProbeFactory.class;
    }

    /**
     * Returns the prompt sets the probe reads: the clean prompts of suite {@code main} as {@code
     * prompts}, {@code clean} and {@code positive}, its corrupt prompts as {@code corrupt} and {@code negative}.
     *
     * @return prompt sets by name
     */
    protected Map<String, List<int[]>> promptSets() {
        Tokenizer tokenizer = study.tokenizer("main");
        List<Task> tasks = study.suite("main").tasks();
        List<int[]> clean = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toList();
        List<int[]> corrupt = tasks.stream().filter(t -> t.corruptPrompt().isPresent()).map(t -> tokenizer.encode(t.corruptPrompt().get())).toList();
        return Map.of("prompts", clean, "clean", clean, "positive", clean, "corrupt", corrupt, "negative", corrupt);
    }

    @Test
    void runsOnATinyModelWithItsDefaults() {
        Probe probe = factory().create(settings(minimalSettings()));
        ProbeResult result = probe.run(ProbeContext.of(study.model("main"), promptSets()));
        assertThat(result.probe()).isEqualTo(id());
        assertThat(result.rows().isEmpty() && result.tensors().isEmpty()).as("%s returned neither rows nor tensors", id()).isFalse();
        assertThat(probe.describe()).isNotBlank();
    }

    @Test
    void checksAgainstAModelAtItsOwnPaths() {
        assertModelProblemsAtItsPaths(factory().create(settings(minimalSettings()))::checkAgainst);
    }
}
