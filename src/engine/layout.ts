/**
 * The arena: every buffer the kernels touch, laid out once from (d, K, walkers), each 16-byte aligned,
 * starting at the module's heapBase(). Slot numbers of the parameter block mirror assembly/params.ts.
 */

export const PARAM = {
  D: 0,
  K: 1,
  ALPHA: 2,
  SIGMA: 3,
  BETA_U: 4,
  BETA_V: 5,
  BETA_M: 6,
  LATENT: 7,
  NU_P: 8,
  CORR: 9,
  MIX_P: 10,
  ACT: 11,
  ETA: 12,
  TRAIN_SKIP: 13,
  TRAIN_AMP: 14,
  TARGET: 15,
  THRESHOLD: 16,
  WALKERS: 17,
  U: 20,
  V: 21,
  M: 22,
  X0: 23,
  XI: 24,
  XT: 25,
  R: 26,
  W: 27,
  A: 28,
  B: 29,
  STEP: 30,
  OVL: 31,
  HIT: 32,
  RNG_TRAIN: 33,
  RNG_EVAL: 34,
  UNIT: 35,
  GRAD: 36,
  COUNT: 40,
} as const;

/** Random stream ids, combined with the master seed and the walker index by the kernel's seedStream(). */
export const STREAM = {
  spikes: 0,
  init: 1,
  train: 2,
  eval: 3,
  test: 4,
  // The reduced backend's own streams (its initial overlaps, its chain, its evaluation samples).
  reducedInit: 5,
  reducedTrain: 6,
  reducedEval: 7,
} as const;

/** Names of the directions, in the order of the overlap arrays' last axis. */
export const DIRECTIONS = ["u", "v", "m"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface Layout {
  params: number;
  u: number;
  v: number;
  m: number;
  x0: number;
  xi: number;
  xt: number;
  r: number;
  w: number;
  a: number;
  b: number;
  step: number;
  ovl: number;
  hit: number;
  rngTrain: number;
  rngEval: number;
  rngSpikes: number;
  rngInit: number;
  unit: number;
  grad: number;
  /** First free byte after the arena (scratch for batch sampling starts here). */
  end: number;
}

/** The largest arena we will lay out: wasm32 memories of 2 GiB instantiate everywhere we run. */
export const MAX_ARENA_BYTES = 2 ** 31 - 2 ** 20;

export function computeLayout(base: number, d: number, K: number, walkers: number): Layout {
  let at = (base + 15) & ~15;
  const take = (doubles: number) => {
    const ptr = at;
    at += Math.ceil((doubles * 8) / 16) * 16;
    return ptr;
  };
  const layout: Layout = {
    params: take(PARAM.COUNT),
    u: take(d),
    v: take(d),
    m: take(d),
    x0: take(d),
    xi: take(d),
    xt: take(d),
    r: take(d),
    w: take(walkers * K * d),
    a: take(walkers * K),
    b: take(walkers),
    step: take(walkers),
    ovl: take(walkers * K * 3),
    hit: take(walkers * K * 3),
    rngTrain: take(walkers * 4),
    rngEval: take(walkers * 4),
    rngSpikes: take(4),
    rngInit: take(4),
    unit: take(K * 4),
    grad: take(K * d + 1 + K),
    end: 0,
  };
  layout.end = at;
  if (at > MAX_ARENA_BYTES) {
    throw new RangeError(
      `walkers * K * d = ${walkers} * ${K} * ${d} needs ${Math.ceil(at / 2 ** 20)} MiB of WASM memory; the limit is ${MAX_ARENA_BYTES / 2 ** 20} MiB: use fewer walkers or split them over runs`,
    );
  }
  return layout;
}
