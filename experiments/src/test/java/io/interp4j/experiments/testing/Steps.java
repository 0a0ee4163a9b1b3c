package io.interp4j.experiments.testing;

import com.typesafe.config.ConfigFactory;
import io.interp4j.api.experiment.Experiment;
import io.interp4j.api.experiment.ExperimentFactory;
import io.interp4j.api.experiment.Progress;
import io.interp4j.api.experiment.StepResult;
import io.interp4j.api.plugin.PluginKind;
import io.interp4j.api.plugin.PluginSettings;
import java.util.List;
import java.util.ServiceLoader;

/** Creates experiments as the app does, and reads their results. */
public final class Steps {
    private Steps() {}

    /**
     * Finds an experiment plugin with {@link ServiceLoader}.
     *
     * @param id the id
     * @return the factory
     */
    public static ExperimentFactory factory(String id) {
        return ServiceLoader.load(ExperimentFactory.class).stream().map(ServiceLoader.Provider::get)
                .filter(f -> f.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError("no experiment " + id));
    }

    /**
     * Resolves the user's settings against the reference.conf and creates the experiment.
     *
     * @param id the experiment id
     * @param hocon the user's settings
     * @return the experiment
     */
    public static Experiment create(String id, String hocon) {
        return factory(id).create(PluginSettings.resolve(PluginKind.EXPERIMENT, id, ConfigFactory.parseString(hocon)));
    }

    /**
     * Returns a table by name.
     *
     * @param result the result
     * @param name the table's name
     * @return the table
     */
    public static StepResult.Table table(StepResult result, String name) {
        return result.tables().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + name + " in " + result.tables().stream().map(StepResult.Table::name).toList()));
    }

    /**
     * Returns a cell.
     *
     * @param table the table
     * @param row the row
     * @param column the column's name
     * @return the cell
     */
    public static Object cell(StepResult.Table table, List<Object> row, String column) {
        int c = table.columns().indexOf(column);
        if (c < 0) {
            throw new AssertionError("no column " + column + " in " + table.columns());
        }
        return row.get(c);
    }

    /**
     * Returns a numeric cell.
     *
     * @param table the table
     * @param row the row
     * @param column the column's name
     * @return the number
     */
    public static double number(StepResult.Table table, List<Object> row, String column) {
        return ((Number) cell(table, row, column)).doubleValue();
    }

    /** A progress that sums what it is told. */
    public static final class Counter implements Progress {
        private long total;

        @Override
        public void advance(long forwardPasses) {
            if (forwardPasses <= 0) {
                throw new AssertionError("progress advanced by " + forwardPasses);
            }
            total += forwardPasses;
        }

        /**
         * Returns the sum.
         *
         * @return the forward passes reported
         */
        public long total() {
            return total;
        }
    }
}
