package io.interp4j.probes.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.model.Model;
import io.interp4j.api.probe.Probe;
import io.interp4j.api.probe.ProbeContext;
import io.interp4j.api.probe.ProbeResult;
import io.interp4j.probes.testing.ProbeFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterNormsProbeTest {
    private static final String ID = "adapter-norms";
    private static final String PREFIX = "base_model.model.model.layers.";
    private static final String CONFIG = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"rank_pattern\": {\"down_proj\": 1, \"v_proj\": 1},"
            + " \"target_modules\": [\"q_proj\", \"v_proj\", \"down_proj\"]}";

    @TempDir
    Path tmp;

    private static final ProbeContext NO_MODEL = new ProbeContext(Optional.empty(), Map.of());

    /** A tensor to write: shape and values. */
    private record T(long[] shape, float[] values) {}

    private static Path adapter(Path dir, String config, Map<String, T> tensors) {
        try {
            Files.createDirectories(dir);
            if (config != null) {
                Files.writeString(dir.resolve("adapter_config.json"), config);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        tensors.forEach((name, t) -> entries.add(new SafetensorsWriter.Entry(name, DType.F32, t.shape(), t::values)));
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), entries, Map.of("format", "pt"));
        return dir;
    }

    /** Layer 0: q_proj A = [[1,0],[0,2]], B = [[3,0],[0,4]]; down_proj A = [[1,2,2]], B = [[1],[1]]. Layer 2: v_proj. */
    private static Map<String, T> handTensors() {
        Map<String, T> t = new LinkedHashMap<>();
        t.put(PREFIX + "0.self_attn.q_proj.lora_A.weight", new T(new long[] {2, 2}, new float[] {1, 0, 0, 2}));
        t.put(PREFIX + "0.self_attn.q_proj.lora_B.weight", new T(new long[] {2, 2}, new float[] {3, 0, 0, 4}));
        t.put(PREFIX + "0.mlp.down_proj.lora_A.weight", new T(new long[] {1, 3}, new float[] {1, 2, 2}));
        t.put(PREFIX + "0.mlp.down_proj.lora_B.weight", new T(new long[] {2, 1}, new float[] {1, 1}));
        // an adapter name before .weight, as some PEFT versions save it; B·A = [[2, 2], [0, 0], [1, 1]] → ‖BA‖² = 10
        t.put(PREFIX + "2.self_attn.v_proj.lora_A.default.weight", new T(new long[] {1, 2}, new float[] {1, 1}));
        t.put(PREFIX + "2.self_attn.v_proj.lora_B.default.weight", new T(new long[] {3, 1}, new float[] {2, 0, 1}));
        return t;
    }

    private static Map<String, Object> moduleRow(ProbeResult result, int layer, String module) {
        return result.rows().stream()
                .filter(r -> r.get("kind").equals("module") && r.get("layer").equals(layer) && r.get("module").equals(module))
                .findFirst().orElseThrow();
    }

    private static Map<String, Object> layerRow(ProbeResult result, int layer) {
        return result.rows().stream().filter(r -> r.get("kind").equals("layer") && r.get("layer").equals(layer)).findFirst().orElseThrow();
    }

    private Probe probe(Path adapter) {
        return ProbeFixtures.create(ID, "adapter = \"" + adapter.toString().replace("\\", "\\\\") + "\"");
    }

    @Test
    void handComputableNormsPerModuleAndPerLayer() {
        ProbeResult result = probe(adapter(tmp.resolve("a"), CONFIG, handTensors())).run(NO_MODEL);

        Map<String, Object> q = moduleRow(result, 0, "self_attn.q_proj");
        assertThat(q).containsEntry("rank", 2).containsEntry("in", 2L).containsEntry("out", 2L);
        assertThat((double) q.get("a_fro")).isCloseTo(Math.sqrt(5), within(1e-12));
        assertThat((double) q.get("b_fro")).isCloseTo(5, within(1e-12));
        assertThat((double) q.get("ba_fro")).isCloseTo(Math.sqrt(9 + 64), within(1e-12));
        assertThat((double) q.get("scaling")).isEqualTo(2.0);
        assertThat((double) q.get("delta_fro")).isCloseTo(2 * Math.sqrt(73), within(1e-12));

        Map<String, Object> down = moduleRow(result, 0, "mlp.down_proj");
        assertThat((double) down.get("a_fro")).isCloseTo(3, within(1e-12));
        assertThat((double) down.get("b_fro")).isCloseTo(Math.sqrt(2), within(1e-12));
        assertThat((double) down.get("ba_fro")).isCloseTo(Math.sqrt(18), within(1e-12));
        assertThat((double) down.get("scaling")).isEqualTo(4.0); // alpha / r with the module's own rank 1

        Map<String, Object> v = moduleRow(result, 2, "self_attn.v_proj");
        assertThat((double) v.get("ba_fro")).isCloseTo(Math.sqrt(10), within(1e-12));

        // the seed's "norm per layer": sqrt(Σ ‖A‖² + ‖B‖²) = sqrt(5 + 25 + 9 + 2)
        Map<String, Object> layer0 = layerRow(result, 0);
        assertThat(layer0).containsEntry("modules", 2);
        assertThat((double) layer0.get("ab_rss")).isCloseTo(Math.sqrt(41), within(1e-12));
        assertThat((double) layer0.get("ba_rss")).isCloseTo(Math.sqrt(73 + 18), within(1e-12));
        assertThat((double) layer0.get("delta_rss")).isCloseTo(Math.sqrt(4 * 73 + 16 * 18), within(1e-12));
        assertThat((double) layerRow(result, 2).get("ab_rss")).isCloseTo(Math.sqrt(2 + 5), within(1e-12));

        assertThat(result.tensor("ab-rss").data()).containsExactly((float) Math.sqrt(41), 0f, (float) Math.sqrt(7));
        assertThat(result.tensor("ba-rss").data()).containsExactly((float) Math.sqrt(91), 0f, (float) Math.sqrt(10));
    }

    @Test
    void rsLoraAndAlphaPatternChangeTheScaling() {
        String rs = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"use_rslora\": true, \"rank_pattern\": {\"down_proj\": 1, \"v_proj\": 1}}";
        ProbeResult result = probe(adapter(tmp.resolve("rs"), rs, handTensors())).run(NO_MODEL);
        assertThat((double) moduleRow(result, 0, "self_attn.q_proj").get("scaling")).isCloseTo(4 / Math.sqrt(2), within(1e-12));

        String pattern = "{\"r\": 2, \"lora_alpha\": 4, \"alpha_pattern\": {\"q_proj\": 8}, \"rank_pattern\": {\"down_proj\": 1, \"v_proj\": 1}}";
        result = probe(adapter(tmp.resolve("pattern"), pattern, handTensors())).run(NO_MODEL);
        assertThat((double) moduleRow(result, 0, "self_attn.q_proj").get("scaling")).isEqualTo(4.0);
        assertThat((double) moduleRow(result, 2, "self_attn.v_proj").get("scaling")).isEqualTo(4.0);
    }

    @Test
    void aGivenModelSetsTheLayerCountAndMustHoldTheAdaptedBlocks(@TempDir Path models) {
        try (Model model = ProbeFixtures.load(ProbeFixtures.writeModel(models, "tiny", ProbeFixtures.UNTIED, DType.F32, 71))) {
            Map<String, T> tensors = new LinkedHashMap<>(handTensors());
            tensors.keySet().removeIf(n -> n.contains("layers.2."));
            String noV = CONFIG.replace("\"v_proj\", \"down_proj\"]", "\"down_proj\"]"); // target_modules must agree with the tensors
            ProbeResult result = probe(adapter(tmp.resolve("fits"), noV, tensors)).run(ProbeContext.of(model, Map.of()));
            assertThat(result.tensor("ab-rss").shape()).containsExactly(2);

            Probe tooDeep = probe(adapter(tmp.resolve("deep"), CONFIG, handTensors()));
            assertThatThrownBy(() -> tooDeep.run(ProbeContext.of(model, Map.of())))
                    .isInstanceOf(Interp4jException.class)
                    .hasMessageContaining("adapts block 2")
                    .hasMessageContaining("has blocks 0..1");
        }
    }

    @Test
    void defaultsResolve() {
        var settings = ProbeFixtures.settings(ID, "");
        assertThat(settings.getString("adapter")).isEmpty();
        // the empty default means "required": creating the probe without setting it fails clearly
        assertThatThrownBy(() -> ProbeFixtures.factory(ID).create(settings))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.adapter-norms.adapter: found \"\"; allowed: the path of a PEFT adapter directory");
    }

    @Test
    void aFullMappingResolves() {
        Path dir = adapter(tmp.resolve("full"), CONFIG, handTensors());
        Probe probe = probe(dir);
        assertThat(probe.describe()).contains(dir.toString());
        assertThat(probe.run(NO_MODEL).rows()).isNotEmpty();
    }

    @Test
    void anUnknownKeyIsRejectedNamingItsPath() {
        assertThatThrownBy(() -> ProbeFixtures.settings(ID, "path = \"/tmp\""))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.adapter-norms.path: unknown key; allowed: [adapter]");
    }

    @Test
    void invalidValuesAreRejectedNamingTheirPaths() {
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "adapter = \"   \""))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("interp4j.probe.adapter-norms.adapter: found \"   \"");
        assertThatThrownBy(() -> ProbeFixtures.create(ID, "adapter = \"a\\u0000b\""))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("interp4j.probe.adapter-norms.adapter");
    }

    @Test
    void missingAndPickledFilesAreNamed() throws IOException {
        Path missing = tmp.resolve("nowhere");
        assertThatThrownBy(() -> probe(missing).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(missing + ": not a directory");

        Path pickled = Files.createDirectories(tmp.resolve("pickled"));
        Files.writeString(pickled.resolve("adapter_config.json"), CONFIG);
        Files.write(pickled.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 2});
        assertThatThrownBy(() -> probe(pickled).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .satisfies(e -> assertThat(((Interp4jException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED))
                .hasMessageContaining(pickled.resolve("adapter_model.bin").toString())
                .hasMessageContaining("never loads pickle files");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> probe(empty).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(empty.resolve("adapter_model.safetensors") + ": file not found");

        Path noConfig = adapter(tmp.resolve("no-config"), null, handTensors());
        assertThatThrownBy(() -> probe(noConfig).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining(noConfig.resolve("adapter_config.json") + ": file not found");
    }

    @Test
    void malformedAdaptersAreNamed() {
        Map<String, T> lone = new LinkedHashMap<>();
        lone.put(PREFIX + "1.self_attn.k_proj.lora_A.weight", new T(new long[] {2, 2}, new float[4]));
        assertThatThrownBy(() -> probe(adapter(tmp.resolve("lone"), CONFIG, lone)).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("module 'base_model.model.model.layers.1.self_attn.k_proj' has lora_A")
                .hasMessageContaining("but no lora_B");

        Map<String, T> ranks = new LinkedHashMap<>();
        ranks.put(PREFIX + "1.mlp.up_proj.lora_A.weight", new T(new long[] {2, 3}, new float[6]));
        ranks.put(PREFIX + "1.mlp.up_proj.lora_B.weight", new T(new long[] {3, 1}, new float[3]));
        assertThatThrownBy(() -> probe(adapter(tmp.resolve("ranks"), CONFIG, ranks)).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("lora_A has shape [2, 3] and lora_B [3, 1]");

        Path ia3 = adapter(tmp.resolve("ia3"), "{\"peft_type\": \"IA3\"}", handTensors());
        assertThatThrownBy(() -> probe(ia3).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("peft_type 'IA3' is not supported; allowed: LORA");

        Path noLora = adapter(tmp.resolve("no-lora"), CONFIG, Map.of());
        assertThatThrownBy(() -> probe(noLora).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("holds no LoRA tensors");

        Path other = adapter(tmp.resolve("other"), CONFIG, Map.of("x.weight", new T(new long[] {1}, new float[1])));
        assertThatThrownBy(() -> probe(other).run(NO_MODEL))
                .isInstanceOf(Interp4jException.class)
                .hasMessageContaining("tensor 'x.weight' is not a LoRA matrix");
    }
}
