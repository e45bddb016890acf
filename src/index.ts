/**
 * mcm-diffusion library entry: no side effects, no argv, no printing, no Node-only imports on the
 * browser path. The CLI lives in src/cli and is a separate entry (bin `mcm`).
 */

export { DIRECTIONS, type Direction } from "./config/directions.js";
export { ConfigError, InputError, type InputErrorKind } from "./config/errors.js";
export {
  EXPR_PREFIX,
  ExprError,
  type ExprNode,
  type ParsedActivation,
  parseExpr,
  printExpr,
  SHORTCUTS,
} from "./config/expr.js";
export { derivative as exprDerivative, simplify as simplifyExpr } from "./config/expr-calculus.js";
export {
  ACT_CODE,
  type ActivationTable,
  type ActivationTableRecord,
  type CorrelationLaw,
  deriveModel,
  initialSkip,
  type LatentLaw,
  type Model,
  spikeDirections,
} from "./config/model.js";
export { alphaSigma, optimalSkip, PROCESSES, type ProcessName } from "./config/process.js";
export {
  ACTIVATIONS,
  type Activation,
  type CheckpointEvery,
  type Config,
  type ConfigInput,
  configSchema,
  parseCheckpointEvery,
  parseSeed,
  type RunInput,
  resolveConfig,
  resolveRun,
  runSchema,
} from "./config/schema.js";
export { DEFAULT_STEPS, parseSteps, StepsError, type StepsExpression } from "./config/steps.js";
export {
  CHECKPOINT_FORMAT_VERSION,
  CheckpointError,
  type CheckpointMeta,
  CheckpointMismatchError,
  configHash,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./engine/checkpoint.js";
export { gridSteps, nextGridStep } from "./engine/grid.js";
export { type KernelExports, type KernelSource, type Kernels, loadKernels, simdSupported } from "./engine/kernels.js";
export { STREAM } from "./engine/layout.js";
export { decodeNpz, encodeNpz, type NpyArray, NpzError } from "./engine/npz.js";
export { offSpikeGram, type ReducedLayout, type ReducedState, spikeCount } from "./engine/reduced.js";
export type { FullState } from "./engine/simulation.js";
export {
  createSimulation,
  DivergenceError,
  type LogEntry,
  learningRate,
  type Progress,
  type RunOptions,
  type Simulation,
  type SimulationState,
} from "./engine/simulation.js";
export type { PhaseRow } from "./experiments/phase.js";
export {
  censoredMedian,
  censoredQuantile,
  type Hit,
  type MedianCI,
  median,
  medianCI,
  quantile,
  quantileSorted,
} from "./experiments/stats.js";
export type { DirectionResult, PointResult, ScalingFit, SweepResult } from "./experiments/sweep.js";
export type { TaskResult } from "./experiments/sweep-task.js";
export {
  GENERATE_CONFIG_DEFAULTS,
  type GenerateResult,
  type GenerateState,
} from "./generate/experiment.js";
export { decodeNpy as decodeNpyArray, encodeNpy as encodeNpyArray } from "./io/npy.js";
export {
  exponent,
  type GenerateInput,
  type GenerateRunOptions,
  generate,
  generatePlan,
  predict,
  type SweepInput,
  type SweepOutcome,
  type SweepRunOptions,
  sweep,
} from "./pipeline.js";
export { formatSummary, type RunSummary, seriesCsv, summarize } from "./report/summary.js";
export {
  computeExponents,
  type DirectionExponent,
  type EffectiveExponent,
  type ExponentOptions,
  type ExponentResult,
  lrExponentOf,
  type MixedTerm,
  scalingOf,
} from "./theory/exponent.js";
export { compileExpr, formulaFunctions } from "./theory/expr-eval.js";
export { formatExponentTable } from "./theory/format.js";
export { NotCoveredError } from "./theory/limit.js";
export type { LimitPrediction, PredictOptions } from "./theory/limit-types.js";
export {
  activationHermite,
  lossEvaluator,
  type Overlaps,
  populationLoss,
  type TheoryModel,
  theoryModel,
} from "./theory/loss.js";
