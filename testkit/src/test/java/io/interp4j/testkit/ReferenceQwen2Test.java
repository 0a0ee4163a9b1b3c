package io.interp4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.checkpoint.Checkpoint;
import io.interp4j.api.checkpoint.DType;
import io.interp4j.api.checkpoint.Qwen2Layout;
import io.interp4j.api.checkpoint.RandomCheckpoint;
import io.interp4j.api.checkpoint.SafetensorsWriter;
import io.interp4j.api.hook.HookPoint;
import io.interp4j.api.hook.HookSite;
import io.interp4j.api.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the reference forward right without trusting it: a one-layer model whose weights are chosen
 * so every number can be derived by hand (the derivations are written out as scalar formulas below),
 * and properties of attention that hold for any weights.
 */
class ReferenceQwen2Test {
    private static final double EPS = 1e-6;
    private static final double TOL = 1e-12;

    @TempDir
    static Path dir;

    private static ReferenceQwen2 hand;
    private static ReferenceQwen2 handTied;
    private static ReferenceQwen2 random;

    /*
     * The hand model: vocab 4, hidden 4, 2 query heads sharing 1 KV head, head_dim 4 (so RoPE has two
     * frequencies: 1 and 10000^(-2/4) = 0.01), intermediate 2, one layer.
     *   embeddings    E = [[1,1,1,1], [2,0,0,0], [3,4,0,0], [1,-1,1,-1]]
     *   ln1 weight    (1,1,1,1)
     *   q_proj        head 0 = I, head 1 = 2·I, no bias
     *   k_proj        I, no bias
     *   v_proj        I, bias (1,0,0,0)
     *   o_proj        sums the two heads: out[c] = z0[c] + z1[c]
     *   ln2 weight    (1,2,0.5,1)
     *   gate_proj     row 0 = e0, row 1 = 0
     *   up_proj       row 0 = e0, row 1 = e1
     *   down_proj     out[0] = in[0], out[3] = in[1]
     *   final norm    (1,1,1,1)
     *   lm_head       I (untied variant); the tied variant uses E
     */
    @BeforeAll
    static void writeModels() throws IOException {
        hand = ReferenceQwen2.load(writeHandModel(dir.resolve("hand"), false));
        handTied = ReferenceQwen2.load(writeHandModel(dir.resolve("hand-tied"), true));
        Path randomDir = dir.resolve("random");
        RandomCheckpoint.write(randomDir, ModelConfig.of(257, 16, 32, 2, 4, 2, false), DType.F32, 11);
        random = ReferenceQwen2.load(randomDir);
    }

    private static Path writeHandModel(Path target, boolean tied) throws IOException {
        ModelConfig config = new ModelConfig("qwen2", 4, 4, 2, 1, 2, 1, 4, EPS, 10000.0, tied, 64,
                OptionalInt.empty(), OptionalInt.empty(), "float32");
        Map<String, float[]> w = new HashMap<>();
        w.put(Qwen2Layout.EMBED, new float[] {1, 1, 1, 1, 2, 0, 0, 0, 3, 4, 0, 0, 1, -1, 1, -1});
        w.put(Qwen2Layout.layer(0, "input_layernorm.weight"), new float[] {1, 1, 1, 1});
        float[] q = new float[8 * 4];
        for (int c = 0; c < 4; c++) {
            q[c * 4 + c] = 1;
            q[(4 + c) * 4 + c] = 2;
        }
        w.put(Qwen2Layout.layer(0, "self_attn.q_proj.weight"), q);
        w.put(Qwen2Layout.layer(0, "self_attn.k_proj.weight"), identity(4));
        w.put(Qwen2Layout.layer(0, "self_attn.v_proj.weight"), identity(4));
        w.put(Qwen2Layout.layer(0, "self_attn.v_proj.bias"), new float[] {1, 0, 0, 0});
        float[] o = new float[4 * 8];
        for (int c = 0; c < 4; c++) {
            o[c * 8 + c] = 1;
            o[c * 8 + 4 + c] = 1;
        }
        w.put(Qwen2Layout.layer(0, "self_attn.o_proj.weight"), o);
        w.put(Qwen2Layout.layer(0, "post_attention_layernorm.weight"), new float[] {1, 2, 0.5f, 1});
        w.put(Qwen2Layout.layer(0, "mlp.gate_proj.weight"), new float[] {1, 0, 0, 0, 0, 0, 0, 0});
        w.put(Qwen2Layout.layer(0, "mlp.up_proj.weight"), new float[] {1, 0, 0, 0, 0, 1, 0, 0});
        w.put(Qwen2Layout.layer(0, "mlp.down_proj.weight"), new float[] {1, 0, 0, 0, 0, 0, 0, 1});
        w.put(Qwen2Layout.FINAL_NORM, new float[] {1, 1, 1, 1});
        w.put(Qwen2Layout.LM_HEAD, identity(4));
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, long[]> e : Qwen2Layout.expectedShapes(config).entrySet()) {
            long[] shape = e.getValue();
            int count = (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
            float[] values = w.getOrDefault(e.getKey(), new float[count]);
            entries.add(new SafetensorsWriter.Entry(e.getKey(), DType.F32, shape, () -> values));
        }
        Files.createDirectories(target);
        Files.writeString(target.resolve(Checkpoint.CONFIG_FILE), config.toJson());
        SafetensorsWriter.write(target.resolve(Checkpoint.SINGLE_FILE), entries, Map.of("format", "pt"));
        return target;
    }

