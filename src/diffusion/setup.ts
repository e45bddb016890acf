/**
 * The set-up phase of a diffusion run (./run.ts): the data and its split, the Gaussian clone (shrunk when
 * there are fewer reference images than pixels), the networks R and, with twins, G and G' from the same
 * initial weights, the fixed evaluation inputs per t, the fixed sampling noise, and the references
 * (Wiener-diffusion samples, clone samples, the data floor). Everything is a function of the options.
 */
import { alphaSigma } from "../config/process.js";
import type { KernelFlavour } from "../engine/kernels.js";
import { seedWords } from "../engine/simulation.js";
import { arenaFor } from "../experiments/images/layout.js";
import { type PreparedData, prepareData } from "../images/data.js";
import { buildReference, cloneSamples, createDense, type Dense, type GaussianReference } from "../images/gaussian.js";
import { loadImagesKernels } from "../images/kernels.js";
import { loadImageSet, poolSet } from "./data.js";
import { loadDiffusionKernels } from "./kernels.js";
import { type DataSide, filterKurtosis, imageSampleStats, type SampleStats, standardisedColumns } from "./metrics.js";
import { Network } from "./net.js";
import type { DiffusionOptions } from "./options.js";
import { type EpsPredictor, sample, timeGrid, wienerEps, wienerX0 } from "./sample.js";
import { type CloneSource, Trainer } from "./train.js";
import { type EvalSet, meanSquared, x0Of } from "./twin.js";

/** Named random streams of the master seed. */
export const DIFFUSION_STREAM = {
  SPLIT: 201,
  INIT: 202,
  TRAIN: 203,
  EVAL_NOISE: 204,
  CLONE: 205,
  SAMPLE_INIT: 206,
  SAMPLE_NOISE: 207,
  /** The clone streams of the twins G and G'. */
  TWIN_G: 208,
  TWIN_G2: 209,
  /** Clone samples of the sample-level references. */
  CLONE_SAMPLES: 210,
} as const;

/** The key of noise level t in per-t records: never integer-like, so keys keep the order of the times. */
export function tKey(t: number): string {
  return Number.isInteger(t) ? t.toFixed(1) : String(t);
}

export interface DiffusionImages {
  /** Pixels in [0, 1], [n, H * W] (channels averaged). */
  pixels: Float64Array;
  n: number;
  H: number;
  W: number;
}

export interface Reference {
  /** Samples of the Wiener diffusion (same sampler, grid and noise). */
  wiener: SampleStats;
  /** nSamples training images against the test images: the finite-sample floor. */
  data: SampleStats;
  /** nSamples samples of the Gaussian clone against the test images. */
  clone: SampleStats;
  /** The test images' filter kurtosis per position and covariance spectrum. */
  dataKurtosis: number;
  dataSpectrum: number[];
  /** Per t: the Wiener denoiser's noise MSE on the real and the clone test inputs. */
  wienerLossReal: Record<string, number>;
  wienerLossClone: Record<string, number>;
  /** The shrinkage s of the clone covariance, (1 - s) C + s tr(C) / d I (0 unless nRef < d). */
  cloneShrinkage: number;
}

export interface Setup {
  o: DiffusionOptions;
  d: number;
  shape: { C: number; H: number; W: number };
  data: PreparedData;
  nRef: number;
  dense: Dense;
  kernels: Awaited<ReturnType<typeof loadDiffusionKernels>>;
  trainer: Trainer;
  /** R, then G and G' with twins. */
  nets: Network[];
  nEval: number;
  x0Real: Float64Array;
  evalSets: (EvalSet & { clone: Float64Array; noise: Float64Array })[];
  ts: number[];
  z0: Float64Array;
  zs: Float64Array | null;
  testSide: DataSide;
  cloneCols: (Float64Array | null)[];
  wienerSamples: Float64Array;
  floorSet: Float64Array;
  nFloor: number;
  reference: Reference;
  toPixels(x: Float64Array, n: number): DiffusionImages;
  /** The noise predictions of a network (its EMA weights when there is an EMA). */
  eps(net: Network): EpsPredictor;
}

