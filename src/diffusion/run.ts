/**
 * `mcm diffusion`'s library entry (docs/diffusion.md): a small U-Net (or MLP) R trained over all noise
 * levels of the VP process to predict the noise, with t uniform on [tMin, tMax] per sample, Adam and an
 * EMA of the weights; with twins, G and G' are trained beside it on two independent streams of fresh
 * samples of the data's Gaussian clone, from the same initial weights and with the same t and noise draws.
 * On a log grid of steps it measures, per chosen t, the twin quantities of ./twin.ts (eG, h, its floor,
 * the paired loss difference), R's distance to the Wiener denoiser and its test losses, and what the
 * networks generate from the same fixed noise (./metrics.ts), against the Wiener diffusion's samples, the
 * clone's and a data floor. Phases: set-up (./setup.ts), training steps, snapshots, finish. No printing,
 * no files.
 */
import { gridSteps } from "../engine/grid.js";
import type { KernelFlavour } from "../engine/kernels.js";
import { decideRun, type RunDecisionT } from "./decide.js";
import { imageSampleStats, type SampleStats, shapeW1, standardisedColumns } from "./metrics.js";
import { type DiffusionOptions, resolveDiffusionOptions } from "./options.js";
import { sample } from "./sample.js";
import { type DiffusionImages, type Reference, type Setup, setUp, tKey } from "./setup.js";
import type { ShardRunner } from "./shards.js";
import type { TrainerState } from "./train.js";
import { type SampleGaps, sampleGaps, type TwinPoint, type TwinResult, twinPoint, x0Of } from "./twin.js";
import { inlineRunner, threadRunner } from "./workers.js";

export { DIFFUSION_STREAM, type DiffusionImages, tKey } from "./setup.js";

/** What one network's samples score. */
export interface SampleScore extends SampleStats {
  /** The Frechet distance minus the data floor's at the same sample count (reference.data). */
  frechetExcess: number;
  /** The standardised-marginal W1 against clone samples of the same count (instead of the data). */
  shapeW1Clone: number;
}

export interface Snapshot {
  step: number;
  /** Mean training loss of R (noise MSE per pixel) since the previous snapshot; null at step 0. */
  trainLoss: number | null;
  /** The same for G and G' (with twins). */
  twinTrainLoss?: number[] | null;
  /** Per t: mean squared difference per pixel between R's and the Wiener denoiser's x0 estimates on noisy
   * test images. */
  wienerDistance: Record<string, number>;
  /** Per t: R's test loss (noise MSE per pixel) on real test images and on Gaussian-clone samples. */
  lossReal: Record<string, number>;
  lossClone: Record<string, number>;
  /** R's samples from the fixed noise. */
  samples: SampleScore;
  /** With twins: G's samples from the same noise and the per-sample distances R - G, G - G', G - Wiener. */
  twinSamples?: { G: SampleScore; gaps: SampleGaps };
  /** Wall seconds of training and measuring so far. */
  seconds: number;
}

export interface DiffusionCheckpoint {
  options: DiffusionOptions;
  state: TrainerState;
  snapshots: Snapshot[];
  twin?: TwinPoint[];
  lossSum: number;
  lossCount: number;
  twinLossSums?: number[];
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
  reference: Reference;
  snapshots: Snapshot[];
  /** With twins: the twin measurement per snapshot and its decision per t (./decide.ts). */
  twin: TwinResult | null;
  decision: Record<string, RunDecisionT> | null;
  summary: { text: string };
  complete: boolean;
}