    private static float[] identity(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            m[i * n + i] = 1;
        }
        return m;
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    @Test
    void embeddingAndRmsNormMatchHandValues() {
        ReferenceQwen2.Result r = hand.forward(2, 0);
        assertThat(r.get("hook_embed").data()).containsExactly(3, 4, 0, 0, 1, 1, 1, 1);
        assertThat(r.get("blocks.0.hook_resid_pre").data()).containsExactly(3, 4, 0, 0, 1, 1, 1, 1);
        // RMSNorm of (3,4,0,0): mean square 6.25, so ≈ (1.2, 1.6, 0, 0)
        double r0 = 1 / Math.sqrt(6.25 + EPS);
        double r1 = 1 / Math.sqrt(1 + EPS);
        assertThat(r.get("blocks.0.ln1.hook_normalized").data())
                .containsExactly(new double[] {3 * r0, 4 * r0, 0, 0, r1, r1, r1, r1}, within(TOL));
        assertThat(r.get("blocks.0.ln1.hook_normalized").get(0, 0, 1)).isCloseTo(1.6, within(1e-6));
        // the scale is the RMS the norm divides by, one per position: sqrt(6.25 + eps) ≈ 2.5 and sqrt(1 + eps)
        assertThat(r.get("blocks.0.ln1.hook_scale").shape()).containsExactly(1, 2, 1);
        assertThat(r.get("blocks.0.ln1.hook_scale").data()).containsExactly(new double[] {1 / r0, 1 / r1}, within(TOL));
        assertThat(r.get("blocks.0.ln1.hook_scale").get(0, 0, 0)).isCloseTo(2.5, within(1e-6));
    }

    @Test
    void overridingTheScaleRescalesTheNormalisedStreamAndOverridingResultsSetsAttnOut() {
        // the normalised output is w · x / scale with the replaced scale: (3, 4) / 5 = (0.6, 0.8)
        ReferenceQwen2.Result scaled = hand.forward(new int[] {2, 0}, Map.of(HookPoint.parse("blocks.0.ln1.hook_scale"), t -> t.map(x -> 5)));
        assertThat(scaled.get("blocks.0.ln1.hook_normalized").data()).containsExactly(new double[] {0.6, 0.8, 0, 0, 0.2, 0.2, 0.2, 0.2}, within(TOL));
        // hook_attn_out is the sum over heads of the (replaced) results
        ReferenceQwen2.Result replaced = hand.forward(new int[] {2, 0},
                Map.of(HookPoint.parse("blocks.0.attn.hook_result"), t -> t.map(x -> 1)));
        assertThat(replaced.get("blocks.0.hook_attn_out").data()).containsOnly(2.0);
    }

    @Test
    void projectionsWithBiasAndGqaShapes() {
        ReferenceQwen2.Result r = hand.forward(2, 0);
        double r0 = 1 / Math.sqrt(6.25 + EPS);
        RefTensor q = r.get("blocks.0.attn.hook_q");
        assertThat(q.shape()).containsExactly(1, 2, 2, 4);
        assertThat(q.get(0, 0, 0, 1)).isCloseTo(4 * r0, within(TOL));
        assertThat(q.get(0, 0, 1, 1)).isCloseTo(8 * r0, within(TOL)); // head 1 is 2·I
        RefTensor v = r.get("blocks.0.attn.hook_v");
        assertThat(v.shape()).containsExactly(1, 2, 1, 4);
        assertThat(v.get(0, 0, 0, 0)).isCloseTo(3 * r0 + 1, within(TOL)); // bias (1,0,0,0)
        assertThat(v.get(0, 0, 0, 1)).isCloseTo(4 * r0, within(TOL));
    }

