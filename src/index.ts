/**
 * mcm-diffusion library entry: no side effects, no argv, no printing, no Node-only imports on the
 * browser path. The CLI lives in src/cli and is a separate entry (bin `mcm`).
 */

export { alphaSigma, optimalSkip, PROCESSES, type ProcessName } from "./config/process.js";
export {
  ACTIVATIONS,
  type Activation,
  type Config,
  ConfigError,
  type ConfigInput,
  configSchema,
  resolveConfig,
} from "./config/schema.js";
export { gridSteps, nextGridStep } from "./engine/grid.js";
export { type KernelExports, type KernelSource, type Kernels, loadKernels, simdSupported } from "./engine/kernels.js";
export { DIRECTIONS, type Direction, STREAM } from "./engine/layout.js";
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
