/**
 * Memory of one images-kernel instance: the parameter block (slots from ./abi.ts, generated from assembly/images/params.ts),
 * the training data, the flat parameter vector with its gradient and Adam moments, the minibatch
 * scratch and the training stream, each 16-byte aligned from heapBase().
 */
import { Arena } from "../../engine/arena.js";
import type { ImagesExports } from "../../images/kernels.js";
import {
  OPT_ADAM,
  OPT_SGD,
  Q_ACT,
  Q_ALPHA,
  Q_BATCH,
  Q_BETA1,
  Q_BETA2,
  Q_COUNT,
  Q_D,
  Q_DATA,
  Q_EPS,
  Q_G,
  Q_GP,
  Q_GRAD,
  Q_H,
  Q_K,
  Q_LR,
  Q_M1,
  Q_M2,
  Q_N,
  Q_OPT,
  Q_PARAMS,
  Q_R,
  Q_RNG,
  Q_SIGMA,
  Q_STEP,
  Q_TIED,
  Q_TRAIN_SKIP,
  Q_X0,
  Q_XT,
} from "./abi.js";

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
  const params = take(Q_COUNT);
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
  const block = arena.f64(lay.params, Q_COUNT);
  block.fill(0);
  block[Q_D] = c.d;
  block[Q_K] = c.K;
  block[Q_TIED] = c.tied ? 1 : 0;
  block[Q_ACT] = c.act;
  block[Q_ALPHA] = c.alpha;
  block[Q_SIGMA] = c.sigma;
  block[Q_BATCH] = c.batch;
  block[Q_N] = c.nTrain;
  block[Q_OPT] = c.adam ? OPT_ADAM : OPT_SGD;
  block[Q_LR] = c.lr;
  block[Q_BETA1] = c.beta1;
  block[Q_BETA2] = c.beta2;
  block[Q_EPS] = 1e-8;
  block[Q_TRAIN_SKIP] = c.trainSkip ? 1 : 0;
  block[Q_DATA] = lay.data;
  block[Q_PARAMS] = lay.weights;
  block[Q_GRAD] = lay.grad;
  block[Q_M1] = lay.m1;
  block[Q_M2] = lay.m2;
  block[Q_XT] = lay.xt;
  block[Q_X0] = lay.x0;
  block[Q_R] = lay.r;
  block[Q_H] = lay.h;
  block[Q_G] = lay.g;
  block[Q_GP] = lay.gp;
  block[Q_RNG] = lay.rng;
  block[Q_STEP] = lay.step;
  ex.configure(lay.params);
}
