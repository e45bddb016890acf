/**
 * The real-images experiment: a denoiser trained on real images at a fixed noise level, set
 * against the Wiener denoiser of the data's Gaussian clone. On a log grid of steps it measures the test
 * MSE on real images and on clone samples, the distance between the network's and the Wiener
 * denoiser's outputs, and the Wiener MSE as the reference; the summary reports when the network is
 * closest to Wiener and when it first beats Wiener on real data (which needs higher-order statistics).
 *
 * runImages() is the library entry: it takes options (./options.ts) and hooks (progress, per-point
 * evaluations, checkpoints, resume, abort) and returns a JSON-ready result. No printing, no files.
 */
import { alphaSigma } from "../../config/process.js";
import type { CheckpointEvery } from "../../config/schema.js";
import { gridSteps } from "../../engine/grid.js";
import type { KernelFlavour } from "../../engine/kernels.js";
import { seedWords } from "../../engine/layout.js";
import { loadDataset, type PreparedData, poolImages, prepareData, type RawImages } from "../../images/data.js";
import {
  buildReference,
  cloneSamples,
  createDense,
  type GaussianReference,
  wienerApply,
  wienerMatrix,
  wienerMseTheory,
} from "../../images/gaussian.js";
import { type ImagesExports, loadImagesKernels } from "../../images/kernels.js";
import { arenaFor, configureNet, netLayout } from "./layout.js";
import { ACTIVATION_CODE, type ImagesOptions, type ImagesOptionsInput, resolveImagesOptions } from "./options.js";

/** Named random streams of the master seed. */
/** A test MSE above this many times that of the zero predictor is reported as divergence. */
const DIVERGED_FACTOR = 1e6;

export const IMAGES_STREAM = {
  SPLIT: 101,
  INIT: 102,
  TRAIN: 103,
  EVAL_NOISE: 104,
  CLONE_EVAL: 105,
  CLONE_EVAL_NOISE: 106,
  CLONE_TRAIN: 107,
} as const;

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

/** Per-sample losses |a_s - b_s|^2 / d. */
function sampleLosses(a: Float64Array, b: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const e = a[s * d + j] - b[s * d + j];
      acc += e * e;
    }
    out[s] = acc / d;
  }
  return out;
}

function meanSe(x: ArrayLike<number>): { mean: number; se: number } {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  v /= n - 1;
  return { mean: m, se: Math.sqrt(v / n) };
}

/** The options and data-set identity a checkpoint must match. */
function runKey(o: ImagesOptions, data: PreparedData): string {
  return JSON.stringify({ ...o, data: { name: data.name, d: data.d, nTrain: data.nTrain, nTest: data.nTest } });
}