    @Test
    void ropeIsIdentityAtPositionZeroAndRotatesHalvesAtPositionOne() {
        ReferenceQwen2.Result r = hand.forward(2, 0);
        double r0 = 1 / Math.sqrt(6.25 + EPS);
        double r1 = 1 / Math.sqrt(1 + EPS);
        RefTensor rotK = r.get("blocks.0.attn.hook_rot_k");
        assertThat(rotK.get(0, 0, 0, 0)).isCloseTo(3 * r0, within(TOL));
        assertThat(rotK.get(0, 0, 0, 1)).isCloseTo(4 * r0, within(TOL));
        // position 1, k = r1·(1,1,1,1): dims (0,2) rotate by angle 1, dims (1,3) by angle 0.01
        double c = Math.cos(1);
        double s = Math.sin(1);
        double c2 = Math.cos(0.01);
        double s2 = Math.sin(0.01);
        assertThat(new double[] {rotK.get(0, 1, 0, 0), rotK.get(0, 1, 0, 1), rotK.get(0, 1, 0, 2), rotK.get(0, 1, 0, 3)})
                .containsExactly(new double[] {r1 * (c - s), r1 * (c2 - s2), r1 * (c + s), r1 * (c2 + s2)}, within(TOL));
        RefTensor rotQ = r.get("blocks.0.attn.hook_rot_q");
        assertThat(rotQ.get(0, 1, 1, 2)).isCloseTo(2 * r1 * (c + s), within(TOL));
    }

