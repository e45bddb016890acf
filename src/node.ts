/**
 * mcm-diffusion's Node-only entry ("mcm-diffusion/node"): what reads files or the mnist package. The main
 * entry (src/index.ts) stays importable in browsers.
 */

export {
  DIFFUSION_DEFAULTS,
  type DiffusionOptions,
  resolveDiffusionOptions,
} from "./diffusion/options.js";
export {
  type DiffusionCheckpoint,
  type DiffusionHooks,
  type DiffusionResult,
  DivergedError,
  runDiffusion,
} from "./diffusion/run.js";

/**
 * Trains the image diffusion model of `mcm diffusion` (options as its flags, defaults DIFFUSION_DEFAULTS) and
 * returns its snapshots, reference metrics and summary. `hooks`: progress, samples, checkpoints (pass one
 * back as `resume`), an AbortSignal (training stops at the next step and the result has `complete: false`; before training it
 * throws StoppedBeforeTraining), threads.
 * Needs the optional package of its data set (mnist, fashion-mnist) unless `dataset` is a .npy file.
 */
export const diffusion: typeof runDiffusion = runDiffusion;
export { decodeImagesCheckpoint, encodeImagesCheckpoint } from "./experiments/images/checkpoint.js";
export {
  IMAGE_ACTIVATIONS,
  type ImagesOptions,
  type ImagesOptionsInput,
  imagesSchema,
  resolveImagesOptions,
} from "./experiments/images/options.js";
export {
  type CurvePoint,
  IMAGES_STREAM,
  type ImagesCheckpoint,
  type ImagesHooks,
  type ImagesProgress,
  type ImagesResult,
  runImages,
} from "./experiments/images/run.js";
export { loadDataset, type RawImages } from "./images/data.js";
export { loadMnist } from "./images/mnist.js";
export { encodeNpy, NpyError, parseNpy, readNpy } from "./images/npy.js";
export { type ImagesPlots, imagesPlotSpecs, imagesPlots } from "./report/images.js";

import { runDiffusion } from "./diffusion/run.js";

export { type LinePlotSpec, linePlot, linePlotSpec, type Series } from "./report/lines.js";
export { grayPng, imageGrid } from "./report/svg.js";
