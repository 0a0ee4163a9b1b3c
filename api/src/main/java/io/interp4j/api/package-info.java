/**
 * Cross-cutting api types: the one unchecked exception with its error codes, the configuration
 * {@code Problem} (a config path and a message) that validation returns and the exception carries,
 * and the stability markers every public api type carries.
 *
 * <p><b>What is stable</b> ({@link io.interp4j.api.Stable}: changes only in a major release) is what a
 * plugin or a program using interp4j is written against:
 * <ul>
 *   <li>{@code Interp4jException}, {@code ErrorCode} and {@code Problem};</li>
 *   <li>the plugin SPIs and what they exchange: {@code plugin} (factories, kinds, settings resolution and the one {@code SettingsReader},
 *       {@code TensorData}), {@code probe}, {@code intervention} (plans and their context, and
 *       interventions as values: {@code Intervention}, {@code Site}, {@code Positions},
 *       {@code Operation}), {@code metric} (inputs, results, {@code Distributions}, {@code TargetToken}),
 *       {@code experiment} ({@code Experiment}, {@code StudyContext}, {@code StepResult}, {@code Progress},
 *       {@code UnplannedWork});</li>
 *   <li>forwards as data: {@code plan} ({@code ForwardPlan}, {@code ForwardRequest}, {@code Readout},
 *       {@code ForwardReadout}, {@code ModelRef}, {@code PlanExecutor});</li>
 *   <li>models, runs and hooks: {@code EngineProvider}, {@code Checkpoint}, {@code DType},
 *       {@code Model}, {@code Run}, {@code ModelConfig}, {@code ForwardInput}, {@code ForwardResult},
 *       {@code BatchLayout}, {@code PastKeyValues}, {@code Padding}, generation, {@code LoadOptions},
 *       {@code ForwardingModel} / {@code ForwardingRun} (wrappers), {@code HookPoint}, {@code HookSite},
 *       {@code Hook}, {@code HookContext}, {@code ActivationCache}; quantisation settings and reports;
 *       tasks and suites ({@code Task}, {@code TaskSuite}); {@code Tokenizer}; the LoRA training SPI.</li>
 * </ul>
 *
 * <p><b>What is internal</b> ({@link io.interp4j.api.Internal}: shared by interp4j's own modules,
 * free to change or move): checkpoint and adapter file formats ({@code SafetensorsFile},
 * {@code SafetensorsWriter}, {@code TensorInfo}, {@code Qwen2Layout}, {@code LoraAdapter},
 * {@code RandomCheckpoint}, {@code Unembedding}, {@code StrictJson}), engine building blocks ({@code AbstractModel},
 * {@code AbstractRun}, {@code Decoding}, {@code ThreadPolicy}, {@code HookDispatcher},
 * {@code HookObserver}, {@code InterventionHooks}, {@code RowInterventions}, {@code QuantizedWeight}),
 * tokenizer implementations ({@code HfTokenizer}, {@code ByteLevelBpe}) and the suites' readers and
 * generators ({@code TaskSuites}, {@code SyntheticFamilies}, {@code ToySuites}).
 *
 * <p><b>What is experimental</b> ({@link io.interp4j.api.Experimental}: usable, but its shape may change
 * in a minor release): the first-hour facade of {@code lens} ({@code HookedModel}, {@code Session},
 * {@code Weights}, {@code ResidualStack}, {@code Completion}, {@code Sampling}), pre-training
 * ({@code Pretrainer}, {@code PretrainingOptions}), a forward's bare matrix products for benchmarks'
 * compute floor ({@code MatrixProducts}) and a tokenizer's special tokens ({@code SpecialTokens}).
 *
 * @since 0.1
 */
package io.interp4j.api;