/** Runs the experiment; see ImagesHooks for progress, checkpoints and resume. */
export async function runImages(input: ImagesOptionsInput = {}, hooks: ImagesHooks = {}): Promise<ImagesResult> {
  const o = resolveImagesOptions(input);
  const started = performance.now();
  const progress = (phase: ImagesProgress["phase"], step: number, message: string) =>
    hooks.onProgress?.({ phase, step, total: o.steps, message, elapsedMs: performance.now() - started });
  const { alpha, sigma } = alphaSigma(o.process, o.t);
  const seed = seedWords(o.seed);

  // Data.
  progress("data", 0, `loading ${hooks.data ? hooks.data.name : o.dataset}`);
  const raw0 = hooks.data ?? (await loadDataset(o.dataset));
  if (raw0.images.length !== raw0.n * raw0.d) {
    throw new RangeError(`data: ${raw0.images.length} values, expected n * d = ${raw0.n * raw0.d}`);
  }
  const raw = poolImages(raw0, o.pool);
  const kernels = await loadImagesKernels(hooks.flavour);
  const ex: ImagesExports = await kernels.instantiate();
  const arena = arenaFor(ex);
  // The split's uniforms come from a throw-away region (the first use of memory).
  const splitDense = createDense(ex, arena, ex.heapBase());
  const uniforms = splitDense.uniforms(seed.hi, seed.lo, IMAGES_STREAM.SPLIT, raw.n);
  const data = prepareData(raw, o, uniforms, raw0 === hooks.data ? false : o.dataset === "mnist");
  const { d, nTrain, nTest } = data;

  // Memory: network buffers, then evaluation buffers, then dense scratch.
  const nParams = ex.paramCount(d, o.K);
  const lay = netLayout(ex.heapBase(), { d, K: o.K, batch: o.batch, nTrain }, nParams);
  let top = lay.end;
  const take = (doubles: number) => {
    const at = top;
    top = Math.ceil((top + doubles * 8) / 16) * 16;
    return at;
  };
  const evalXtReal = take(nTest * d);
  const evalXtClone = take(nTest * d);
  const evalOut = take(nTest * d);
  arena.ensure(top);
  const dense = createDense(ex, arena, top);

  // Gaussian references from the training images.
  progress("reference", 0, `covariance and eigen-decomposition (d = ${d})`);
  const ref: GaussianReference = buildReference(dense, data.train, nTrain, d);
  const W = wienerMatrix(dense, ref, alpha, sigma);
  const xiReal = dense.normals(seed.hi, seed.lo, IMAGES_STREAM.EVAL_NOISE, nTest * d);
  const xtReal = new Float64Array(nTest * d);
  for (let i = 0; i < nTest * d; i++) xtReal[i] = alpha * data.test[i] + sigma * xiReal[i];
  const x0Clone = cloneSamples(dense, ref, dense.normals(seed.hi, seed.lo, IMAGES_STREAM.CLONE_EVAL, nTest * d), nTest);
  const xiClone = dense.normals(seed.hi, seed.lo, IMAGES_STREAM.CLONE_EVAL_NOISE, nTest * d);
  const xtClone = new Float64Array(nTest * d);
  for (let i = 0; i < nTest * d; i++) xtClone[i] = alpha * x0Clone[i] + sigma * xiClone[i];
  const wienerReal = wienerApply(dense, ref, W, alpha, xtReal, nTest);
  const wienerClone = wienerApply(dense, ref, W, alpha, xtClone, nTest);
  const lwReal = sampleLosses(wienerReal, data.test, nTest, d);
  const lwClone = sampleLosses(wienerClone, x0Clone, nTest, d);
  const wReal = meanSe(lwReal);
  const wClone = meanSe(lwClone);
  let wienerNorm2 = 0;
  for (let i = 0; i < nTest * d; i++) wienerNorm2 += wienerReal[i] * wienerReal[i];
  const meanMse = meanSe(sampleLosses(data.test, new Float64Array(nTest * d), nTest, d)).mean;
  const trainSet =
    o.trainOn === "real"
      ? data.train
      : cloneSamples(dense, ref, dense.normals(seed.hi, seed.lo, IMAGES_STREAM.CLONE_TRAIN, nTrain * d), nTrain);

  // The network.
  configureNet(ex, arena, lay, {
    d,
    K: o.K,
    tied: o.tied,
    act: ACTIVATION_CODE[o.activation],
    alpha,
    sigma,
    batch: o.batch,
    nTrain,
    adam: o.optimizer === "adam",
    lr: o.lr,
    beta1: o.beta1,
    beta2: o.beta2,
    trainSkip: o.trainSkip,
  });
  arena.writeF64(lay.data, trainSet);
  arena.writeF64(evalXtReal, xtReal);
  arena.writeF64(evalXtClone, xtClone);

  const key = runKey(o, data);
  let step = 0;
  let curve: CurvePoint[] = [];
  if (hooks.resume) {
    const c = hooks.resume;
    if (c.format !== "mcm-images-checkpoint/1") {
      throw new Error(`resume: checkpoint format is ${c.format}, expected mcm-images-checkpoint/1`);
    }
    if (c.key !== key)
      throw new Error(`resume: the checkpoint was made with other options or data (${c.key}), expected ${key}`);
    if (c.buildHash !== kernels.buildHash) {
      throw new Error(`resume: the checkpoint was made by kernel build ${c.buildHash}, this is ${kernels.buildHash}`);
    }
    if (c.weights.length !== nParams || c.m1.length !== nParams || c.m2.length !== nParams || c.rng.length !== 32) {
      throw new Error(`resume: checkpoint arrays have ${c.weights.length} parameters, expected ${nParams}`);
    }
    arena.writeF64(lay.weights, c.weights);
    arena.writeF64(lay.m1, c.m1);
    arena.writeF64(lay.m2, c.m2);
    arena.writeF64(lay.step, [c.adamStep, c.lossSum]);
    arena.writeBytes(lay.rng, c.rng);
    step = c.step;
    curve = c.curve.map((p) => ({ ...p }));
  } else {
    ex.seedStream(lay.initRng, seed.hi, seed.lo, IMAGES_STREAM.INIT, 0);
    ex.initParams(lay.initRng, o.initW, o.initV, o.b0);
    ex.seedStream(lay.rng, seed.hi, seed.lo, IMAGES_STREAM.TRAIN, 0);
  }

  const checkpoint = (): ImagesCheckpoint => ({
    format: "mcm-images-checkpoint/1",
    key,
    buildHash: kernels.buildHash,
    step,
    weights: arena.readF64(lay.weights, nParams),
    m1: arena.readF64(lay.m1, nParams),
    m2: arena.readF64(lay.m2, nParams),
    adamStep: arena.readF64(lay.step, 1)[0],
    lossSum: arena.readF64(lay.step, 2)[1],
    rng: arena.readBytes(lay.rng, 32),
    curve: curve.map((p) => ({ ...p })),
  });

  let lastOut: Float64Array = new Float64Array(0);
  const evaluate = () => {
    ex.predict(evalXtReal, evalOut, nTest);
    const out = arena.readF64(evalOut, nTest * d);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) {
        throw new Error(
          `training diverged: a non-finite network output at step ${step} (lr = ${o.lr}, optimizer ${o.optimizer}); try a smaller lr`,
        );
      }
    }
    const ln = sampleLosses(out, data.test, nTest, d);
    const diff = ln.map((v, s) => v - lwReal[s]);
    let dist2 = 0;
    for (let i = 0; i < out.length; i++) dist2 += (out[i] - wienerReal[i]) ** 2;
    ex.predict(evalXtClone, evalOut, nTest);
    const outC = arena.readF64(evalOut, nTest * d);
    const lc = sampleLosses(outC, x0Clone, nTest, d);
    const diffC = lc.map((v, s) => v - lwClone[s]);
    const r = meanSe(ln);
    // Finite but absurd: far worse than predicting zero means the optimizer has blown up.
    if (!(r.mean <= DIVERGED_FACTOR * meanMse)) {
      throw new Error(
        `training diverged: test MSE ${r.mean.toExponential(3)} at step ${step}, more than ${DIVERGED_FACTOR} times the MSE of predicting zero (${meanMse.toFixed(4)}) (lr = ${o.lr}, optimizer ${o.optimizer}); try a smaller lr`,
      );
    }
    const g = meanSe(diff);
    const c = meanSe(lc);
    const gc = meanSe(diffC);
    const point: CurvePoint = {
      step,
      mseReal: r.mean,
      mseRealSe: r.se,
      gapReal: g.mean,
      gapRealSe: g.se,
      mseClone: c.mean,
      mseCloneSe: c.se,
      gapClone: gc.mean,
      gapCloneSe: gc.se,
      wienerDistance: Math.sqrt(dist2 / wienerNorm2),
      trainLoss: null,
    };
    const prev = curve[curve.length - 1];
    if (prev && step > prev.step) {
      point.trainLoss = arena.readF64(lay.step, 2)[1] / (step - prev.step);
      arena.f64(lay.step, 2)[1] = 0;
    }
    curve.push(point);
    lastOut = out;
    hooks.onEval?.(point);
  };

  const grid = gridSteps(o.steps, o.perDecade);
  if (step === 0 && curve.length === 0) evaluate();
  const chunk = Math.max(1, Math.floor(4e7 / (o.batch * o.K * d)));
  const every = hooks.checkpointEvery ?? { unit: "off" };
  const stepEvery = every.unit === "steps" ? every.every : 0;
  const msEvery = every.unit === "seconds" ? every.every * 1000 : Number.POSITIVE_INFINITY;
  let nextCheckpoint = stepEvery > 0 ? (Math.floor(step / stepEvery) + 1) * stepEvery : Number.POSITIVE_INFINITY;
  let lastSave = performance.now();
  let lastYield = performance.now();
  let complete = true;
  progress("train", step, "training");
  for (const g of grid) {
    if (g <= step) continue;
    while (step < g) {
      if (hooks.signal?.aborted) {
        complete = false;
        break;
      }
      const n = Math.min(g - step, chunk, nextCheckpoint - step);
      ex.train(n);
      step += n;
      if (step === g) evaluate();
      progress("train", step, `step ${step} of ${o.steps}`);
      if (step >= nextCheckpoint || performance.now() - lastSave >= msEvery) {
        await hooks.onCheckpoint?.(checkpoint());
        if (step >= nextCheckpoint) nextCheckpoint += stepEvery;
        lastSave = performance.now();
      }
      if (performance.now() - lastYield > 50) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    if (!complete) break;
  }
  await hooks.onCheckpoint?.(checkpoint());
  if (lastOut.length === 0) {
    // Resumed at the end: recompute the outputs for the digit panel (also appends nothing).
    ex.predict(evalXtReal, evalOut, nTest);
    lastOut = arena.readF64(evalOut, nTest * d);
  }

  // Summary.
  let closest = curve[0];
  for (const p of curve) if (p.wienerDistance < closest.wienerDistance) closest = p;
  const below = curve.find((p) => p.gapReal < -o.seMultiplier * p.gapRealSe);
  const last = curve[curve.length - 1];
  const cloneOk = last.gapClone >= -o.seMultiplier * last.gapCloneSe;
  const firstBelow: number | "never" = below ? below.step : "never";
  const approaches = closest.wienerDistance <= 0.5 * curve[0].wienerDistance;
  const both = approaches && below !== undefined && cloneOk;
  const text = [
    `closest to the Wiener denoiser at step ${closest.step} (distance ${closest.wienerDistance.toFixed(3)})`,
    below
      ? `first below the Wiener MSE on real images at step ${below.step} (gap ${below.gapReal.toExponential(2)} +- ${below.gapRealSe.toExponential(1)})`
      : "never below the Wiener MSE on real images",
    `final MSE on real images ${last.mseReal.toFixed(4)} vs Wiener ${wReal.mean.toFixed(4)}`,
    cloneOk
      ? "no better than Wiener on the Gaussian clone"
      : `better than Wiener on the Gaussian clone by ${(-last.gapClone).toExponential(2)} (unexpected)`,
  ].join("; ");

  // Digits: the first test images, in pixel units.
  let digits: DigitPanel | null = null;
  if (data.side > 0 && o.nDigits > 0) {
    const k = Math.min(o.nDigits, nTest);
    const { mean, scale } = data.prep;
    const pix = (src: Float64Array, s: number, shift: number) =>
      Array.from({ length: d }, (_, j) => Math.round((src[s * d + j] * scale + shift * mean[j]) * 1000) / 1000);
    const idx = Array.from({ length: k }, (_, s) => s);
    digits = {
      side: data.side,
      index: idx.map((s) => data.testIndex[s]),
      clean: idx.map((s) => pix(data.test, s, 1)),
      noisy: idx.map((s) => pix(xtReal, s, 1)),
      wiener: idx.map((s) => pix(wienerReal, s, 1)),
      network: idx.map((s) => pix(lastOut, s, 1)),
    };
  }
  progress("done", step, text);
  return {
    format: "mcm-images/1",
    complete,
    options: o,
    dataset: {
      name: data.name,
      d,
      side: data.side,
      nTrain,
      nTest,
      trainedOn: o.trainOn,
      preprocessing: {
        pixelRange: data.prep.pixelRange,
        meanRemoved: `the per-pixel mean image of the ${nTrain} training images`,
        scale: data.prep.scale,
        statement: data.prep.statement,
      },
    },
    process: { name: o.process, t: o.t, alpha, sigma },
    reference: {
      wienerMseReal: wReal.mean,
      wienerMseRealSe: wReal.se,
      wienerMseClone: wClone.mean,
      wienerMseCloneSe: wClone.se,
      wienerMseTheory: wienerMseTheory(ref, alpha, sigma),
      meanDenoiserMse: meanMse,
      averageVariance: ref.avgVariance,
      covarianceRank: ref.rank,
      topEigenvalues: Array.from(ref.values.slice(-10)).reverse(),
    },
    curve,
    summary: {
      closestStep: closest.step,
      closestDistance: closest.wienerDistance,
      firstBelowWiener: firstBelow,
      seMultiplier: o.seMultiplier,
      finalMseReal: last.mseReal,
      finalGapReal: last.gapReal,
      finalGapRealSe: last.gapRealSe,
      finalGapClone: last.gapClone,
      finalGapCloneSe: last.gapCloneSe,
      cloneNotBelowWiener: cloneOk,
      approachesWiener: approaches,
      closestBeforeBelow: below !== undefined && closest.step <= below.step,
      bothPhases: both,
      text,
    },
    digits,
    build: { flavour: kernels.flavour, buildHash: kernels.buildHash },
  };
}
