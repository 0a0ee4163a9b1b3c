package org.example.interp4j;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.interp4j.api.Problem;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.experiment.StudyContext;
import io.interp4j.api.intervention.Intervention;
import io.interp4j.api.intervention.Positions;
import io.interp4j.api.intervention.Site;
import io.interp4j.api.metric.Metric;
import io.interp4j.api.metric.MetricInput;
import io.interp4j.api.plan.ForwardPlan;
import io.interp4j.api.plan.ForwardReadout;
import io.interp4j.api.plan.ForwardRequest;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.task.Task;
import io.interp4j.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment {@code block-zeroing}: zeroes one block's contribution on every prompt of a suite
 * (a true skip of that block) and scores each prompt with a logit metric against the clean run. Its
 * forwards are one plan (a clean and an intervened request per prompt), so a dry run counts them.
 */
public final class BlockZeroing implements ExperimentFactory {
    @Override
    public String id() {
        return "block-zeroing";
    }

    @Override
    public String description() {
        return "zeroes one block's contribution on every prompt of a suite and scores each prompt with a logit metric";
    }

    @Override
    public Experiment create(Config settings) {
        return new Step(settings.getString("model"), settings.getString("suite"), settings.getInt("layer"), settings.getString("metric"));
    }

    /** The step with its settings. */
    record Step(String model, String suite, int layer, String metric) implements Experiment {
        @Override
        public List<Problem> validate(StudyContext context) {
            List<Problem> problems = new ArrayList<>();
            String path = context.path();
            if (!context.modelNames().contains(model)) {
                problems.add(new Problem(path + ".model", "found '" + model + "'; allowed: " + context.modelNames()));
            } else {
                int layers = context.modelConfig(model).numLayers();
                if (layer < -layers || layer >= layers) {
                    problems.add(new Problem(path + ".layer", "found " + layer + "; allowed: " + -layers + " to " + (layers - 1) + " for model '" + model + "'"));
                }
            }
            if (!context.suiteNames().contains(suite)) {
                problems.add(new Problem(path + ".suite", "found '" + suite + "'; allowed: " + context.suiteNames()));
            }
            problems.addAll(context.checkPlugin(PluginKind.METRIC, metric, ConfigFactory.empty(), path + ".metric"));
            return problems;
        }

        @Override
        public List<ForwardPlan> plans(StudyContext context) {
            Tokenizer tokenizer = context.tokenizer(model);
            List<Intervention> zero = List.of(Intervention.zero(Site.parse("blocks." + block(context) + ".contribution"), Positions.ALL));
            ForwardPlan.Builder plan = ForwardPlan.builder();
            for (Task task : context.suite(suite).tasks()) {
                int[] tokens = tokenizer.encode(task.prompt());
                plan.add(ForwardRequest.clean(model, tokens));
                plan.add(ForwardRequest.intervened(model, tokens, zero));
            }
            return List.of(plan.build());
        }

        @Override
        public String describe() {
            return "block-zeroing: zero block " + layer + "'s contribution on model '" + model + "', suite '" + suite + "', scored by " + metric;
        }

        @Override
        public StepResult run(StudyContext context, Progress progress) {
            requireValid(context);
            List<ForwardReadout> readouts = context.forwards(plans(context).get(0), progress);
            Metric scorer = context.metric(metric, ConfigFactory.empty());
            List<Task> tasks = context.suite(suite).tasks();
            List<List<Object>> rows = new ArrayList<>();
            double sum = 0;
            for (int i = 0; i < tasks.size(); i++) {
                double value = scorer.compute(MetricInput.LogitComparison.of(readouts.get(2 * i).logits(), readouts.get(2 * i + 1).logits())).value();
                rows.add(List.of(tasks.get(i).id(), tasks.get(i).family(), value));
                sum += value;
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("block", block(context));
            summary.put("prompts", tasks.size());
            summary.put("mean " + metric, tasks.isEmpty() ? Double.NaN : sum / tasks.size());
            return new StepResult(List.of(new StepResult.Table("per-prompt", List.of("task", "family", metric), rows)), List.of(), summary);
        }

        private int block(StudyContext context) {
            return layer < 0 ? context.modelConfig(model).numLayers() + layer : layer;
        }
    }
}