/** Shrinks the covariance towards its average variance: eigenvalues (1 - s) l + s tr(C) / d. */
function shrunk(ref: GaussianReference, s: number): GaussianReference {
  if (s === 0) return ref;
  const avg = ref.values.reduce((a, v) => a + v, 0) / ref.d;
  const values = ref.values.map((v) => (1 - s) * v + s * avg);
  return { ...ref, values, rank: ref.d };
}

/** The clone as a fresh-sample source for the twins: mean + U diag(sqrt l) z, in f64 on the host. */
export function cloneSource(ref: GaussianReference): CloneSource {
  const { d, ut, values, mean } = ref;
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) L[i * d + j] = ut[i * d + j] * Math.sqrt(values[j]);
  return {
    draw(z, n) {
      const x = new Float64Array(n * d);
      for (let s = 0; s < n; s++) {
        for (let i = 0; i < d; i++) {
          let v = mean[i];
          for (let j = 0; j < d; j++) v += L[i * d + j] * z[s * d + j];
          x[s * d + i] = v;
        }
      }
      return x;
    },
  };
}

export async function setUp(
  o: DiffusionOptions,
  flavour: KernelFlavour | undefined,
  stopBefore: (phase: string) => Promise<void>,
  progress: (message: string) => void,
): Promise<Setup> {
  const seed = seedWords(o.seed);
  progress(`loading ${o.dataset}`);
  await stopBefore(`loading ${o.dataset}`);
  const set = poolSet(await loadImageSet(o.dataset), o.pool);
  const { C, H, W } = set;
  const d = C * H * W;
  if (set.raw.d !== d) throw new RangeError(`dataset: images of ${set.raw.d} values, expected C * H * W = ${d}`);
  const imgEx = await (await loadImagesKernels(flavour)).instantiate();
  const dense: Dense = createDense(imgEx, arenaFor(imgEx), imgEx.heapBase());
  const data = prepareData(
    set.raw,
    o,
    dense.uniforms(seed.hi, seed.lo, DIFFUSION_STREAM.SPLIT, set.raw.n),
    set.unitRange,
  );
  const nRef = o.nRef === 0 ? data.nTrain : Math.min(o.nRef, data.nTrain);
  const cloneShrinkage = nRef < d ? d / (nRef + d) : 0;
  progress(
    `Gaussian clone: covariance of ${nRef} training images and its eigen-decomposition (d = ${d})` +
      (cloneShrinkage > 0
        ? `; fewer images than pixels: the covariance is shrunk towards its average variance by s = d / (n + d) = ${cloneShrinkage.toPrecision(3)}`
        : ""),
  );
  await stopBefore(`loading ${o.dataset}`);
  const ref = shrunk(buildReference(dense, data.train, nRef, d), cloneShrinkage);
  const shape = { C, H, W };
  const testSide: DataSide = {
    ref: buildReference(dense, data.test, data.nTest, d),
    cols: standardisedColumns(data.test, data.nTest, shape),
    shape,
  };

  await stopBefore("building the Gaussian clone");
  const kernels = await loadDiffusionKernels(flavour);
  const spec = { arch: o.arch, C, H, W, width: o.width, groups: o.groups, tdim: o.tdim, tMax: o.tMax };
  const nets: Network[] = [];
  for (let i = 0; i < (o.twin ? 3 : 1); i++) nets.push(new Network(await kernels.instantiate(), spec, o.batch));
  const trainer = new Trainer(nets[0], Float32Array.from(data.train), data.nTrain, o);
  if (o.twin) trainer.addTwins(nets.slice(1), cloneSource(ref));
  trainer.init(
    seed.hi,
    seed.lo,
    DIFFUSION_STREAM.INIT,
    DIFFUSION_STREAM.TRAIN,
    o.twin ? [DIFFUSION_STREAM.TWIN_G, DIFFUSION_STREAM.TWIN_G2] : [],
  );

  const eps =
    (net: Network): EpsPredictor =>
    (xt, n, t) => {
      const out = new Float64Array(n * d);
      net.useEma(o.ema > 0);
      const x = net.heap.f32(net.x, o.batch * d);
      const tt = net.heap.f32(net.t, o.batch);
      for (let s0 = 0; s0 < n; s0 += o.batch) {
        const m = Math.min(o.batch, n - s0);
        x.set(xt.subarray(s0 * d, (s0 + m) * d));
        tt.fill(t / o.tMax);
        out.set(net.heap.f32(net.forward(m), m * d), s0 * d);
      }
      net.useEma(false);
      return out;
    };

  // Fixed evaluation inputs per t: real test images and clone samples with the same noise; the initial
  // network's estimates (R before any step, also after a resume: the set-up always starts from init).
  const nEval = Math.min(o.nEval, data.nTest);
  const x0Real = data.test.subarray(0, nEval * d);
  const x0Clone = cloneSamples(dense, ref, dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.CLONE, nEval * d), nEval);
  const noise = dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.EVAL_NOISE, nEval * d);
  const wEps = wienerEps(dense, ref);
  const evalSets = o.evalT.map((t) => {
    const { alpha, sigma } = alphaSigma("vp", t);
    const noisy = (x0: Float64Array) => x0.map((v, i) => alpha * v + sigma * noise[i]);
    const real = noisy(x0Real);
    const wienerX0Real = wienerX0(dense, ref, real, nEval, t);
    return {
      t,
      alpha,
      sigma,
      real,
      clone: noisy(x0Clone),
      noise,
      wienerX0: wienerX0Real,
      wienerMse: meanSquared(wienerX0Real, x0Real),
      initX0: x0Of(eps(nets[0])(real, nEval, t), real, alpha, sigma),
    };
  });

  // Sampling: fixed initial noise and ancestral noise, the same at every snapshot and for every network.
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
  progress(`Wiener diffusion: ${nS} samples, ${o.sampler} with ${o.sampleSteps} steps`);
  await stopBefore("measuring the Gaussian clone");
  const wienerSamples = sample(wEps, o.sampler, z0, zs, nS, d, ts);
  const cloneSet = cloneSamples(
    dense,
    ref,
    dense.normals(seed.hi, seed.lo, DIFFUSION_STREAM.CLONE_SAMPLES, nS * d),
    nS,
  );
  const nFloor = Math.min(nS, data.nTrain);
  const floorSet = data.train.subarray(0, nFloor * d);
  const mse = (a: Float64Array) => meanSquared(a, noise);
  const key = tKey;
  const reference: Reference = {
    wiener: imageSampleStats(dense, testSide, wienerSamples, nS),
    data: imageSampleStats(dense, testSide, floorSet, nFloor),
    clone: imageSampleStats(dense, testSide, cloneSet, nS),
    dataKurtosis: filterKurtosis(data.test, data.nTest, C, H, W),
    dataSpectrum: [...testSide.ref.values].reverse().slice(0, 32),
    wienerLossReal: Object.fromEntries(evalSets.map((e) => [key(e.t), mse(wEps(e.real, nEval, e.t))])),
    wienerLossClone: Object.fromEntries(evalSets.map((e) => [key(e.t), mse(wEps(e.clone, nEval, e.t))])),
    cloneShrinkage,
  };
  return {
    o,
    d,
    shape,
    data,
    nRef,
    dense,
    kernels,
    trainer,
    nets,
    nEval,
    x0Real,
    evalSets,
    ts,
    z0,
    zs,
    testSide,
    cloneCols: standardisedColumns(cloneSet, nS, shape),
    wienerSamples,
    floorSet,
    nFloor,
    reference,
    toPixels,
    eps,
  };
}
