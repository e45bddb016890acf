/**
 * mcm-diffusion's Node-only entry ("mcm-diffusion/node"): what reads files or the mnist package. The main
 * entry (src/index.ts) stays importable in browsers.
 */
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
export { type LinePlotSpec, linePlot, linePlotSpec, type Series } from "./report/lines.js";
export { grayPng, imageGrid } from "./report/svg.js";
