package io.interp4j.experiments.atlas;

import io.interp4j.api.experiment.StudyContext;
import java.util.List;

/**
 * A step that trains LoRA adapters for study models ({@code lora-training}): what it will write, so that
 * the rows reading its artefacts ({@link TrainedModels}) can check before anything runs that it writes
 * an adapter for each of their models and every checkpoint they ask for.
 */
public interface AdapterTraining {
    /**
     * Returns the study models the step writes a final adapter for.
     *
     * @param context the study, as the reading step sees it
     * @return the model names
     */
    List<String> adaptedModels(StudyContext context);

    /**
     * Returns the optimizer steps after which the step saves a model's adapter.
     *
     * @param model the study model's name
     * @return the steps, ascending
     */
    List<Integer> checkpoints(String model);
}
