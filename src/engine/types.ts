/**
 * The engine's types: the Simulation interface both backends implement, their checkpoint states, log
 * entries, run options and errors. A leaf module: it imports types only, so every engine module can use it
 * without an import cycle.
 *
 * Shapes: w [walkers, K, d]; a [walkers, K]; b [walkers]; overlaps and hits [walkers, K, 3] with the last
 * axis (u, v, m) as in DIRECTIONS; G [walkers, K, K].
 */

import type { Direction } from "../config/directions.js";
import type { Model } from "../config/model.js";
import type { Config } from "../config/schema.js";
import type { Arena } from "./arena.js";
import type { KernelExports, Kernels } from "./kernels.js";
import type { Layout } from "./layout.js";

/** One row of the overlap log. */
export interface LogEntry {
  step: number;
  /** [walkers, K, 3] */
  overlaps: Float64Array;
  /** [walkers, K] */
  a: Float64Array;
  /** [walkers] */
  b: Float64Array;
}

/** Everything needed to continue a full-backend run exactly: a checkpoint is this object. */
export interface FullState {
  backend?: "full";
  /** The config of the simulation that made the state; restore() refuses a state of another config. */
  config: Config;
  seed: string;
  step: number;
  /** Steps of each walker: all equal to `step` unless walkers were frozen by stopWhenHit. */
  walkerSteps: Float64Array;
  w: Float64Array;
  a: Float64Array;
  b: Float64Array;
  u: Float64Array;
  v: Float64Array;
  m: Float64Array;
  hits: Float64Array;
  overlaps: Float64Array;
  /** [walkers, 2, 4] xoshiro256** states (train, eval) as u64 words. */
  rng: BigUint64Array;
  log: LogEntry[];
}

/** A reduced-backend checkpoint: everything needed to continue the chain exactly. */
export interface ReducedState {
  backend: "reduced";
  /** The config of the simulation that made the state; restore() refuses a state of another config. */
  config: Config;
  seed: string;
  step: number;
  /** [walkers, K, 3]: the overlaps with u, v, m (the chain's M; column m is 0 when q = 2). */
  M: Float64Array;
  /** [walkers, K, K] */
  G: Float64Array;
  a: Float64Array;
  b: Float64Array;
  hits: Float64Array;
  /** Steps of each walker: all equal to `step` unless walkers were frozen by stopWhenHit. */
  walkerSteps: Float64Array;
  /** [walkers, 2, 4] xoshiro256** states (train, eval) as u64 words. */
  rng: BigUint64Array;
  log: LogEntry[];
}

/** A checkpoint of either backend; `backend` tells them apart (absent means full). */
export type SimulationState = FullState | ReducedState;

export interface Progress {
  step: number;
  total: number;
  /** Steps per second of one walker, averaged over this run() call. */
  stepsPerSecond: number;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  /** Called with the simulation at each chunk boundary; may write a checkpoint. */
  onChunk?: (sim: Simulation) => void | Promise<void>;
  /** Stops after the current chunk when aborted; run() then resolves early (check sim.step). */
  signal?: AbortSignal;
  /** Coordinate-steps (walker steps times K d) per chunk; about 10 ms of work by default. */
  chunkWork?: number;
  /** Freeze each walker once every listed direction has been hit by one of its units (sweeps need
   * only hitting times). Frozen walkers keep their step count and overlaps; run() returns when all
   * walkers are frozen. The log then holds frozen walkers' last values. */
  stopWhenHit?: readonly Direction[];
  /** With stopWhenHit: keep a walker running until `stopAfterHit` times its (last) hitting step, so
   * that overlap curves show what follows the hit. Default 1 (freeze at the hit). */
  stopAfterHit?: number;
}

/** Thrown when SGD produces a non-finite weight, amplitude or skip. */
export class DivergenceError extends Error {
  readonly step: number;
  readonly walker: number;
  constructor(step: number, walker: number, eta: number) {
    super(
      `SGD diverged: a non-finite weight appeared at step ${step} of walker ${walker} (eta = ${eta}); try a smaller learning rate (delta, --lr) or a larger lr exponent`,
    );
    this.name = "DivergenceError";
    this.step = step;
    this.walker = walker;
  }
}

export interface Samples {
  x0: Float64Array;
  xt: Float64Array;
  lambda: Float64Array;
  nu: Float64Array;
}

export interface SimulationOptions {
  kernels?: Kernels;
  /** Index of this simulation's first walker in a larger ensemble: walker w draws from the streams of
   * walker walkerOffset + w, so an ensemble split into chunks gives the same results as one run. */
  walkerOffset?: number;
  /** The half-width of a formula activation's table (default Model.tableRange from the config): the
   * generator and its trained levels share one table this way. */
  tableRange?: number;
}

export interface Simulation {
  readonly config: Config;
  /** What the engine derives from the config (config/model.ts). */
  readonly model: Model;
  readonly kernels: Kernels;
  readonly layout: Layout;
  /** eta = delta d^-lrExponent */
  readonly eta: number;
  readonly alpha: number;
  readonly sigma: number;
  /** The initial skip b (the optimal isotropic skip unless config.skip is a number). */
  readonly skip0: number;
  /** The master seed as a decimal string (seeds up to 2^64 - 1). */
  readonly seed: string;
  /** The common step count of all walkers. */
  readonly step: number;
  readonly log: readonly LogEntry[];
  init(seed: number | bigint | string): void;
  /** Advances every walker to `total` steps, logging on the grid. */
  run(total: number, options?: RunOptions): Promise<void>;
  /** Synchronous: advances every walker by exactly n steps (no logging). */
  advance(n: number): void;
  overlaps(): Float64Array;
  /** First steps at which |overlap| >= threshold, [walkers, K, 3], -1 when not reached (censored). */
  hits(): Float64Array;
  /** Steps taken by each walker [walkers] (all equal to step unless stopWhenHit froze some). */
  walkerSteps(): Float64Array;
  /** The weights [walkers, K, d]. Full backend only: the reduced one has none and throws (use gram()). */
  weights(): Float64Array;
  /** G = (P W)(P W)^T [walkers, K, K], the Gram matrix of the weights' parts off the spikes (u, v, and m
   * when betaM > 0): with overlaps() it is the reduced backend's state (docs/model.md section 8). */
  gram(): Float64Array;
  amplitudes(): Float64Array;
  skips(): Float64Array;
  /** The spike vectors [d] each. Full backend only: the reduced one has none and throws. */
  spikes(): { u: Float64Array; v: Float64Array; m: Float64Array };
  /** Mean loss of each walker over n fresh samples of its evaluation stream. */
  evalLoss(n: number): Float64Array;
  /** n samples of the model from the `test` stream number `stream` (independent of training):
   * x0 and xt [n, d], lambda and nu [n]. Uses scratch memory past the arena. Full backend only. */
  sample(n: number, stream?: number): Samples;
  state(): SimulationState;
  restore(state: SimulationState): void;
  /** Low-level access for tests and tools. */
  readonly exports: KernelExports;
  readonly arena: Arena;
}

export function copyLogEntry(e: LogEntry): LogEntry {
  return { step: e.step, overlaps: e.overlaps.slice(), a: e.a.slice(), b: e.b.slice() };
}
