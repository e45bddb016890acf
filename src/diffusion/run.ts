/**
 * `mcm diffusion`'s library entry (issue 17; docs/diffusion.md): a small U-Net
 * (or MLP) trained over all noise levels of the VP process to predict the noise, with t uniform on
 * [tMin, tMax] per sample, Adam and an EMA of the weights; on a log grid of steps it measures, per chosen
 * t, the network's distance to the Wiener denoiser and its test loss on real images and on the Gaussian
 * clone, and it draws samples from fixed noise (the same noise at every snapshot) and measures them at
 * the covariance level (Frechet distance of Gaussian fits, spectrum) and beyond it (pixel-marginal W1,
 * filter kurtosis), against the samples of the Wiener diffusion and a data floor. No printing, no files.
 */
import { alphaSigma } from "../config/process.js";
import { gridSteps } from "../engine/grid.js";
import type { KernelFlavour } from "../engine/kernels.js";
import { seedWords } from "../engine/simulation.js";
import { arenaFor } from "../experiments/images/layout.js";
import { prepareData } from "../images/data.js";
import { buildReference, cloneSamples, createDense, type Dense, type GaussianReference } from "../images/gaussian.js";
import { loadImagesKernels } from "../images/kernels.js";
import { loadImageSet, poolSet } from "./data.js";
import { loadDiffusionKernels } from "./kernels.js";
import { filterKurtosis, type SampleStats, sampleStats, sortedColumns } from "./metrics.js";
import { Network } from "./net.js";
import { type DiffusionOptions, resolveDiffusionOptions } from "./options.js";
import { type EpsPredictor, sample, timeGrid, wienerEps, wienerX0 } from "./sample.js";
import { Trainer, type TrainerState } from "./train.js";
import { inlineRunner, threadRunner } from "./workers.js";

/** Named random streams of the master seed. */
export const DIFFUSION_STREAM = {
  SPLIT: 201,
  INIT: 202,
  TRAIN: 203,
  EVAL_NOISE: 204,
  CLONE: 205,
  SAMPLE_INIT: 206,
  SAMPLE_NOISE: 207,
} as const;

export interface Snapshot {
  step: number;
  /** Mean training loss (noise MSE per pixel) since the previous snapshot; null at step 0. */
  trainLoss: number | null;
  /** Frechet distance per pixel between Gaussian fits of the samples and of the test images. */
  gaussianFrechet: number;
  /** Pixel-marginal W1 between samples and test images, averaged over pixels (the higher-order distance). */
  higherOrder: number;
  /** Excess kurtosis of horizontal pixel differences in the samples. */
  filterKurtosis: number;
  /** Largest eigenvalues of the samples' covariance. */
  spectrum: number[];
  /** Per t: mean squared difference per pixel between the network's and the Wiener denoiser's x0
   * estimates on noisy test images. */
  wienerDistance: Record<string, number>;
  /** Per t: test loss (noise MSE per pixel) on real test images and on Gaussian-clone samples. */
  lossReal: Record<string, number>;
  lossClone: Record<string, number>;
  /** Wall seconds of training so far. */
  seconds: number;
}

export interface DiffusionCheckpoint {
  options: DiffusionOptions;
  state: TrainerState;
  snapshots: Snapshot[];
  lossSum: number;
  lossCount: number;
  seconds: number;
}

export interface DiffusionResult {
  kind: "diffusion";
  options: DiffusionOptions;
  build: { flavour: KernelFlavour; hash: string };
  dataset: {
    name: string;
    C: number;
    H: number;
    W: number;
    d: number;
    nTrain: number;
    nTest: number;
    nRef: number;
    preprocessing: string;
  };
  network: { arch: string; parameters: number };
  process: { name: "vp"; tMin: number; tMax: number; sampler: string; sampleSteps: number; grid: number[] };
  reference: {
    /** Samples of the Wiener diffusion (same sampler, grid and noise). */
    wiener: SampleStats;
    /** nSamples training images against the test images: the finite-sample floor. */
    data: SampleStats;
    /** The test images' own statistics. */
    dataKurtosis: number;
    dataSpectrum: number[];
    /** Per t: the Wiener denoiser's noise MSE on the real and the clone test inputs. */
    wienerLossReal: Record<string, number>;
    wienerLossClone: Record<string, number>;
  };
  snapshots: Snapshot[];
  summary: DiffusionSummary;
  complete: boolean;
}

