/**
 * The real-images experiment's set-up phase (./run.ts): the data (loaded, pooled, split and
 * preprocessed), the kernels and their memory, the Gaussian references measured once (the clone, the
 * Wiener denoiser's outputs and losses on the fixed noisy test inputs, the zero predictor's MSE), the
 * network configured, and its weights either initialised from the seed or restored from a checkpoint.
 */
import { alphaSigma } from "../../config/process.js";
import { seedWords } from "../../engine/layout.js";
import { loadDataset, type PreparedData, poolImages, prepareData } from "../../images/data.js";
import {
  buildReference,
  cloneSamples,
  createDense,
  type GaussianReference,
  wienerApply,
  wienerMatrix,
} from "../../images/gaussian.js";
import { type ImagesExports, loadImagesKernels } from "../../images/kernels.js";
import { arenaFor, configureNet, netLayout } from "./layout.js";
import { ACTIVATION_CODE, type ImagesOptions } from "./options.js";
import type { CurvePoint, ImagesCheckpoint, ImagesHooks, ImagesProgress } from "./types.js";

/** Named random streams of the master seed. */
export const IMAGES_STREAM = {
  SPLIT: 101,
  INIT: 102,
  TRAIN: 103,
  EVAL_NOISE: 104,
  CLONE_EVAL: 105,
  CLONE_EVAL_NOISE: 106,
  CLONE_TRAIN: 107,
} as const;

/** Per-sample losses |a_s - b_s|^2 / d. */
export function sampleLosses(a: Float64Array, b: Float64Array, n: number, d: number): Float64Array {
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

export function meanSe(x: ArrayLike<number>): { mean: number; se: number } {
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

export type Progress = (phase: ImagesProgress["phase"], step: number, message: string) => void;

/** What the run's later phases read: the kernels and memory, the data, and the references on the fixed
 * test inputs (real: `xtReal`, the Wiener outputs and per-sample losses; clone: `x0Clone` and losses). */
export interface ImagesSetup {
  o: ImagesOptions;
  alpha: number;
  sigma: number;
  kernels: Awaited<ReturnType<typeof loadImagesKernels>>;
  ex: ImagesExports;
  arena: ReturnType<typeof arenaFor>;
  lay: ReturnType<typeof netLayout>;
  data: PreparedData;
  nParams: number;
  /** The noisy real and clone test inputs in kernel memory, and the outputs' buffer. */
  evalXtReal: number;
  evalXtClone: number;
  evalOut: number;
  ref: GaussianReference;
  xtReal: Float64Array;
  x0Clone: Float64Array;
  wienerReal: Float64Array;
  lwReal: Float64Array;
  lwClone: Float64Array;
  wReal: { mean: number; se: number };
  wClone: { mean: number; se: number };
  wienerNorm2: number;
  /** The test MSE of predicting zero. */
  meanMse: number;
  /** The options and data a checkpoint must match. */
  key: string;
}

/** Loads and prepares the data, the kernels and the references, and configures the network. */
export async function setUpImages(o: ImagesOptions, hooks: ImagesHooks, progress: Progress): Promise<ImagesSetup> {
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
  return {
    o,
    alpha,
    sigma,
    kernels,
    ex,
    arena,
    lay,
    data,
    nParams,
    evalXtReal,
    evalXtClone,
    evalOut,
    ref,
    xtReal,
    x0Clone,
    wienerReal,
    lwReal,
    lwClone,
    wReal: meanSe(lwReal),
    wClone: meanSe(lwClone),
    wienerNorm2,
    meanMse,
    key: runKey(o, data),
  };
}

/** The network's starting point: a checkpoint's weights, optimizer state, RNG and curve (checked against
 * this run's options, data and build), or fresh weights from the seed. */
export function start(s: ImagesSetup, resume: ImagesCheckpoint | undefined): { step: number; curve: CurvePoint[] } {
  const { ex, arena, lay, nParams, kernels, key } = s;
  if (!resume) {
    const seed = seedWords(s.o.seed);
    ex.seedStream(lay.initRng, seed.hi, seed.lo, IMAGES_STREAM.INIT, 0);
    ex.initParams(lay.initRng, s.o.initW, s.o.initV, s.o.b0);
    ex.seedStream(lay.rng, seed.hi, seed.lo, IMAGES_STREAM.TRAIN, 0);
    return { step: 0, curve: [] };
  }
  const c = resume;
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
  return { step: c.step, curve: c.curve.map((p) => ({ ...p })) };
}