    @Test
    void attentionScoresPatternAndZMatchHandValues() {
        ReferenceQwen2.Result r = hand.forward(2, 0);
        double r0 = 1 / Math.sqrt(6.25 + EPS);
        double r1 = 1 / Math.sqrt(1 + EPS);
        double c = Math.cos(1);
        double s = Math.sin(1);
        double c2 = Math.cos(0.01);
        double s2 = Math.sin(0.01);
        // head 0: scores = q·k / sqrt(4)
        double s00 = 25 * r0 * r0 / 2;
        double s10 = r1 * r0 * (3 * (c - s) + 4 * (c2 - s2)) / 2;
        double s11 = 4 * r1 * r1 / 2;
        RefTensor scores = r.get("blocks.0.attn.hook_attn_scores");
        assertThat(scores.shape()).containsExactly(1, 2, 2, 2);
        assertThat(scores.get(0, 0, 0, 0)).isCloseTo(s00, within(TOL));
        assertThat(scores.get(0, 0, 0, 1)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(scores.get(0, 0, 1, 0)).isCloseTo(s10, within(TOL));
        assertThat(scores.get(0, 0, 1, 1)).isCloseTo(s11, within(TOL));
        // head 1 has doubled queries and reads the same (only) KV head
        assertThat(scores.get(0, 1, 1, 0)).isCloseTo(2 * s10, within(TOL));
        assertThat(scores.get(0, 1, 0, 1)).isEqualTo(Double.NEGATIVE_INFINITY);

        RefTensor pattern = r.get("blocks.0.attn.hook_pattern");
        double p10 = Math.exp(s10) / (Math.exp(s10) + Math.exp(s11));
        double q10 = Math.exp(2 * s10) / (Math.exp(2 * s10) + Math.exp(2 * s11));
        assertThat(pattern.data()).containsExactly(new double[] {1, 0, p10, 1 - p10, 1, 0, q10, 1 - q10}, within(TOL));

        // z = pattern · v; v0 = (3r0+1, 4r0, 0, 0), v1 = (r1+1, r1, r1, r1)
        double[] v0 = {3 * r0 + 1, 4 * r0, 0, 0};
        double[] v1 = {r1 + 1, r1, r1, r1};
        RefTensor z = r.get("blocks.0.attn.hook_z");
        for (int dim = 0; dim < 4; dim++) {
            assertThat(z.get(0, 0, 0, dim)).isCloseTo(v0[dim], within(TOL));
            assertThat(z.get(0, 0, 1, dim)).isCloseTo(v0[dim], within(TOL));
            assertThat(z.get(0, 1, 0, dim)).isCloseTo(p10 * v0[dim] + (1 - p10) * v1[dim], within(TOL));
            assertThat(z.get(0, 1, 1, dim)).isCloseTo(q10 * v0[dim] + (1 - q10) * v1[dim], within(TOL));
        }
        // o_proj maps each head through the identity (columns 0..3 head 0, 4..7 head 1): per head, the result is z
        RefTensor result = r.get("blocks.0.attn.hook_result");
        assertThat(result.shape()).containsExactly(1, 2, 2, 4);
        for (int dim = 0; dim < 4; dim++) {
            assertThat(result.get(0, 0, 0, dim)).isCloseTo(v0[dim], within(TOL));
            assertThat(result.get(0, 1, 0, dim)).isCloseTo(p10 * v0[dim] + (1 - p10) * v1[dim], within(TOL));
            assertThat(result.get(0, 1, 1, dim)).isCloseTo(q10 * v0[dim] + (1 - q10) * v1[dim], within(TOL));
        }
        // o_proj sums the heads; the residual adds it
        RefTensor attnOut = r.get("blocks.0.hook_attn_out");
        assertThat(attnOut.get(0, 0, 0)).isCloseTo(2 * v0[0], within(TOL));
        assertThat(attnOut.get(0, 1, 2)).isCloseTo((p10 + q10) * v0[2] + (2 - p10 - q10) * v1[2], within(TOL));
        RefTensor mid = r.get("blocks.0.hook_resid_mid");
        assertThat(mid.get(0, 0, 1)).isCloseTo(4 + 2 * v0[1], within(TOL));
    }

    @Test
    void mlpFinalNormAndLogitsMatchHandValues() {
        ReferenceQwen2.Result r = hand.forward(2, 0);
        double r0 = 1 / Math.sqrt(6.25 + EPS);
        double m0 = 3 + 2 * (3 * r0 + 1);
        double m1 = 4 + 8 * r0;
        double rms = Math.sqrt((m0 * m0 + m1 * m1) / 4 + EPS);
        double a = m0 / rms;
        double b = 2 * m1 / rms; // ln2 weight 2 on dim 1
        assertThat(r.get("blocks.0.ln2.hook_normalized").data()).startsWith(new double[] {a, b, 0, 0}, within(TOL));
        assertThat(r.get("blocks.0.mlp.hook_pre").data()).startsWith(new double[] {a, 0}, within(TOL));
        assertThat(r.get("blocks.0.mlp.hook_pre_linear").data()).startsWith(new double[] {a, b}, within(TOL));
        assertThat(r.get("blocks.0.mlp.hook_post").data()).startsWith(new double[] {silu(a) * a, 0}, within(TOL));
        assertThat(r.get("blocks.0.hook_mlp_out").data()).startsWith(new double[] {silu(a) * a, 0, 0, 0}, within(TOL));
        double[] post = {m0 + silu(a) * a, m1, 0, 0};
        assertThat(r.get("blocks.0.hook_resid_post").data()).startsWith(post, within(TOL));
        double finalRms = Math.sqrt((post[0] * post[0] + post[1] * post[1]) / 4 + EPS);
        double[] normalized = {post[0] / finalRms, post[1] / finalRms, 0, 0};
        assertThat(r.get("ln_final.hook_normalized").data()).startsWith(normalized, within(TOL));
        assertThat(r.get("blocks.0.ln2.hook_scale").get(0, 0, 0)).isCloseTo(rms, within(TOL));
        assertThat(r.get("ln_final.hook_scale").get(0, 0, 0)).isCloseTo(finalRms, within(TOL));
        // untied lm_head = I: logits are the normalized stream
        assertThat(r.logits().shape()).containsExactly(1, 2, 4);
        assertThat(r.logits().data()).startsWith(normalized, within(TOL));
    }

    @Test
    void tiedModelUnembedsWithTheEmbeddingMatrix() {
        ReferenceQwen2.Result r = handTied.forward(2, 0);
        double[] f = r.get("ln_final.hook_normalized").data();
        // logits[t] = f · E[t] at position 0: E = (1,1,1,1), (2,0,0,0), (3,4,0,0), (1,-1,1,-1)
        assertThat(r.logits().data()).startsWith(new double[] {
            f[0] + f[1] + f[2] + f[3], 2 * f[0], 3 * f[0] + 4 * f[1], f[0] - f[1] + f[2] - f[3]}, within(TOL));
        assertThat(hand.forward(2, 0).get("ln_final.hook_normalized").data()).containsExactly(f, within(TOL));
    }

    @Test
    void everyHookPointIsProducedWithItsShape() {
        ModelConfig config = random.config();
        ReferenceQwen2.Result r = random.forward(randomTokens(7, 1));
        assertThat(r.activations().keySet()).containsExactlyElementsOf(HookPoint.all(config));
        for (HookPoint point : HookPoint.all(config)) {
            assertThat(r.get(point).shape()).as(point.name()).containsExactly(point.shape(config, 1, 7, 7));
            for (double value : r.get(point).data()) {
                assertThat(Double.isNaN(value)).as(point.name()).isFalse();
            }
        }
    }

    @Test
    void patternRowsSumToOneAndFutureIsMasked() {
        int n = 9;
        ReferenceQwen2.Result r = random.forward(randomTokens(n, 2));
        for (int layer = 0; layer < 2; layer++) {
            RefTensor scores = r.get(HookPoint.block(layer, HookSite.ATTN_SCORES));
            RefTensor pattern = r.get(HookPoint.block(layer, HookSite.ATTN_PATTERN));
            for (int h = 0; h < 4; h++) {
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        if (j > i) {
                            assertThat(scores.get(0, h, i, j)).isEqualTo(Double.NEGATIVE_INFINITY);
                            assertThat(pattern.get(0, h, i, j)).isZero();
                        } else {
                            assertThat(scores.get(0, h, i, j)).isFinite();
                            assertThat(pattern.get(0, h, i, j)).isPositive();
                        }
                        sum += pattern.get(0, h, i, j);
                    }
                    assertThat(sum).isCloseTo(1, within(1e-12));
                }
            }
        }
    }

    @Test
    void zeroQueriesGiveUniformAttentionAndZIsTheMeanOfValues() {
        int n = 5;
        HookPoint rotQ = HookPoint.block(1, HookSite.ATTN_ROT_Q);
        ReferenceQwen2.Result r = random.forward(randomTokens(n, 3), Map.of(rotQ, RefTensor::zerosLike));
        assertThat(r.get(rotQ).data()).containsOnly(0.0);
        RefTensor pattern = r.get("blocks.1.attn.hook_pattern");
        RefTensor v = r.get("blocks.1.attn.hook_v");
        RefTensor z = r.get("blocks.1.attn.hook_z");
        for (int h = 0; h < 4; h++) {
            int kv = h / 2; // 4 query heads over 2 KV heads, grouped consecutively
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    assertThat(pattern.get(0, h, i, j)).isCloseTo(1.0 / (i + 1), within(1e-15));
                }
                for (int c = 0; c < 4; c++) {
                    double mean = 0;
                    for (int j = 0; j <= i; j++) {
                        mean += v.get(0, j, kv, c) / (i + 1);
                    }
                    assertThat(z.get(0, i, h, c)).isCloseTo(mean, within(1e-12));
                }
            }
        }
    }

    @Test
    void queryHeadsReadTheirKvGroupConsecutively() {
        // every query is all ones; KV head 0 keys are 0, KV head 1 keys are all ones
        Map<HookPoint, UnaryOperator<RefTensor>> overrides = Map.of(
                HookPoint.block(0, HookSite.ATTN_ROT_Q), t -> t.map(x -> 1),
                HookPoint.block(0, HookSite.ATTN_ROT_K), t -> {
                    double[] d = new double[t.size()];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = t.index(i)[2] == 1 ? 1 : 0;
                    }
                    return new RefTensor(t.shape(), d);
                });
        RefTensor scores = random.forward(randomTokens(3, 4), overrides).get("blocks.0.attn.hook_attn_scores");
        // d_head 4: ones·ones / sqrt(4) = 2
        double[] perHead = {0, 0, 2, 2};
        for (int h = 0; h < 4; h++) {
            assertThat(scores.get(0, h, 2, 1)).as("head " + h).isCloseTo(perHead[h], within(1e-15));
        }
    }

    @Test
    void ropeScoresDependOnlyOnRelativePosition() {
        int n = 6;
        Random rng = new Random(5);
        double[] qVector = rng.doubles(4 * 4).toArray();
        double[] kVector = rng.doubles(2 * 4).toArray();
        Map<HookPoint, UnaryOperator<RefTensor>> overrides = Map.of(
                HookPoint.block(0, HookSite.ATTN_Q), t -> repeatPerPosition(t, qVector),
                HookPoint.block(0, HookSite.ATTN_K), t -> repeatPerPosition(t, kVector));
        ReferenceQwen2.Result r = random.forward(randomTokens(n, 6), overrides);
        assertThat(r.get("blocks.0.attn.hook_rot_q").data()).startsWith(qVector); // position 0 is unrotated
        RefTensor scores = r.get("blocks.0.attn.hook_attn_scores");
        for (int h = 0; h < 4; h++) {
            for (int i = 1; i < n; i++) {
                for (int j = 1; j <= i; j++) {
                    assertThat(scores.get(0, h, i, j)).isCloseTo(scores.get(0, h, i - j, 0), within(1e-12));
                }
            }
            assertThat(scores.get(0, h, 3, 0)).isNotCloseTo(scores.get(0, h, 0, 0), within(1e-6));
        }
    }

    private static RefTensor repeatPerPosition(RefTensor t, double[] perPosition) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = perPosition[i % perPosition.length];
        }
        return new RefTensor(t.shape(), d);
    }

    @Test
    void overridesFlowDownstream() {
        int[] tokens = randomTokens(4, 7);
        ReferenceQwen2.Result r = random.forward(tokens, Map.of(HookPoint.block(0, HookSite.ATTN_OUT), RefTensor::zerosLike));
        assertThat(r.get("blocks.0.hook_resid_mid")).isEqualTo(r.get("blocks.0.hook_resid_pre"));
        assertThat(r.logits()).isNotEqualTo(random.forward(tokens).logits());
    }

    @Test
    void wrongShapedOverrideNamesTheHookPoint() {
        assertThatThrownBy(() -> random.forward(randomTokens(3, 8), Map.of(
                HookPoint.block(1, HookSite.RESID_POST), t -> RefTensor.zeros(1, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocks.1.hook_resid_post");
    }

    @Test
    void laterTokensDoNotChangeEarlierLogits() {
        int[] a = randomTokens(6, 9);
        int[] b = a.clone();
        b[4] = (b[4] + 1) % 257;
        b[5] = (b[5] + 7) % 257;
        double[] la = random.forward(a).logits().data();
        double[] lb = random.forward(b).logits().data();
        assertThat(Arrays.copyOf(lb, 4 * 257)).containsExactly(Arrays.copyOf(la, 4 * 257));
        assertThat(Arrays.copyOfRange(lb, 4 * 257, 5 * 257)).isNotEqualTo(Arrays.copyOfRange(la, 4 * 257, 5 * 257));
    }

    @Test
    void argmaxPicksTheLowestIndexOnTies() {
        assertThat(ReferenceQwen2.argmax(new double[] {1, 3, 3, 2})).isEqualTo(1);
        assertThat(ReferenceQwen2.argmax(new double[] {5})).isZero();
    }

    @Test
    void greedyGenerationExtendsByTheArgmaxOfTheLastPosition() {
        int[] prompt = randomTokens(4, 10);
        int[] generated = random.generate(prompt, 3, false);
        assertThat(generated).hasSize(3);
        int[] sequence = prompt;
        for (int token : generated) {
            assertThat(token).isEqualTo(ReferenceQwen2.argmax(ReferenceQwen2.lastRow(random.forward(sequence).logits())));
            sequence = Arrays.copyOf(sequence, sequence.length + 1);
            sequence[sequence.length - 1] = token;
        }
    }

    @Test
    void generationStopsAtEosOnlyWhenAsked() {
        int eos = random.config().eosTokenId().orElseThrow();
        Map<HookPoint, UnaryOperator<RefTensor>> forceEos = Map.of(HookPoint.global(HookSite.LOGITS), t -> {
            double[] d = t.data();
            for (int i = eos; i < d.length; i += 257) {
                d[i] = 1e9;
            }
            return new RefTensor(t.shape(), d);
        });
        int[] prompt = randomTokens(3, 12);
        assertThat(random.generate(prompt, 4, true, forceEos)).containsExactly(eos);
        assertThat(random.generate(prompt, 4, false, forceEos)).containsExactly(eos, eos, eos, eos);
    }

    private static int[] randomTokens(int n, long seed) {
        return new Random(seed).ints(n, 0, 257).toArray();
    }
}
