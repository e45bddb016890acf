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
export { decodeImagesCheckpoint, encodeImagesCheckpoint } from "./experiments/images/checkpoint.js";
export { loadDataset, type RawImages } from "./experiments/images/data.js";
export { loadMnist } from "./experiments/images/mnist.js";
export { encodeNpy, NpyError, parseNpy, readNpy } from "./experiments/images/npy.js";
export {
  IMAGE_ACTIVATIONS,
  type ImagesOptions,
  type ImagesOptionsInput,
  imagesSchema,
  resolveImagesOptions,
} from "./experiments/images/options.js";
export { type ImagesPlots, imagesPlots } from "./experiments/images/report.js";
export {
  type CurvePoint,
  IMAGES_STREAM,
  type ImagesCheckpoint,
  type ImagesHooks,
  type ImagesProgress,
  type ImagesResult,
  runImages,
} from "./experiments/images/run.js";
export { grayPng, imageGrid, type LinePlotSpec, linePlot, type Series } from "./report/svg.js";
