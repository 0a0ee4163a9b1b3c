package io.interp4j.interventions.steering;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import io.interp4j.api.ErrorCode;
import io.interp4j.api.Interp4jException;
import io.interp4j.api.checkpoint.SafetensorsFile;
import io.interp4j.api.checkpoint.TensorInfo;
import io.interp4j.api.intervention.InterventionContext;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.ModelConfig;
import io.interp4j.api.plugin.TensorData;
import io.interp4j.interventions.common.ModelMemo;
import io.interp4j.api.plugin.SettingsReader;
import io.interp4j.interventions.common.SiteSelection;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Where a steering direction comes from: settings {@code vector.*}. */
sealed interface SteeringVector {
    List<String> SOURCES = List.of("probe", "file", "random");

    /**
     * Returns the direction for a context.
     *
     * @param context the model, prompt sets and probes
     * @param where the site, for the width of a random vector
     * @return the direction
     */
    TensorData vector(InterventionContext context, SiteSelection where);

    /**
     * Describes the source.
     *
     * @return e.g. {@code probe 'mean-difference' tensor 'direction'}
     */
    String describe();

    /**
     * Reads {@code vector.*}.
     *
     * @param settings the plugin's settings; problems are recorded there
     * @return the source, or null when a problem was recorded
     */
    static SteeringVector read(SettingsReader settings) {
        String from = settings.choice("vector.from", SOURCES);
        String tensor = settings.text("vector.tensor");
        String probeId = settings.text("vector.probe-id");
        Config probeSettings = settings.objectOrEmpty("vector.probe-settings");
        String file = settings.optionalText("vector.file");
        Integer seed = settings.integer("vector.seed", 0);
        Double norm = settings.number("vector.norm");
        boolean ok = true;
        if (norm != null && !(norm > 0)) {
            settings.invalid("vector.norm", "a number > 0 (the random vector's Euclidean norm)");
            ok = false;
        }
        if (from != null && !from.equals("probe") && !settings.isNull("vector.probe-settings")) {
            settings.invalid("vector.probe-settings",
                    "null when vector.from = " + from + " (probe settings apply only to vector.from = probe)");
            ok = false;
        }
        if (from != null && from.equals("file") != (file != null)) {
            settings.invalid("vector.file", from.equals("file")
                    ? "a path to a .safetensors file when vector.from = file"
                    : "null when vector.from = " + from + " (a file applies only to vector.from = file)");
            ok = false;
        }
        if (!ok || from == null || tensor == null || probeId == null || probeSettings == null || seed == null || norm == null) {
            return null;
        }
        return switch (from) {
            case "probe" -> new FromProbe(probeId, probeSettings, tensor, new ModelMemo<>());
            case "file" -> FromFile.read(settings, Path.of(file), tensor);
            default -> new FromRandom(seed, norm);
        };
    }

    /** The named tensor of a probe's result, computed once per model and prompt sets. */
    record FromProbe(String probeId, Config probeSettings, String tensor, ModelMemo<TensorData> memo) implements SteeringVector {
        @Override
        public TensorData vector(InterventionContext context, SiteSelection where) {
            Model model = context.model();
            List<Object> inputs = List.of(
                    probeSettings.root().render(ConfigRenderOptions.concise()), ModelMemo.fingerprint(context.promptSets()));
            return memo.get(model, inputs, () -> context.probes().run(probeId, probeSettings, context.probeContext(model)).tensor(tensor));
        }

        @Override
        public String describe() {
            return "probe '" + probeId + "' tensor '" + tensor + "'";
        }
    }

    /** One tensor of a safetensors file, read when the plan is created. */
    record FromFile(Path file, String tensor, TensorData data) implements SteeringVector {
        static FromFile read(SettingsReader settings, Path file, String tensor) {
            try (SafetensorsFile safetensors = SafetensorsFile.open(file)) {
                if (!safetensors.tensors().containsKey(tensor)) {
                    settings.invalid("vector.tensor", "a tensor of " + file + ", which holds " + safetensors.tensors().keySet());
                    return null;
                }
                TensorInfo info = safetensors.info(tensor);
                return new FromFile(file, tensor, new TensorData(info.shape(), safetensors.readFloats(info)));
            } catch (Interp4jException e) {
                settings.invalid("vector.file", "a readable .safetensors file (" + e.getMessage() + ")");
                return null;
            }
        }

        @Override
        public TensorData vector(InterventionContext context, SiteSelection where) {
            return data;
        }

        @Override
        public String describe() {
            return "file " + file + " tensor '" + tensor + "'";
        }
    }

    /**
     * A Gaussian direction of a given norm, as wide as the site (one head's width when heads are
     * selected); {@link Random} so a seed gives the same vector on every JVM.
     */
    record FromRandom(long seed, double norm) implements SteeringVector {
        @Override
        public TensorData vector(InterventionContext context, SiteSelection where) {
            ModelConfig config = context.model().config();
            where.site().checkIn(config);
            long[] shape = where.site().featureShape(config);
            if (!where.heads().isEmpty()) {
                shape = Arrays.copyOfRange(shape, 1, shape.length);
            }
            if (Arrays.stream(shape).anyMatch(d -> d < 0)) {
                throw new Interp4jException(ErrorCode.INVALID_ARGUMENT, "a random vector needs a site of fixed width; '"
                        + where.site().name()
                        + "' has feature shape " + Arrays.toString(shape));
            }
            int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
            Random random = new Random(seed);
            double[] values = new double[size];
            double sum = 0;
            for (int i = 0; i < size; i++) {
                values[i] = random.nextGaussian();
                sum += values[i] * values[i];
            }
            double factor = norm / Math.sqrt(sum);
            float[] data = new float[size];
            for (int i = 0; i < size; i++) {
                data[i] = (float) (values[i] * factor);
            }
            return new TensorData(shape, data);
        }

        @Override
        public String describe() {
            return String.format(Locale.ROOT, "random Gaussian, seed %d, norm %s", seed, norm);
        }
    }
}
