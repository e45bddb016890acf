/**
 * Memory of one images-kernel instance: the parameter block (slots mirror assembly/images/params.ts),
 * the training data, the flat parameter vector with its gradient and Adam moments, the minibatch
 * scratch and the training stream, each 16-byte aligned from heapBase().
 */
import { Arena } from "../../engine/arena.js";
import type { ImagesExports } from "./kernels.js";

export const QSLOT = {
  D: 0,
  K: 1,
  TIED: 2,
  ACT: 3,
  ALPHA: 4,
  SIGMA: 5,
  BATCH: 6,
  N: 7,
  OPT: 8,
  LR: 9,
  BETA1: 10,
  BETA2: 11,
  EPS: 12,
  TRAIN_SKIP: 13,
  DATA: 20,
  PARAMS: 21,
  GRAD: 22,
  M1: 23,
  M2: 24,
  XT: 25,
  X0: 26,
  R: 27,
  H: 28,
  G: 29,
  GP: 30,
  RNG: 31,
  STEP: 32,
} as const;

const PARAM_SLOTS = 40;

export interface NetShape {
  d: number;
  K: number;
  batch: number;
  nTrain: number;
}

export interface NetLayout {
  params: number; // parameter block
  data: number;
  weights: number;
  grad: number;
  m1: number;
  m2: number;
  xt: number;
  x0: number;
  r: number;
  h: number;
  g: number;
  gp: number;
  rng: number;
  initRng: number;
  step: number;
  /** Doubles in the flat parameter vector. */
  nParams: number;
  end: number;
}

const align = (x: number) => Math.ceil(x / 16) * 16;

/** Lays out buffers for shape from base (the module's heapBase()). */
export function netLayout(base: number, s: NetShape, nParams: number): NetLayout {
  let p = align(base);
  const take = (doubles: number) => {
    const at = p;
    p = align(p + doubles * 8);
    return at;
  };
  const params = take(PARAM_SLOTS);
  const data = take(s.nTrain * s.d);
  const weights = take(nParams);
  const grad = take(nParams);
  const m1 = take(nParams);
  const m2 = take(nParams);
  const xt = take(s.batch * s.d);
  const x0 = take(s.batch * s.d);
  const r = take(s.batch * s.d);
  const h = take(s.batch * s.K);
  const g = take(s.batch * s.K);
  const gp = take(s.batch * s.K);
  const rng = take(4);
  const initRng = take(4);
  const step = take(2);
  return { params, data, weights, grad, m1, m2, xt, x0, r, h, g, gp, rng, initRng, step, nParams, end: p };
}

/** An arena over an images-kernel instance's memory. */
export function arenaFor(k: ImagesExports): Arena {
  return new Arena(k as unknown as ConstructorParameters<typeof Arena>[0]);
}

export interface NetConfig {
  d: number;
  K: number;
  tied: boolean;
  /** Activation code (ACTIVATION_CODE of ./options.ts). */
  act: number;
  alpha: number;
  sigma: number;
  batch: number;
  nTrain: number;
  adam: boolean;
  lr: number;
  beta1: number;
  beta2: number;
  trainSkip: boolean;
}

/** Writes the parameter block for a layout and config and makes the kernels read it. */
export function configureNet(ex: ImagesExports, arena: Arena, lay: NetLayout, c: NetConfig): void {
  arena.ensure(lay.end);
  const block = arena.f64(lay.params, PARAM_SLOTS);
  block.fill(0);
  block[QSLOT.D] = c.d;
  block[QSLOT.K] = c.K;
  block[QSLOT.TIED] = c.tied ? 1 : 0;
  block[QSLOT.ACT] = c.act;
  block[QSLOT.ALPHA] = c.alpha;
  block[QSLOT.SIGMA] = c.sigma;
  block[QSLOT.BATCH] = c.batch;
  block[QSLOT.N] = c.nTrain;
  block[QSLOT.OPT] = c.adam ? 1 : 0;
  block[QSLOT.LR] = c.lr;
  block[QSLOT.BETA1] = c.beta1;
  block[QSLOT.BETA2] = c.beta2;
  block[QSLOT.EPS] = 1e-8;
  block[QSLOT.TRAIN_SKIP] = c.trainSkip ? 1 : 0;
  block[QSLOT.DATA] = lay.data;
  block[QSLOT.PARAMS] = lay.weights;
  block[QSLOT.GRAD] = lay.grad;
  block[QSLOT.M1] = lay.m1;
  block[QSLOT.M2] = lay.m2;
  block[QSLOT.XT] = lay.xt;
  block[QSLOT.X0] = lay.x0;
  block[QSLOT.R] = lay.r;
  block[QSLOT.H] = lay.h;
  block[QSLOT.G] = lay.g;
  block[QSLOT.GP] = lay.gp;
  block[QSLOT.RNG] = lay.rng;
  block[QSLOT.STEP] = lay.step;
  ex.configure(lay.params);
}
