/**
 * The real-images experiment: a denoiser trained on real images at a fixed noise level, set
 * against the Wiener denoiser of the data's Gaussian clone. On a log grid of steps it measures the test
 * MSE on real images and on clone samples, the distance between the network's and the Wiener
 * denoiser's outputs, and the Wiener MSE as the reference; the summary reports when the network is
 * closest to Wiener and when it first beats Wiener on real data (which needs higher-order statistics).
 *
 * runImages() is the library entry: it takes options (./options.ts) and hooks (progress, per-point
 * evaluations, checkpoints, resume, abort) and returns a JSON-ready result. No printing, no files.
 * Phases: set-up (./setup.ts: data, kernels, references, the network and its start), training steps
 * between the grid's points, a snapshot at each point (the curve), and finish (summary, digit panel).
 */
import { gridSteps } from "../../engine/grid.js";
import { wienerMseTheory } from "../../images/gaussian.js";
import { type ImagesOptionsInput, resolveImagesOptions } from "./options.js";
import { type ImagesSetup, meanSe, type Progress, sampleLosses, setUpImages, start } from "./setup.js";
import type { CurvePoint, DigitPanel, ImagesCheckpoint, ImagesHooks, ImagesResult } from "./types.js";

export { IMAGES_STREAM } from "./setup.js";
export type {
  CurvePoint,
  DigitPanel,
  ImagesCheckpoint,
  ImagesHooks,
  ImagesProgress,
  ImagesResult,
} from "./types.js";

/** A test MSE above this many times that of the zero predictor is reported as divergence. */
const DIVERGED_FACTOR = 1e6;

/** The run's moving part: the step reached, the curve so far, the last real-test outputs, and whether the
 * run reached its last step. */
interface RunState {
  step: number;
  curve: CurvePoint[];
  lastOut: Float64Array;
  complete: boolean;
}

/** A checkpoint of the network, its optimizer and RNG, and the curve. */
function checkpointOf(s: ImagesSetup, state: RunState): ImagesCheckpoint {
  const { arena, lay, nParams } = s;
  return {
    format: "mcm-images-checkpoint/1",
    key: s.key,
    buildHash: s.kernels.buildHash,
    step: state.step,
    weights: arena.readF64(lay.weights, nParams),
    m1: arena.readF64(lay.m1, nParams),
    m2: arena.readF64(lay.m2, nParams),
    adamStep: arena.readF64(lay.step, 1)[0],
    lossSum: arena.readF64(lay.step, 2)[1],
    rng: arena.readBytes(lay.rng, 32),
    curve: state.curve.map((p) => ({ ...p })),
  };
}

/** The snapshot at a grid point: the network on the real and clone test inputs against Wiener, appended
 * to the curve (the training loss since the previous point read and reset). Throws on divergence. */
function snapshot(s: ImagesSetup, state: RunState, hooks: ImagesHooks): void {
  const { o, ex, arena, lay, data, evalOut, lwReal, lwClone, wienerReal } = s;
  const { d, nTest } = data;
  const step = state.step;
  ex.predict(s.evalXtReal, evalOut, nTest);
  const out = arena.readF64(evalOut, nTest * d);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(
        `training diverged: a non-finite network output at step ${step} (lr = ${o.lr}, optimizer ${o.optimizer}); try a smaller lr`,
      );
    }
  }
  const ln = sampleLosses(out, data.test, nTest, d);
  const diff = ln.map((v, i) => v - lwReal[i]);
  let dist2 = 0;
  for (let i = 0; i < out.length; i++) dist2 += (out[i] - wienerReal[i]) ** 2;
  ex.predict(s.evalXtClone, evalOut, nTest);
  const outC = arena.readF64(evalOut, nTest * d);
  const lc = sampleLosses(outC, s.x0Clone, nTest, d);
  const diffC = lc.map((v, i) => v - lwClone[i]);
  const r = meanSe(ln);
  // Finite but absurd: far worse than predicting zero means the optimizer has blown up.
  if (!(r.mean <= DIVERGED_FACTOR * s.meanMse)) {
    throw new Error(
      `training diverged: test MSE ${r.mean.toExponential(3)} at step ${step}, more than ${DIVERGED_FACTOR} times the MSE of predicting zero (${s.meanMse.toFixed(4)}) (lr = ${o.lr}, optimizer ${o.optimizer}); try a smaller lr`,
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
    wienerDistance: Math.sqrt(dist2 / s.wienerNorm2),
    trainLoss: null,
  };
  const prev = state.curve[state.curve.length - 1];
  if (prev && step > prev.step) {
    point.trainLoss = arena.readF64(lay.step, 2)[1] / (step - prev.step);
    arena.f64(lay.step, 2)[1] = 0;
  }
  state.curve.push(point);
  state.lastOut = out;
  hooks.onEval?.(point);
}

/** Training steps in chunks up to each grid point, a snapshot at each, checkpoints per checkpointEvery;
 * stops after the current chunk when the signal aborts (state.complete = false). */
