package io.interp4j.testkit.study;

import io.interp4j.api.model.ForwardResult;
import io.interp4j.api.model.ForwardingModel;
import io.interp4j.api.model.ForwardingRun;
import io.interp4j.api.model.Generation;
import io.interp4j.api.model.GenerationOptions;
import io.interp4j.api.model.Model;
import io.interp4j.api.model.Run;

/** A model that calls back on every forward of its runs, and tracks how many runs are still open. */
final class CountedModel extends ForwardingModel {
    final Model model;
    private final Runnable onForward;
    private int open;

    CountedModel(Model model, Runnable onForward) {
        this.model = model;
        this.onForward = onForward;
    }

    /** The runs opened and not yet closed. */
    int openRuns() {
        return open;
    }

    @Override
    protected Model delegate() {
        return model;
    }

    @Override
    public Run newRun() {
        Run run = model.newRun();
        open++;
        return new ForwardingRun() {
            @Override
            protected Run delegate() {
                return run;
            }

            @Override
            public ForwardResult forward(int[][] tokens) {
                onForward.run();
                return run.forward(tokens);
            }

            @Override
            public Generation generate(int[] prompt, GenerationOptions options) {
                Generation generation = run.generate(prompt, options);
                // one forward per new token (the first is the prefill)
                for (int i = 0; i < generation.generated().length; i++) {
                    onForward.run();
                }
                return generation;
            }

            @Override
            public void close() {
                open--;
                run.close();
            }
        };
    }
}