export interface DiffusionSummary {
  /** First snapshot step whose Frechet distance is within 1.5x of the Wiener samples'. */
  gaussianReached: number | null;
  /** First snapshot step whose pixel W1 is below the midpoint of the Wiener samples' and the data floor's. */
  higherOrderFalls: number | null;
  bothPhases: boolean;
  text: string;
}

export interface DiffusionImages {
  /** Pixels in [0, 1], [n, H * W] (channels averaged). */
  pixels: Float64Array;
  n: number;
  H: number;
  W: number;
}

export interface DiffusionHooks {
  resume?: DiffusionCheckpoint;
  signal?: AbortSignal;
  /** Steps between checkpoints besides every snapshot (0: snapshots only). */
  checkpointEvery?: number;
  onCheckpoint?(c: DiffusionCheckpoint): void;
  onProgress?(p: { phase: string; step: number; total: number; message: string }): void;
  /** Called at every snapshot with its first samples (and once with step -1 for the references). */
  onSamples?(step: number, images: { label: string; images: DiffusionImages }[]): void;
  flavour?: KernelFlavour;
  /** Worker threads computing the shards' gradients (1: inline). Results do not depend on it. */
  threads?: number;
}

/** Thrown when the training loss is not finite or above DIVERGED_LOSS, or the weights are not finite. */
export class DivergedError extends Error {}

/** A stop signal seen before the first training step (loading, the Gaussian clone, the Wiener samples):
 * nothing new was written. `phase` says where. */
export class StoppedBeforeTraining extends Error {
  constructor(readonly phase: string) {
    super(`stopped while ${phase}, before training`);
  }
}

/** A training loss (noise MSE per pixel) above this, a million times that of predicting zero, is divergence:
 * Adam's bounded steps rarely overflow f32, they blow the outputs up to finite but absurd values. */
export const DIVERGED_LOSS = 1e6;

const GRID_IMAGES = 16;

/** The key of noise level t in per-t records: never integer-like, so keys keep the order of --eval-t. */
export function tKey(t: number): string {
  return Number.isInteger(t) ? t.toFixed(1) : String(t);
}

export function summarize(r: Pick<DiffusionResult, "snapshots" | "reference">): DiffusionSummary {
  const fdW = r.reference.wiener.gaussianFrechet;
  const mid = 0.5 * (r.reference.wiener.pixelW1 + r.reference.data.pixelW1);
  const g = r.snapshots.find((s) => s.gaussianFrechet <= 1.5 * fdW)?.step ?? null;
  const h = r.snapshots.find((s) => s.higherOrder <= mid)?.step ?? null;
  const both = g !== null && h !== null && g < h;
  const text =
    g === null
      ? `the Frechet distance never came within 1.5x of the Wiener samples' (${fdW.toPrecision(3)})`
      : `the Frechet distance came within 1.5x of the Wiener samples' at step ${g}; the pixel-marginal W1 ` +
        (h === null
          ? `never fell below ${mid.toPrecision(3)} (halfway from the Wiener samples' to the data floor)`
          : `fell below ${mid.toPrecision(3)} (halfway from the Wiener samples' to the data floor) at step ${h}`);
  return { gaussianReached: g, higherOrderFalls: h, bothPhases: both, text };
}

