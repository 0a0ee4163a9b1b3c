package io.interp4j.experiments.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import io.interp4j.experiments.testing.Steps;
import org.junit.jupiter.api.Test;

class SweepFactoryTest {
    @Test
    void defaultsResolveFromTheReferenceConf() {
        Config defaults = PluginSettings.resolve(PluginKind.EXPERIMENT, "sweep", ConfigFactory.empty());
        assertThat(defaults.root().keySet()).containsExactlyInAnyOrder(
                "model", "suite", "split", "intervention", "sweep", "metrics", "target-rule", "prompt-sets");
        assertThat(defaults.getString("model")).isEqualTo("main");
        assertThat(defaults.getString("suite")).isEqualTo("main");
        assertThat(defaults.getString("split")).isEqualTo("all");
        assertThat(defaults.getString("intervention.id")).isEqualTo("zero-ablation");
        assertThat(defaults.getIsNull("intervention.settings")).isTrue();
        assertThat(defaults.getIsNull("sweep")).isTrue();
        assertThat(defaults.getConfigList("metrics")).extracting(c -> c.getString("id")).containsExactly("kl-divergence", "top-k-overlap");
        assertThat(defaults.getString("target-rule")).isEqualTo("first-token");
        assertThat(defaults.getConfig("prompt-sets").root().unwrapped()).containsEntry("corrupt", "corrupt")
                .containsEntry("reference", "clean").containsEntry("resample", "clean").containsEntry("prompts", "clean")
                .containsEntry("positive", "clean").containsEntry("negative", "corrupt");

        Experiment sweep = new SweepFactory().create(defaults);
        assertThat(sweep.describe()).isEqualTo("sweep: zero-ablation on every prompt of model 'main', suite 'main' (split all),"
                + " compared with the clean run by kl-divergence, top-k-overlap; family means, then their mean");
    }

    @Test
    void readsEverySetting() {
        Experiment sweep = Steps.create("sweep", """
                model = other, suite = countries, split = test
                intervention { id = steering, settings { layer = 1, vector { from = random, norm = 2 } } }
                sweep { scale = [-4, 4], vector.seed = [1, 2] }
                metrics = [ { id = kl-divergence, settings { positions = all }, name = kl-all }, { id = argmax-agreement } ]
                target-rule = leading-space
                prompt-sets { corrupt = clean, reference = "main:clean", resample = "main:corrupt", prompts = corrupt,
                  positive = "countries:clean", negative = "main:clean" }
                """);
        assertThat(sweep.describe()).isEqualTo("sweep: steering {\"layer\":1,\"vector\":{\"from\":\"random\",\"norm\":2}} over"
                + " scale = [-4,4] × vector.seed = [1,2] on every prompt of model 'other', suite 'countries' (split test),"
                + " compared with the clean run by kl-all, argmax-agreement; family means, then their mean");
    }

    @Test
    void rejectsUnknownKeysNamingTheirPath() {
        assertThatThrownBy(() -> Steps.create("sweep", "sweeps { layer = all }, intervention.setting = {}, prompt-sets.mine = clean"))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.experiment.sweep.sweeps: unknown key")
                .hasMessageContaining("interp4j.experiment.sweep.intervention.setting: unknown key; allowed: [")
                .hasMessageContaining("interp4j.experiment.sweep.prompt-sets.mine: unknown key");
    }

    @Test
    void reportsEveryMalformedValueAtOnce() {
        assertThatThrownBy(() -> Steps.create("sweep", """
                target-rule = upper
                sweep { layer = 3, scale = [], vector { seed = all } }
                intervention.settings = 5
                metrics = [ { id = kl-divergence }, { id = kl-divergence, setting = {} }, { name = task, id = top-k-overlap } ]
                prompt-sets { reference = dirty }
                """))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).problems().stream().map(Object::toString).toList()).containsExactlyInAnyOrder(
                        "interp4j.experiment.sweep.prompt-sets.reference: found \"dirty\"; allowed: clean, corrupt, <suite>:clean or"
                                + " <suite>:corrupt",
                        "interp4j.experiment.sweep.intervention.settings: found 5; allowed: an object { ... } or null",
                        "interp4j.experiment.sweep.sweep.layer: found 3; allowed: a non-empty list of values, or all (every layer of"
                                + " the model, each separately)",
                        "interp4j.experiment.sweep.sweep.scale: found []; allowed: a non-empty list of values",
                        "interp4j.experiment.sweep.sweep.vector.seed: found \"all\"; allowed: a non-empty list of values",
                        "interp4j.experiment.sweep.metrics[1].setting: unknown key; allowed: [id, name, settings]",
                        "interp4j.experiment.sweep.target-rule: found 'upper'; allowed: exact, leading-space, first-token",
                        "interp4j.experiment.sweep.metrics[2].name: 'task' is already a column of the sweep's tables (reserved:"
                                + " [task, family, metric, mean, n, prompt-mean, families, prompts] and the swept keys); give the"
                                + " metric another name"));
    }

    @Test
    void namesMustBeDistinct() {
        assertThatThrownBy(() -> Steps.create("sweep", "metrics = [ { id = kl-divergence }, { id = kl-divergence } ]"))
                .hasMessage("interp4j.experiment.sweep.metrics[1].name: 'kl-divergence' names an earlier entry too; give each entry a"
                        + " distinct name");
    }
}
