/**
 * The arena: every buffer the kernels touch, laid out once from (d, K, walkers), each 16-byte aligned,
 * starting at the module's heapBase(); the random streams and the seed's split into 32-bit words. The
 * parameter block's slots are the P_ constants of ./abi.ts (generated from assembly/params.ts).
 */
import { P_COUNT } from "./abi.js";

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
  /** The table of a formula activation (empty for a built-in): src/engine/table.ts. */
  table: number;
  /** Scratch for gradient()'s output [K d + 1 + K] (tests compare it with finite differences). */
  grad: number;
  /** First free byte after the arena (scratch for batch sampling starts here). */
  end: number;
}

/** The largest arena we will lay out: wasm32 memories of 2 GiB instantiate everywhere we run. */
export const MAX_ARENA_BYTES = 2 ** 31 - 2 ** 20;

export function computeLayout(base: number, d: number, K: number, walkers: number, tableDoubles = 0): Layout {
  let at = (base + 15) & ~15;
  const take = (doubles: number) => {
    const ptr = at;
    at += Math.ceil((doubles * 8) / 16) * 16;
    return ptr;
  };
  const layout: Layout = {
    params: take(P_COUNT),
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
    table: take(tableDoubles),
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

/** Splits a seed (0 <= seed < 2^64) into 32-bit halves. */
export function seedWords(seed: number | bigint | string): { hi: number; lo: number; text: string } {
  let s: bigint;
  try {
    s = BigInt(seed);
  } catch {
    throw new RangeError(`seed: got ${JSON.stringify(seed)}, expected an integer in [0, 2^64 - 1]`);
  }
  if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
    throw new RangeError(`seed: got ${seed}, expected an integer in [0, 2^53 - 1] (pass larger seeds as strings)`);
  }
  if (s < 0n || s >= 1n << 64n) throw new RangeError(`seed: got ${seed}, expected an integer in [0, 2^64 - 1]`);
  return { hi: Number(s >> 32n), lo: Number(s & 0xffffffffn), text: s.toString() };
}