export async function runDiffusion(
  input: Partial<DiffusionOptions>,
  hooks: DiffusionHooks = {},
): Promise<DiffusionResult> {
  // Checkpoints from before the shards option summed the whole batch at once: one shard.
  const o = hooks.resume
    ? { ...hooks.resume.options, shards: hooks.resume.options.shards ?? 1 }
    : resolveDiffusionOptions(input);
  const threads = hooks.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new RangeError(`--threads: got ${JSON.stringify(hooks.threads)}, expected a whole number in [1, 256]`);
  }
  const progress = (phase: string, step: number, message: string) =>
    hooks.onProgress?.({ phase, step, total: o.steps, message });
  const seed = seedWords(o.seed);

  // The phases before training are synchronous: yield so that a signal's handler can run, then look.
  const stopBefore = async (phase: string) => {
    await new Promise((r) => setImmediate(r));
    if (hooks.signal?.aborted) throw new StoppedBeforeTraining(phase);
  };
  progress("data", 0, `loading ${o.dataset}`);
  await stopBefore(`loading ${o.dataset}`);
  const set = poolSet(await loadImageSet(o.dataset), o.pool);
  const { C, H, W } = set;
  const d = C * H * W;
  if (set.raw.d !== d) throw new RangeError(`--dataset: images of ${set.raw.d} values, expected C * H * W = ${d}`);
  const imgEx = await (await loadImagesKernels(hooks.flavour)).instantiate();
  const arena = arenaFor(imgEx);
  const dense: Dense = createDense(imgEx, arena, imgEx.heapBase());
  const data = prepareData(
    set.raw,
    o,
    dense.uniforms(seed.hi, seed.lo, DIFFUSION_STREAM.SPLIT, set.raw.n),
    set.unitRange,
  );
  const nRef = o.nRef === 0 ? data.nTrain : Math.min(o.nRef, data.nTrain);
  progress(
    "reference",
    0,
    `Gaussian clone: covariance of ${nRef} training images and its eigen-decomposition (d = ${d})`,
  );
  await stopBefore(`loading ${o.dataset}`);
  const ref: GaussianReference = buildReference(dense, data.train, nRef, d);
  const testRef: GaussianReference = buildReference(dense, data.test, data.nTest, d);
  const testCols = sortedColumns(data.test, data.nTest, d);
  const shape = { C, H, W };

  await stopBefore("building the Gaussian clone");
  const kernels = await loadDiffusionKernels(hooks.flavour);
  const net = new Network(
    await kernels.instantiate(),
    { arch: o.arch, C, H, W, width: o.width, groups: o.groups, tdim: o.tdim, tMax: o.tMax },
    o.batch,
  );
  const trainer = new Trainer(net, Float32Array.from(data.train), data.nTrain, o);
  if (hooks.resume) trainer.restore(hooks.resume.state);
  else trainer.init(seed.hi, seed.lo, DIFFUSION_STREAM.INIT, DIFFUSION_STREAM.TRAIN);

  // Network noise predictions in chunks of the batch size, with the EMA weights when there is an EMA.
  const netEps: EpsPredictor = (xt, n, t) => {
    const out = new Float64Array(n * d);
    net.useEma(o.ema > 0);
    const x = net.heap.f32(net.x, o.batch * d);
    const tt = net.heap.f32(net.t, o.batch);
    for (let s0 = 0; s0 < n; s0 += o.batch) {
      const m = Math.min(o.batch, n - s0);
      x.set(xt.subarray(s0 * d, (s0 + m) * d));
      tt.fill(t / o.tMax);
      const eps = net.heap.f32(net.forward(m), m * d);
      out.set(eps, s0 * d);
    }
    net.useEma(false);
    return out;
  };

  // Fixed evaluation inputs per t: real test images and clone samples with the same noise.
  const nEval = Math.min(o.nEval, data.nTest);
  const x0Real = data.test.subarray(0, nEval * d);
  const x0Clone = cloneSamples(dense, ref, dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.CLONE, nEval * d), nEval);
  const evalNoise = dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.EVAL_NOISE, nEval * d);
  const key = tKey;
  const evalSets = o.evalT.map((t) => {
    const { alpha, sigma } = alphaSigma("vp", t);
    const noisy = (x0: Float64Array) => x0.map((v, i) => alpha * v + sigma * evalNoise[i]);
    const real = noisy(x0Real);
    const clone = noisy(x0Clone);
    const wEps = wienerEps(dense, ref);
    const mse = (a: Float64Array) => a.reduce((s, v, i) => s + (v - evalNoise[i]) ** 2, 0) / (nEval * d);
    return {
      t,
      alpha,
      sigma,
      real,
      clone,
      wienerX0Real: wienerX0(dense, ref, real, nEval, t),
      wienerLossReal: mse(wEps(real, nEval, t)),
      wienerLossClone: mse(wEps(clone, nEval, t)),
    };
  });

  // Sampling: fixed initial noise and ancestral noise, the same at every snapshot.
  const ts = timeGrid(o.tMin, o.tMax, o.sampleSteps);
  const nS = o.nSamples;
  const z0 = dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.SAMPLE_INIT, nS * d);
  const zs =
    o.sampler === "ancestral"
      ? dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.SAMPLE_NOISE, (ts.length - 1) * nS * d)
      : null;
  const toPixels = (x: Float64Array, n: number): DiffusionImages => {
    const hw = H * W;
    const px = new Float64Array(n * hw);
    for (let s = 0; s < n; s++) {
      for (let c = 0; c < C; c++) {
        for (let j = 0; j < hw; j++) {
          const i = c * hw + j;
          px[s * hw + j] += Math.min(1, Math.max(0, x[s * d + i] * data.prep.scale + data.prep.mean[i])) / C;
        }
      }
    }
    return { pixels: px, n, H, W };
  };
  progress("reference", 0, `Wiener diffusion: ${nS} samples, ${o.sampler} with ${o.sampleSteps} steps`);
  await stopBefore("measuring the Gaussian clone");
  const wienerSamples = sample(wienerEps(dense, ref), o.sampler, z0, zs, nS, d, ts);
  const nFloor = Math.min(nS, data.nTrain);
  const floorSet = data.train.subarray(0, nFloor * d);
  const reference: DiffusionResult["reference"] = {
    wiener: sampleStats(dense, testRef, testCols, wienerSamples, nS, shape),
    data: sampleStats(dense, testRef, testCols, floorSet, nFloor, shape),
    dataKurtosis: filterKurtosis(data.test, data.nTest, C, H, W),
    dataSpectrum: [...testRef.values].reverse().slice(0, 32),
    wienerLossReal: Object.fromEntries(evalSets.map((e) => [key(e.t), e.wienerLossReal])),
    wienerLossClone: Object.fromEntries(evalSets.map((e) => [key(e.t), e.wienerLossClone])),
  };
  const g = Math.min(GRID_IMAGES, nS);
  hooks.onSamples?.(-1, [
    { label: "data", images: toPixels(floorSet, Math.min(g, nFloor)) },
    { label: "Wiener", images: toPixels(wienerSamples, g) },
  ]);

  const snapshots: Snapshot[] = hooks.resume ? [...hooks.resume.snapshots] : [];
  let lossSum = hooks.resume?.lossSum ?? 0;
  let lossCount = hooks.resume?.lossCount ?? 0;
  const secondsBefore = hooks.resume?.seconds ?? 0;
  const t0 = performance.now();
  const seconds = () => secondsBefore + (performance.now() - t0) / 1000;

  const snapshot = (step: number) => {
    progress("snapshot", step, `step ${step}: samples and measurements`);
    const s: Snapshot = {
      step,
      trainLoss: lossCount > 0 ? lossSum / lossCount : null,
      gaussianFrechet: 0,
      higherOrder: 0,
      filterKurtosis: 0,
      spectrum: [],
      wienerDistance: {},
      lossReal: {},
      lossClone: {},
      seconds: seconds(),
    };
    lossSum = 0;
    lossCount = 0;
    for (const e of evalSets) {
      const epsReal = netEps(e.real, nEval, e.t);
      const epsClone = netEps(e.clone, nEval, e.t);
      let lr = 0;
      let lc = 0;
      let wd = 0;
      for (let i = 0; i < nEval * d; i++) {
        lr += (epsReal[i] - evalNoise[i]) ** 2;
        lc += (epsClone[i] - evalNoise[i]) ** 2;
        wd += ((e.real[i] - e.sigma * epsReal[i]) / e.alpha - e.wienerX0Real[i]) ** 2;
      }
      s.lossReal[key(e.t)] = lr / (nEval * d);
      s.lossClone[key(e.t)] = lc / (nEval * d);
      s.wienerDistance[key(e.t)] = wd / (nEval * d);
    }
    const x = sample(netEps, o.sampler, z0, zs, nS, d, ts);
    const st = sampleStats(dense, testRef, testCols, x, nS, shape);
    s.gaussianFrechet = st.gaussianFrechet;
    s.higherOrder = st.pixelW1;
    s.filterKurtosis = st.filterKurtosis;
    s.spectrum = st.spectrum;
    snapshots.push(s);
    hooks.onSamples?.(step, [{ label: `step ${step}`, images: toPixels(x, g) }]);
  };
  let lastCheckpoint = hooks.resume?.state.step ?? 0;
  const checkpoint = () => {
    // Never store weights that have left the floats (the loss of the next step would be the first sign).
    const w = net.heap.f32(net.w, net.size);
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) {
        throw new DivergedError(
          `training diverged: weights not finite after step ${trainer.step}; stopped, the last checkpoint (step ${lastCheckpoint}) is kept (lower --lr?)`,
        );
      }
    }
    lastCheckpoint = trainer.step;
    hooks.onCheckpoint?.({
      options: o,
      state: trainer.save(),
      snapshots: [...snapshots],
      lossSum,
      lossCount,
      seconds: seconds(),
    });
  };

  const grid = new Set(gridSteps(o.steps, o.perDecade));
  let complete = true;
  await stopBefore("sampling the Wiener reference");
  if (!hooks.resume) {
    snapshot(0);
    checkpoint();
  }
  const nThreads = Math.min(threads, o.shards);
  const runner =
    nThreads > 1
      ? await threadRunner(nThreads, kernels.flavour, net.spec, Math.ceil(o.batch / o.shards))
      : inlineRunner(net);
  try {
    while (trainer.step < o.steps) {
      // Let signal handlers run (the loop is otherwise synchronous).
      await new Promise((r) => setImmediate(r));
      if (hooks.signal?.aborted) {
        checkpoint();
        complete = false;
        break;
      }
      const loss = await trainer.trainStepWith(runner);
      if (!(loss <= DIVERGED_LOSS)) {
        throw new DivergedError(
          `training diverged: loss ${loss.toPrecision(4)} at step ${trainer.step} (not finite, or above ${DIVERGED_LOSS}, ` +
            `a million times the zero predictor's 1); stopped, the last checkpoint (step ${lastCheckpoint}) is kept (lower --lr?)`,
        );
      }
      lossSum += loss;
      lossCount++;
      const step = trainer.step;
      progress("train", step, "");
      if (grid.has(step)) {
        snapshot(step);
        checkpoint();
      } else if (hooks.checkpointEvery && step % hooks.checkpointEvery === 0) checkpoint();
    }
  } finally {
    await runner.close();
  }
  const partial = { snapshots, reference };
  return {
    kind: "diffusion",
    options: o,
    build: { flavour: kernels.flavour, hash: kernels.buildHash },
    dataset: {
      name: data.name,
      C,
      H,
      W,
      d,
      nTrain: data.nTrain,
      nTest: data.nTest,
      nRef,
      preprocessing: data.prep.statement,
    },
    network: { arch: o.arch, parameters: net.size },
    process: { name: "vp", tMin: o.tMin, tMax: o.tMax, sampler: o.sampler, sampleSteps: o.sampleSteps, grid: ts },
    reference,
    snapshots,
    summary: summarize(partial),
    complete,
  };
}