async function train(s: ImagesSetup, state: RunState, hooks: ImagesHooks, progress: Progress): Promise<void> {
  const { o, ex } = s;
  const grid = gridSteps(o.steps, o.perDecade);
  if (state.step === 0 && state.curve.length === 0) snapshot(s, state, hooks);
  const chunk = Math.max(1, Math.floor(4e7 / (o.batch * o.K * s.data.d)));
  const every = hooks.checkpointEvery ?? { unit: "off" };
  const stepEvery = every.unit === "steps" ? every.every : 0;
  const msEvery = every.unit === "seconds" ? every.every * 1000 : Number.POSITIVE_INFINITY;
  let nextCheckpoint = stepEvery > 0 ? (Math.floor(state.step / stepEvery) + 1) * stepEvery : Number.POSITIVE_INFINITY;
  let lastSave = performance.now();
  let lastYield = performance.now();
  progress("train", state.step, "training");
  for (const g of grid) {
    if (g <= state.step) continue;
    while (state.step < g) {
      if (hooks.signal?.aborted) {
        state.complete = false;
        break;
      }
      const n = Math.min(g - state.step, chunk, nextCheckpoint - state.step);
      ex.train(n);
      state.step += n;
      if (state.step === g) snapshot(s, state, hooks);
      progress("train", state.step, `step ${state.step} of ${o.steps}`);
      if (state.step >= nextCheckpoint || performance.now() - lastSave >= msEvery) {
        await hooks.onCheckpoint?.(checkpointOf(s, state));
        if (state.step >= nextCheckpoint) nextCheckpoint += stepEvery;
        lastSave = performance.now();
      }
      if (performance.now() - lastYield > 50) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    if (!state.complete) break;
  }
}

/** The summary of the curve: when the network is closest to Wiener, when it first beats Wiener on real
 * images, and whether it stays no better than Wiener on the clone. */
function summarise(s: ImagesSetup, curve: CurvePoint[]): ImagesResult["summary"] {
  const o = s.o;
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
    `final MSE on real images ${last.mseReal.toFixed(4)} vs Wiener ${s.wReal.mean.toFixed(4)}`,
    cloneOk
      ? "no better than Wiener on the Gaussian clone"
      : `better than Wiener on the Gaussian clone by ${(-last.gapClone).toExponential(2)} (unexpected)`,
  ].join("; ");
  return {
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
  };
}

/** The first test images, in pixel units: clean, noisy, Wiener's and the network's. */
function digitPanel(s: ImagesSetup, lastOut: Float64Array): DigitPanel | null {
  const { o, data, xtReal, wienerReal } = s;
  if (!(data.side > 0 && o.nDigits > 0)) return null;
  const { d, nTest } = data;
  const k = Math.min(o.nDigits, nTest);
  const { mean, scale } = data.prep;
  const pix = (src: Float64Array, i: number, shift: number) =>
    Array.from({ length: d }, (_, j) => Math.round((src[i * d + j] * scale + shift * mean[j]) * 1000) / 1000);
  const idx = Array.from({ length: k }, (_, i) => i);
  return {
    side: data.side,
    index: idx.map((i) => data.testIndex[i]),
    clean: idx.map((i) => pix(data.test, i, 1)),
    noisy: idx.map((i) => pix(xtReal, i, 1)),
    wiener: idx.map((i) => pix(wienerReal, i, 1)),
    network: idx.map((i) => pix(lastOut, i, 1)),
  };
}

/** The result document from the set-up's references and the finished run. */
function resultOf(s: ImagesSetup, state: RunState, summary: ImagesResult["summary"]): ImagesResult {
  const { o, data, ref, alpha, sigma, wReal, wClone } = s;
  return {
    format: "mcm-images/1",
    complete: state.complete,
    options: o,
    dataset: {
      name: data.name,
      d: data.d,
      side: data.side,
      nTrain: data.nTrain,
      nTest: data.nTest,
      trainedOn: o.trainOn,
      preprocessing: {
        pixelRange: data.prep.pixelRange,
        meanRemoved: `the per-pixel mean image of the ${data.nTrain} training images`,
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
      meanDenoiserMse: s.meanMse,
      averageVariance: ref.avgVariance,
      covarianceRank: ref.rank,
      topEigenvalues: Array.from(ref.values.slice(-10)).reverse(),
    },
    curve: state.curve,
    summary,
    digits: digitPanel(s, state.lastOut),
    build: { flavour: s.kernels.flavour, buildHash: s.kernels.buildHash },
  };
}

/** Runs the experiment; see ImagesHooks for progress, checkpoints and resume. */
export async function runImages(input: ImagesOptionsInput = {}, hooks: ImagesHooks = {}): Promise<ImagesResult> {
  const o = resolveImagesOptions(input);
  const started = performance.now();
  const progress: Progress = (phase, step, message) =>
    hooks.onProgress?.({ phase, step, total: o.steps, message, elapsedMs: performance.now() - started });

  // Set-up.
  const s = await setUpImages(o, hooks, progress);
  const state: RunState = { ...start(s, hooks.resume), lastOut: new Float64Array(0), complete: true };

  // Steps, with a snapshot at each grid point.
  await train(s, state, hooks, progress);

  // Finish.
  await hooks.onCheckpoint?.(checkpointOf(s, state));
  if (state.lastOut.length === 0) {
    // Resumed at the end: recompute the outputs for the digit panel (also appends nothing).
    s.ex.predict(s.evalXtReal, s.evalOut, s.data.nTest);
    state.lastOut = s.arena.readF64(s.evalOut, s.data.nTest * s.data.d);
  }
  const summary = summarise(s, state.curve);
  progress("done", state.step, summary.text);
  return resultOf(s, state, summary);
}
