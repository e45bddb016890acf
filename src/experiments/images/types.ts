/** The real-images experiment's result, progress, hooks and checkpoint types (./run.ts). */
import type { CheckpointEvery } from "../../config/schema.js";
import type { KernelFlavour } from "../../engine/kernels.js";
import type { RawImages } from "../../images/data.js";
import type { ImagesOptions } from "./options.js";

/** One evaluation on the grid. MSEs are per pixel, means over the test set; *Se are standard errors. */
export interface CurvePoint {
  step: number;
  /** Test MSE on real images. */
  mseReal: number;
  mseRealSe: number;
  /** Network MSE minus Wiener MSE on the same real test inputs (paired), and its standard error. */
  gapReal: number;
  gapRealSe: number;
  /** Test MSE on Gaussian-clone samples. */
  mseClone: number;
  mseCloneSe: number;
  gapClone: number;
  gapCloneSe: number;
  /** |D(xt) - Wiener(xt)| / |Wiener(xt)| summed over the real test inputs. */
  wienerDistance: number;
  /** Mean training minibatch MSE since the previous point (null at step 0). */
  trainLoss: number | null;
}

export interface ImagesProgress {
  phase: "data" | "reference" | "train" | "done";
  step: number;
  total: number;
  message: string;
  elapsedMs: number;
}

/** Everything needed to continue a run exactly. Encode with encodeImagesCheckpoint(). */
export interface ImagesCheckpoint {
  format: "mcm-images-checkpoint/1";
  /** Options and data set the run was made with; resuming requires the same. */
  key: string;
  buildHash: string;
  step: number;
  weights: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
  adamStep: number;
  /** Running sum of training minibatch losses since the last evaluation. */
  lossSum: number;
  /** xoshiro256** state of the training stream (32 bytes). */
  rng: Uint8Array;
  curve: CurvePoint[];
}

export interface ImagesHooks {
  onProgress?: (p: ImagesProgress) => void;
  /** Called after each evaluation on the grid. */
  onEval?: (point: CurvePoint) => void;
  /** Called per checkpointEvery, at the end, and when stopped by the signal. */
  onCheckpoint?: (c: ImagesCheckpoint) => void | Promise<void>;
  /** How often to checkpoint: every so many steps or seconds (off: only at the end and on abort). */
  checkpointEvery?: CheckpointEvery;
  resume?: ImagesCheckpoint;
  /** Stops after the current chunk; the result then has complete = false. */
  signal?: AbortSignal;
  /** In-memory images instead of options.dataset (library use, tests, browsers). */
  data?: RawImages;
  flavour?: KernelFlavour;
}

export interface DigitPanel {
  side: number;
  /** Index of each shown image in the (pooled) data set. */
  index: number[];
  /** Pixel values (the preprocessing undone, so [0, 1] for clean images), rounded to 3 decimals. */
  clean: number[][];
  noisy: number[][];
  wiener: number[][];
  network: number[][];
}

export interface ImagesResult {
  format: "mcm-images/1";
  complete: boolean;
  options: ImagesOptions;
  dataset: {
    name: string;
    d: number;
    side: number;
    nTrain: number;
    nTest: number;
    trainedOn: "real" | "clone";
    preprocessing: { pixelRange: string; meanRemoved: string; scale: number; statement: string };
  };
  process: { name: string; t: number; alpha: number; sigma: number };
  reference: {
    /** Wiener MSE on the real test inputs (the reference line) and its standard error. */
    wienerMseReal: number;
    wienerMseRealSe: number;
    wienerMseClone: number;
    wienerMseCloneSe: number;
    /** Its exact value on the clone: (1/d) sum_j lambda_j sigma^2 / (alpha^2 lambda_j + sigma^2). */
    wienerMseTheory: number;
    /** MSE of the constant denoiser (the training mean), about the average variance, 1. */
    meanDenoiserMse: number;
    /** tr(C) / d of the preprocessed training images: 1 by construction. */
    averageVariance: number;
    covarianceRank: number;
    topEigenvalues: number[];
  };
  curve: CurvePoint[];
  summary: {
    /** Grid step with the smallest distance to the Wiener outputs. */
    closestStep: number;
    closestDistance: number;
    /** First grid step with gapReal < -seMultiplier * gapRealSe, or "never". */
    firstBelowWiener: number | "never";
    seMultiplier: number;
    finalMseReal: number;
    finalGapReal: number;
    finalGapRealSe: number;
    finalGapClone: number;
    finalGapCloneSe: number;
    /** The final network is no better than Wiener on the clone, within seMultiplier standard errors. */
    cloneNotBelowWiener: boolean;
    /** Phase 1: the distance to the Wiener outputs falls to at most half its initial value. */
    approachesWiener: boolean;
    /** closestStep <= firstBelowWiener. */
    closestBeforeBelow: boolean;
    /** approachesWiener, then below Wiener on real images, and cloneNotBelowWiener. */
    bothPhases: boolean;
    /** A sentence for humans. */
    text: string;
  };
  digits: DigitPanel | null;
  build: { flavour: KernelFlavour; buildHash: string };
}
