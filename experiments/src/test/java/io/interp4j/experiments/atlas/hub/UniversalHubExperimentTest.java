package io.interp4j.experiments.atlas.hub;

import static io.interp4j.experiments.testing.Steps.cell;
import static io.interp4j.experiments.testing.Steps.number;
import static io.interp4j.experiments.testing.Steps.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StepResult.Table;
import io.interp4j.api.model.Model;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import io.interp4j.experiments.atlas.layerwise.HandRuns;
import io.interp4j.experiments.atlas.layerwise.HandRuns.BlockEdit;
import io.interp4j.experiments.testing.Independent;
import io.interp4j.experiments.testing.Steps;
import io.interp4j.experiments.testing.TinyStudyTest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UniversalHubExperimentTest extends TinyStudyTest {
    private static final List<String> MODELS = List.of("main", "other");
    private static StepResult result;
    private static long planned;
    private static long reported;
    private static long counted;

    @BeforeAll
    static void runOnce() {
        Experiment hub = Steps.create("universal-hub", "models = [main, other], suite = main, split = all");
        assertThat(hub.validate(study)).isEmpty();
        planned = hub.forwardPasses(study);
        study.takeForwards();
        Steps.Counter progress = new Steps.Counter();
        result = hub.run(study, progress);
        reported = progress.total();
        counted = study.takeForwards();
    }

    /** The independent computation of one model. */
    private static final class Hand {
        final Model model;
        final List<Task> tasks = study.suite("main").tasks();
        final List<String> families = tasks.stream().map(Task::family).toList();
        final int[][] tokens;
        final float[][] clean;
        final int[] targets;
        final int layers;

        Hand(String name) {
            model = study.raw(name);
            Tokenizer tokenizer = model.requireTokenizer();
            tokens = tasks.stream().map(t -> tokenizer.encode(t.prompt())).toArray(int[][]::new);
            clean = new float[tokens.length][];
            targets = new int[tokens.length];
            for (int p = 0; p < tokens.length; p++) {
                clean[p] = Independent.lastLogits(model, tokens[p]);
                targets[p] = tokenizer.encode(tasks.get(p).target())[0];
            }
            layers = model.config().numLayers();
        }

        /** Family-mean KL per layer under an edit of that layer. */
        double[] profile(BiFunction<Integer, Integer, BlockEdit> edit) {
            double[] out = new double[layers];
            for (int l = 0; l < layers; l++) {
                double[] kl = new double[tokens.length];
                for (int p = 0; p < tokens.length; p++) {
                    kl[p] = Independent.kl(clean[p], HandRuns.last(model, tokens[p], Map.of(l, edit.apply(l, p))));
                }
                out[l] = HandRuns.familyMean(kl, families);
            }
            return out;
        }

        /** Family-mean target log-prob drop when one row is rewritten at a layer. */
        double drop(int layer, boolean first, boolean skipRow) {
            double[] drops = new double[tokens.length];
            for (int p = 0; p < tokens.length; p++) {
                int positions = tokens[p].length;
                int row = first ? 0 : positions - 1;
                BlockEdit edit = (pre, post, n, d) -> {
                    float[] out = post.clone();
                    for (int c = 0; c < d; c++) {
                        out[row * d + c] = skipRow ? pre[row * d + c] : 0;
                    }
                    return out;
                };
                float[] ablated = HandRuns.last(model, tokens[p], Map.of(layer, edit));
                drops[p] = Independent.logSoftmax(clean[p])[targets[p]] - Independent.logSoftmax(ablated)[targets[p]];
            }
            return HandRuns.familyMean(drops, families);
        }
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double profileValue(String model, String method, int layer) {
        Table profile = table(result, "profile");
        return profile.rows().stream().filter(r -> cell(profile, r, "model").equals(model) && cell(profile, r, "method").equals(method)
                && ((Number) cell(profile, r, "layer")).intValue() == layer).mapToDouble(r -> number(profile, r, "kl")).findFirst()
                .orElseThrow();
    }

    private static List<Object> atlasRow(String key, String protocol, String model) {
        Table atlas = table(result, "atlas");
        return atlas.rows().stream().filter(r -> cell(atlas, r, "key").equals(key) && cell(atlas, r, "protocol").equals(protocol)
                && cell(atlas, r, "model").equals(model)).findFirst().orElseThrow(() -> new AssertionError("no atlas row " + key));
    }

    private static double routerValue(String model, String protocol, String position) {
        Table router = table(result, "router");
        return router.rows().stream().filter(r -> cell(router, r, "model").equals(model) && cell(router, r, "protocol").equals(protocol)
                && cell(router, r, "position").equals(position)).mapToDouble(r -> number(router, r, "drop")).findFirst().orElseThrow();
    }

    private static void assertProfile(String model, String method, double[] expected) {
        for (int l = 0; l < expected.length; l++) {
            assertThat(profileValue(model, method, l)).as("%s %s L%d", model, method, l)
                    .isCloseTo(expected[l], within(1e-4 * Math.max(1, expected[l])));
        }
    }

    @Test
    void countsItsForwardsExactly() {
        // per model: 6 clean, published 6·2 + 2·6, corrected 3·6·2 + 6 sources + 2·6
        assertThat(planned).isEqualTo(2 * (6 + 12 + 12 + 36 + 6 + 12));
        assertThat(reported).isEqualTo(planned);
        assertThat(counted).isEqualTo(planned);
    }

    @Test
    void publishedZeroesTheLayerOutputAndRoutesAtItsHub() {
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            double[] profile = hand.profile((l, p) -> HandRuns.ZERO_OUTPUT);
            assertProfile(name, "layer-output-zero", profile);
            int hub = argmax(profile);
            assertThat(number(table(result, "atlas"), atlasRow("universal-hub.layer", "published", name), "value")).isEqualTo(hub);
            assertThat(cell(table(result, "atlas"), atlasRow("universal-hub.layer", "published", name), "display"))
                    .isEqualTo(String.format(Locale.ROOT, "L%d, %.2f", hub, profile[hub]));
            assertThat(number(table(result, "atlas"), atlasRow("universal-hub.next", "published", name), "value")).isEqualTo(1 - hub);
            assertThat(routerValue(name, "published", "first")).isCloseTo(hand.drop(hub, true, false), within(1e-4));
            assertThat(routerValue(name, "published", "last")).isCloseTo(hand.drop(hub, false, false), within(1e-4));
        }
    }

    @Test
    void correctedAblatesTheContributionByZeroMeanAndResample() {
        for (String name : MODELS) {
            Hand hand = new Hand(name);
            int d = hand.model.config().hiddenSize();
            double[] zero = hand.profile((l, p) -> HandRuns.SKIP);
            assertProfile(name, "contribution-zero", zero);

            double[][] mean = new double[hand.layers][d];
            int positions = 0;
            for (int[] tokens : hand.tokens) {
                float[][] c = HandRuns.contributions(hand.model, tokens);
                for (int l = 0; l < hand.layers; l++) {
                    for (int i = 0; i < c[l].length; i++) {
                        mean[l][i % d] += c[l][i];
                    }
                }
                positions += tokens.length;
            }
            int total = positions;
            assertProfile(name, "contribution-mean", hand.profile((l, p) -> (pre, post, n, width) -> {
                float[] out = new float[post.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (pre[i] + mean[l][i % width] / total);
                }
                return out;
            }));

            assertProfile(name, "contribution-resample", hand.profile((l, p) -> {
                Task task = hand.tasks.get(p);
                int[] source = task.corruptPrompt().isPresent() ? hand.model.requireTokenizer().encode(task.corruptPrompt().get())
                        : hand.tokens[(p + 1) % hand.tokens.length];
                float[] contribution = HandRuns.contributions(hand.model, source)[l];
                return (pre, post, n, width) -> {
                    float[] out = post.clone();
                    int shared = Math.min(n, source.length);
                    for (int k = 0; k < shared; k++) {
                        int target = n - shared + k;
                        int from = source.length - shared + k;
                        for (int c = 0; c < width; c++) {
                            out[target * width + c] = pre[target * width + c] + contribution[from * width + c];
                        }
                    }
                    return out;
                };
            }));

            int hub = argmax(zero);
            List<Object> row = atlasRow("universal-hub.kl", "corrected", name);
            Table atlas = table(result, "atlas");
            assertThat(number(atlas, row, "value")).isCloseTo(zero[hub], within(1e-4));
            assertThat(number(atlas, row, "ci_low")).isLessThanOrEqualTo(number(atlas, row, "ci_high"));
            assertThat(routerValue(name, "corrected", "first")).isCloseTo(hand.drop(hub, true, true), within(1e-4));
            assertThat(routerValue(name, "corrected", "last")).isCloseTo(hand.drop(hub, false, true), within(1e-4));
        }
    }

    @Test
    void ranksAgreeAsTheTwoLayerProfilesOrderTheLayers() {
        Table agreement = table(result, "rank-agreement");
        assertThat(agreement.rows()).hasSize(2 * 6);
        for (List<Object> row : agreement.rows()) {
            String model = (String) cell(agreement, row, "model");
            double a = profileValue(model, (String) cell(agreement, row, "method_a"), 1)
                    - profileValue(model, (String) cell(agreement, row, "method_a"), 0);
            double b = profileValue(model, (String) cell(agreement, row, "method_b"), 1)
                    - profileValue(model, (String) cell(agreement, row, "method_b"), 0);
            // over two layers Spearman is +1 when both profiles order the layers alike, else -1
            assertThat(number(agreement, row, "spearman")).isEqualTo(Math.signum(a) == Math.signum(b) ? 1.0 : -1.0);
        }
    }

    @Test
    void detectsTheCascadeZeroInTheData() {
        Hand hand = new Hand("main");
        Table cascade = table(result, "cascade");
        for (int l = 0; l < hand.layers; l++) {
            float[] first = HandRuns.last(hand.model, hand.tokens[0], Map.of(l, HandRuns.ZERO_OUTPUT));
            double diff = 0;
            for (int p = 1; p < hand.tokens.length; p++) {
                float[] other = HandRuns.last(hand.model, hand.tokens[p], Map.of(l, HandRuns.ZERO_OUTPUT));
                for (int v = 0; v < other.length; v++) {
                    diff = Math.max(diff, Math.abs(other[v] - first[v]));
                }
            }
            int layer = l;
            List<Object> row = cascade.rows().stream().filter(r -> cell(cascade, r, "model").equals("main")
                    && ((Number) cell(cascade, r, "layer")).intValue() == layer).findFirst().orElseThrow();
            assertThat(number(cascade, row, "max_abs_logit_diff")).isCloseTo(diff, within(1e-6));
            // everything after a zeroed residual stream sees only biases: the output is the same for every prompt
            assertThat(diff).isLessThan(1e-4);
            assertThat(cell(cascade, row, "prompt_independent")).isEqualTo(true);
        }
        Table flags = table(result, "atlas-flags");
        assertThat(flags.rows()).anySatisfy(r -> {
            assertThat(cell(flags, r, "model")).isEqualTo("main");
            assertThat(cell(flags, r, "kind")).isEqualTo("artefact");
            assertThat(cell(flags, r, "protocol")).isEqualTo("published");
            assertThat((String) cell(flags, r, "message")).startsWith("cascade zero:").contains("L0, L1");
        });
    }

    @Test
    void flagsAHubThatDiffersBetweenProtocols() {
        Table atlas = table(result, "atlas");
        Table flags = table(result, "atlas-flags");
        for (String name : MODELS) {
            Object published = cell(atlas, atlasRow("universal-hub.layer", "published", name), "value");
            Object corrected = cell(atlas, atlasRow("universal-hub.layer", "corrected", name), "value");
            boolean flagged = flags.rows().stream().anyMatch(r -> cell(flags, r, "model").equals(name)
                    && ((String) cell(flags, r, "message")).startsWith("hub layer differs"));
            assertThat(flagged).as("%s: published %s, corrected %s", name, published, corrected)
                    .isEqualTo(!Objects.equals(published, corrected));
        }
    }

    @Test
    void chartsAHeatmapPerMethodAndALineChartPerModel() {
        assertThat(result.charts()).hasSize(2 * (4 + 1));
        assertThat(table(result, "families-main-layer-output-zero").rows()).hasSize(2 * 3);
    }
}
