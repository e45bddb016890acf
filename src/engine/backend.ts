/**
 * What a backend is: the kernel calls and arrays that differ between the full backend (./full.ts, vectors
 * of length d) and the reduced one (./reduced.ts, the exact chain of the overlaps). Everything else, the
 * seed, the lockstep run loop, the log, checkpoints, is the shared shell (./shell.ts).
 */
import type { Model } from "../config/model.js";
import * as abi from "./abi.js";
import type { Arena } from "./arena.js";
import type { Layout } from "./layout.js";
import type { Samples } from "./types.js";

/** One array of a checkpoint: its name in the state object, where it lives in the arena, its length. */
export interface StateField {
  readonly name: string;
  readonly ptr: number;
  readonly length: number;
}

export interface Backend {
  readonly kind: "full" | "reduced";
  readonly layout: Layout;
  /** The checkpoint's arrays (besides the RNG states), in the state object's key order. */
  readonly fields: readonly StateField[];
  /** Runs n steps of walker w in the kernel: n, or -s when a non-finite value appeared at step s. */
  runWalker(w: number, n: number): number;
  /** Optionally runs the listed walkers (an even number, at most groupSize) together for up to n steps,
   * with the same results as runWalker on each; returns the steps done. */
  runGroup?(ws: readonly number[], n: number): number;
  /** The most walkers runGroup takes. */
  readonly groupSize?: number;
  /** Steps per walker in a chunk of `work` coordinate-steps of the full backend. */
  chunkSteps(work: number): number;
  /** The backend's own kernel setup, once, after writeParams. */
  configure?(): void;
  /** Seeds what all walkers share (the full backend's spikes), before the walkers. */
  initShared?(hi: number, lo: number): void;
  /** The random stream ids (STREAM of ./layout.ts) of a walker's initial state, training and evaluation. */
  readonly streams: { readonly init: number; readonly train: number; readonly eval: number };
  /** Draws walker w's initial state from the stream at rngPtr (seeded by the shell with streams.init). */
  initWalker(w: number, rngPtr: number): void;
  /** Mean loss of walker w over n fresh samples of its evaluation stream. */
  evalLoss(w: number, n: number): number;
  weights(): Float64Array;
  gram(): Float64Array;
  spikes(): { u: Float64Array; v: Float64Array; m: Float64Array };
  /** n samples of the model from the test stream `stream` of the master seed (hi, lo). */
  sample(n: number, stream: number, hi: number, lo: number): Samples;
}

/** The checkpoint fields both backends keep in the same arena slots: the amplitudes, skips, first hits
 * and step counts of the walkers. */
export function walkerFields(
  layout: Layout,
  walkers: number,
  K: number,
): Record<"a" | "b" | "hits" | "walkerSteps", StateField> {
  return {
    a: { name: "a", ptr: layout.a, length: walkers * K },
    b: { name: "b", ptr: layout.b, length: walkers },
    hits: { name: "hits", ptr: layout.hit, length: walkers * K * 3 },
    walkerSteps: { name: "walkerSteps", ptr: layout.step, length: walkers },
  };
}

/** Writes the parameter block for a model (its values, codes and the arena layout) and configures the
 * kernels with it. */
export function writeParams(arena: Arena, layout: Layout, model: Model, walkers: number): void {
  const { config, codes } = model;
  const p = new Float64Array(abi.P_COUNT);
  p[abi.P_D] = config.d;
  p[abi.P_K] = config.K;
  p[abi.P_WALKERS] = walkers;
  p[abi.P_ALPHA] = model.alpha;
  p[abi.P_SIGMA] = model.sigma;
  p[abi.P_BETA_U] = config.betaU;
  p[abi.P_BETA_V] = config.betaV;
  p[abi.P_BETA_M] = config.betaM;
  p[abi.P_LATENT] = codes.latent;
  p[abi.P_NU_P] = model.latent.p;
  p[abi.P_CORR] = codes.corr;
  p[abi.P_MIX_P] = model.correlation.p;
  p[abi.P_ACT] = codes.act;
  p[abi.P_ETA] = model.eta;
  p[abi.P_TRAIN_SKIP] = config.trainSkip ? 1 : 0;
  p[abi.P_TRAIN_AMP] = config.trainAmplitude ? 1 : 0;
  p[abi.P_TARGET] = codes.target;
  p[abi.P_THRESHOLD] = config.threshold;
  p[abi.P_U] = layout.u;
  p[abi.P_V] = layout.v;
  p[abi.P_M] = layout.m;
  p[abi.P_X0] = layout.x0;
  p[abi.P_XI] = layout.xi;
  p[abi.P_XT] = layout.xt;
  p[abi.P_R] = layout.r;
  p[abi.P_W] = layout.w;
  p[abi.P_A] = layout.a;
  p[abi.P_B] = layout.b;
  p[abi.P_STEP] = layout.step;
  p[abi.P_OVL] = layout.ovl;
  p[abi.P_HIT] = layout.hit;
  p[abi.P_RNG_TRAIN] = layout.rngTrain;
  p[abi.P_RNG_EVAL] = layout.rngEval;
  p[abi.P_UNIT] = layout.unit;
  if (model.table) {
    arena.writeF64(layout.table, model.table.data);
    p[abi.P_TABLE] = layout.table;
    p[abi.P_TABLE_N] = model.table.intervals;
    p[abi.P_TABLE_LO] = -model.table.range;
    p[abi.P_TABLE_INV_DX] = 1 / model.table.spacing;
  }
  arena.writeF64(layout.params, p);
  arena.kernels.configure(layout.params);
}
