package io.interp4j.planner;

/**
 * One batched forward the planner runs: what a dry run counts and what a cost model prices.
 *
 * @param model the request model's key
 * @param rows the batch's rows
 * @param width the padded positions per row computed
 * @param startLayer the first block computed ({@code n_layers - startLayer} blocks run)
 * @param past how many earlier positions each row attends to from reused keys and values
 * @param logitRows how many positions are unembedded in all
 * @param cachedPoints how many hook points are kept from it
 */
public record ScheduledForward(String model, int rows, int width, int startLayer, int past, int logitRows, int cachedPoints) {}