export interface DiffusionHooks {
  resume?: DiffusionCheckpoint;
  signal?: AbortSignal;
  /** When to checkpoint besides every snapshot: every so many steps or seconds (absent: snapshots only). */
  checkpointEvery?: { unit: "steps" | "seconds"; every: number } | { unit: "off" };
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

/** The mutable state of a run between phases. */
interface RunState {
  snapshots: Snapshot[];
  twin: TwinPoint[];
  lossSums: number[];
  lossCount: number;
  secondsBefore: number;
  t0: number;
  lastCheckpoint: number;
  lastCheckpointTime: number;
}

function seconds(st: RunState): number {
  return st.secondsBefore + (performance.now() - st.t0) / 1000;
}

/** One snapshot: per-t measurements of every network, samples from the fixed noise and their scores. */
function snapshot(s: Setup, st: RunState, step: number, hooks: DiffusionHooks): void {
  const { o, d, nEval, nets, dense, reference } = s;
  hooks.onProgress?.({ phase: "snapshot", step, total: o.steps, message: `step ${step}: samples and measurements` });
  const n = nEval * d;
  const wienerDistance: Record<string, number> = {};
  const lossReal: Record<string, number> = {};
  const lossClone: Record<string, number> = {};
  const x0s: [Float64Array, Float64Array, Float64Array][] = [];
  const predict = nets.map((net) => s.eps(net));
  for (const e of s.evalSets) {
    const k = tKey(e.t);
    const epsReal = predict[0](e.real, nEval, e.t);
    const epsClone = predict[0](e.clone, nEval, e.t);
    let lr = 0;
    let lc = 0;
    for (let i = 0; i < n; i++) {
      lr += (epsReal[i] - e.noise[i]) ** 2;
      lc += (epsClone[i] - e.noise[i]) ** 2;
    }
    lossReal[k] = lr / n;
    lossClone[k] = lc / n;
    const r = x0Of(epsReal, e.real, e.alpha, e.sigma);
    let wd = 0;
    for (let i = 0; i < n; i++) wd += (r[i] - e.wienerX0[i]) ** 2;
    wienerDistance[k] = wd / n;
    if (o.twin) {
      const [g, g2] = [1, 2].map((j) => x0Of(predict[j](e.real, nEval, e.t), e.real, e.alpha, e.sigma));
      x0s.push([r, g, g2]);
    }
  }
  if (o.twin) st.twin.push(twinPoint(step, s.evalSets, x0s, s.x0Real, nEval, d, tKey));

  const nS = o.nSamples;
  const score = (x: Float64Array): SampleScore => {
    const stats = imageSampleStats(dense, s.testSide, x, nS);
    return {
      ...stats,
      frechetExcess: stats.gaussianFrechet - reference.data.gaussianFrechet,
      shapeW1Clone: shapeW1(standardisedColumns(x, nS, s.shape), s.cloneCols),
    };
  };
  const xs = predict.map((p) => sample(p, o.sampler, s.z0, s.zs, nS, d, s.ts));
  const counted = st.lossCount > 0;
  const snap: Snapshot = {
    step,
    trainLoss: counted ? st.lossSums[0] / st.lossCount : null,
    wienerDistance,
    lossReal,
    lossClone,
    samples: score(xs[0]),
    seconds: seconds(st),
  };
  if (o.twin) {
    snap.twinTrainLoss = counted ? st.lossSums.slice(1).map((v) => v / st.lossCount) : null;
    snap.twinSamples = { G: score(xs[1]), gaps: sampleGaps(xs[0], xs[1], xs[2], s.wienerSamples) };
  }
  st.lossSums = st.lossSums.map(() => 0);
  st.lossCount = 0;
  st.snapshots.push(snap);
  const g = Math.min(GRID_IMAGES, nS);
  hooks.onSamples?.(step, [
    { label: `R ${step}`, images: s.toPixels(xs[0], g) },
    ...(o.twin ? [{ label: `G ${step}`, images: s.toPixels(xs[1], g) }] : []),
  ]);
}

/** Stores the state (never weights that have left the floats: the next step's loss would be the first sign). */
function checkpoint(s: Setup, st: RunState, hooks: DiffusionHooks): void {
  for (const net of s.nets) {
    const w = net.heap.f32(net.w, net.size);
    for (let i = 0; i < w.length; i++) {
      if (!Number.isFinite(w[i])) {
        throw new DivergedError(
          `training diverged: weights not finite after step ${s.trainer.step}; stopped, the last checkpoint (step ${st.lastCheckpoint}) is kept (lower lr?)`,
        );
      }
    }
  }
  st.lastCheckpoint = s.trainer.step;
  st.lastCheckpointTime = performance.now();
  hooks.onCheckpoint?.({
    options: s.o,
    state: s.trainer.save(),
    snapshots: [...st.snapshots],
    ...(s.o.twin ? { twin: [...st.twin], twinLossSums: st.lossSums.slice(1) } : {}),
    lossSum: st.lossSums[0],
    lossCount: st.lossCount,
    seconds: seconds(st),
  });
}

/** One training step of every network; throws DivergedError on a loss out of bounds. */
async function step(s: Setup, st: RunState, runners: ShardRunner[]): Promise<void> {
  await s.trainer.trainStepWith(runners);
  const bad = s.trainer.losses.find((v) => !(v <= DIVERGED_LOSS));
  if (bad !== undefined) {
    throw new DivergedError(
      `training diverged: loss ${bad.toPrecision(4)} at step ${s.trainer.step} (not finite, or above ${DIVERGED_LOSS}, ` +
        `a million times the zero predictor's 1); stopped, the last checkpoint (step ${st.lastCheckpoint}) is kept (lower lr?)`,
    );
  }
  s.trainer.losses.forEach((v, i) => {
    st.lossSums[i] += v;
  });
  st.lossCount++;
}

/** The result of a run from its state. */
function finish(s: Setup, st: RunState, complete: boolean): DiffusionResult {
  const { o, data } = s;
  const twin: TwinResult | null = o.twin
    ? {
        t: o.evalT,
        wienerMse: Object.fromEntries(s.evalSets.map((e) => [tKey(e.t), e.wienerMse])),
        snapshots: st.twin,
      }
    : null;
  const decision = twin && twin.snapshots.length > 0 ? decideRun(twin, tKey) : null;
  const last = st.snapshots[st.snapshots.length - 1];
  const text = twin
    ? o.evalT
        .map((t) => {
          const p = twin.snapshots[twin.snapshots.length - 1];
          const k = tKey(t);
          return `t = ${k}: h / eG ${(p.h[k] / p.eG[k]).toPrecision(3)} at step ${p.step}`;
        })
        .join("; ")
    : `Frechet distance ${last?.samples.gaussianFrechet.toPrecision(3)} at step ${last?.step}`;
  return {
    kind: "diffusion",
    options: o,
    build: { flavour: s.kernels.flavour, hash: s.kernels.buildHash },
    dataset: {
      name: data.name,
      ...s.shape,
      d: s.d,
      nTrain: data.nTrain,
      nTest: data.nTest,
      nRef: s.nRef,
      preprocessing: data.prep.statement,
    },
    network: { arch: o.arch, parameters: s.nets[0].size },
    process: { name: "vp", tMin: o.tMin, tMax: o.tMax, sampler: o.sampler, sampleSteps: o.sampleSteps, grid: s.ts },
    reference: s.reference,
    snapshots: st.snapshots,
    twin,
    decision,
    summary: { text },
    complete,
  };
}

export async function runDiffusion(
  input: Partial<DiffusionOptions>,
  hooks: DiffusionHooks = {},
): Promise<DiffusionResult> {
  const o = resolveDiffusionOptions(hooks.resume ? hooks.resume.options : input);
  const threads = hooks.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new RangeError(`threads: got ${JSON.stringify(hooks.threads)}, expected a whole number in [1, 256]`);
  }
  // The set-up is synchronous: yield so that a signal's handler can run, then look.
  const stopBefore = async (phase: string) => {
    await new Promise((r) => setImmediate(r));
    if (hooks.signal?.aborted) throw new StoppedBeforeTraining(phase);
  };
  const s = await setUp(o, hooks.flavour, stopBefore, (message) =>
    hooks.onProgress?.({ phase: "reference", step: 0, total: o.steps, message }),
  );
  const r = hooks.resume;
  if (r) s.trainer.restore(r.state);
  hooks.onSamples?.(-1, [
    { label: "data", images: s.toPixels(s.floorSet, Math.min(GRID_IMAGES, s.nFloor)) },
    { label: "Wiener", images: s.toPixels(s.wienerSamples, Math.min(GRID_IMAGES, o.nSamples)) },
  ]);
  const st: RunState = {
    snapshots: r ? [...r.snapshots] : [],
    twin: r?.twin ? [...r.twin] : [],
    lossSums: [r?.lossSum ?? 0, ...(o.twin ? (r?.twinLossSums ?? [0, 0]) : [])],
    lossCount: r?.lossCount ?? 0,
    secondsBefore: r?.seconds ?? 0,
    t0: performance.now(),
    lastCheckpoint: r?.state.step ?? 0,
    lastCheckpointTime: performance.now(),
  };
  const grid = new Set(gridSteps(o.steps, o.perDecade));
  await stopBefore("sampling the Wiener reference");
  if (!r) {
    snapshot(s, st, 0, hooks);
    checkpoint(s, st, hooks);
  }
  const every = hooks.checkpointEvery ?? { unit: "off" };
  const due = () =>
    every.unit === "steps"
      ? s.trainer.step % every.every === 0
      : every.unit === "seconds" && performance.now() - st.lastCheckpointTime >= 1000 * every.every;
  const nThreads = Math.min(threads, o.shards);
  const runners =
    nThreads > 1
      ? [await threadRunner(nThreads, s.kernels.flavour, s.nets[0].spec, Math.ceil(o.batch / o.shards))]
      : s.nets.map(inlineRunner);
  let complete = true;
  try {
    while (s.trainer.step < o.steps) {
      // Let signal handlers run (the loop is otherwise synchronous).
      await new Promise((res) => setImmediate(res));
      if (hooks.signal?.aborted) {
        checkpoint(s, st, hooks);
        complete = false;
        break;
      }
      await step(s, st, runners.length === 1 ? s.nets.map(() => runners[0]) : runners);
      const at = s.trainer.step;
      hooks.onProgress?.({ phase: "train", step: at, total: o.steps, message: "" });
      if (grid.has(at)) {
        snapshot(s, st, at, hooks);
        checkpoint(s, st, hooks);
      } else if (due()) checkpoint(s, st, hooks);
    }
  } finally {
    await Promise.all(runners.map((x) => x.close()));
  }
  return finish(s, st, complete);
}
