/**
 * createSimulation: the full backend as `init(seed)` and `run(steps)` over plain state held in WASM
 * memory (docs/model.md sections 2 to 5). Walkers advance in lockstep, chunk by chunk, so that all of them
 * are at the same step whenever the host looks: at log points, progress reports and checkpoints.
 * config.backend = "reduced" gives the exact reduced chain of section 8 instead (src/engine/reduced.ts),
 * behind the same interface.
 *
 * Shapes: w [walkers, K, d]; a [walkers, K]; b [walkers]; overlaps and hits [walkers, K, 3] with the last
 * axis (u, v, m) as in DIRECTIONS.
 */

import { alphaSigma, optimalSkip } from "../config/process.js";
import {
  ACTIVATIONS,
  type Config,
  type ConfigInput,
  parseCorrelation,
  parseLatent,
  resolveConfig,
} from "../config/schema.js";
import { Arena } from "./arena.js";
import { Ensemble } from "./ensemble.js";
import { checkRestoreState } from "./guards.js";
import { type KernelExports, type Kernels, loadKernels } from "./kernels.js";
import { computeLayout, type Direction, type Layout, MAX_ARENA_BYTES, PARAM, STREAM } from "./layout.js";
import { createReducedSimulation, offSpikeGram, type ReducedState } from "./reduced.js";

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

export interface Simulation {
  readonly config: Config;
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
   * x0 and xt [n, d], lambda and nu [n]. Uses scratch memory past the arena. */
  sample(n: number, stream?: number): Samples;
  state(): SimulationState;
  restore(state: SimulationState): void;
  /** Low-level access for tests and tools. */
  readonly exports: KernelExports;
  readonly arena: Arena;
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
}

const CORR_CODE = { independent: 0, sign: 1, mixed: 2, uncorrelated: 3 } as const;

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

/** Writes the parameter block for a config (model values and the arena layout). */
export function writeParams(arena: Arena, layout: Layout, config: Config, walkers: number, eta: number): void {
  const { alpha, sigma } = alphaSigma(config.process, config.t);
  const latent = parseLatent(config.latent);
  const corr = parseCorrelation(config.correlation);
  if (!latent || !corr) throw new Error("writeParams: config was not validated");
  const p = new Float64Array(PARAM.COUNT);
  p[PARAM.D] = config.d;
  p[PARAM.K] = config.K;
  p[PARAM.WALKERS] = walkers;
  p[PARAM.ALPHA] = alpha;
  p[PARAM.SIGMA] = sigma;
  p[PARAM.BETA_U] = config.betaU;
  p[PARAM.BETA_V] = config.betaV;
  p[PARAM.BETA_M] = config.betaM;
  p[PARAM.LATENT] = latent.kind === "uniform" ? 1 : 0;
  p[PARAM.NU_P] = latent.p;
  p[PARAM.CORR] = CORR_CODE[corr.kind];
  p[PARAM.MIX_P] = corr.p;
  p[PARAM.ACT] = ACTIVATIONS.indexOf(config.activation);
  p[PARAM.ETA] = eta;
  p[PARAM.TRAIN_SKIP] = config.trainSkip ? 1 : 0;
  p[PARAM.TRAIN_AMP] = config.trainAmplitude ? 1 : 0;
  p[PARAM.TARGET] = config.target === "x0" ? 0 : 1;
  p[PARAM.THRESHOLD] = config.threshold;
  p[PARAM.U] = layout.u;
  p[PARAM.V] = layout.v;
  p[PARAM.M] = layout.m;
  p[PARAM.X0] = layout.x0;
  p[PARAM.XI] = layout.xi;
  p[PARAM.XT] = layout.xt;
  p[PARAM.R] = layout.r;
  p[PARAM.W] = layout.w;
  p[PARAM.A] = layout.a;
  p[PARAM.B] = layout.b;
  p[PARAM.STEP] = layout.step;
  p[PARAM.OVL] = layout.ovl;
  p[PARAM.HIT] = layout.hit;
  p[PARAM.RNG_TRAIN] = layout.rngTrain;
  p[PARAM.RNG_EVAL] = layout.rngEval;
  p[PARAM.UNIT] = layout.unit;
  p[PARAM.GRAD] = layout.grad;
  arena.writeF64(layout.params, p);
  arena.kernels.configure(layout.params);
}

/** eta = delta * d^(-lrExponent) (docs/model.md section 4). */
export function learningRate(config: Config): number {
  return config.delta * config.d ** -config.lrExponent;
}

export function copyLogEntry(e: LogEntry): LogEntry {
  return { step: e.step, overlaps: e.overlaps.slice(), a: e.a.slice(), b: e.b.slice() };
}

/** Creates a simulation of config.backend ("full" or "reduced"); call init(seed) before run(). */
export async function createSimulation(
  input: ConfigInput | Config,
  options: SimulationOptions = {},
): Promise<Simulation> {
  const config = resolveConfig(input);
  if (config.backend === "reduced") return createReducedSimulation(config, options);
  const kernels = options.kernels ?? (await loadKernels());
  const exports = await kernels.instantiate();
  const arena = new Arena(exports);
  const { d, K, walkers } = config;
  const layout = computeLayout(exports.heapBase(), d, K, walkers);
  arena.ensure(layout.end);
  const eta = learningRate(config);
  const { alpha, sigma } = alphaSigma(config.process, config.t);
  const skip0 = config.skip === "optimal" ? optimalSkip(config.process, config.t, config.target) : config.skip;
  writeParams(arena, layout, config, walkers, eta);

  const nOvl = walkers * K * 3;
  const e = new Ensemble({
    arena,
    layout,
    walkers,
    K,
    eta,
    walkerOffset: options.walkerOffset,
    runWalker: (w, n) => exports.run(w, n),
    chunkSteps: (work) => work / (d * K),
  });

  const sim: Simulation = {
    config,
    kernels,
    layout,
    eta,
    alpha,
    sigma,
    skip0,
    exports,
    arena,
    get seed() {
      e.requireInit("seed");
      return e.seedText as string;
    },
    get step() {
      return e.step;
    },
    get log() {
      return e.log;
    },
    init(seed) {
      const { hi, lo } = seedWords(seed);
      exports.seedStream(layout.rngSpikes, hi, lo, STREAM.spikes, 0);
      exports.initSpikes(layout.rngSpikes, config.spikes === "basis" ? 1 : 0);
      e.start(seed, (w, id) => {
        exports.seedStream(layout.rngInit, hi, lo, STREAM.init, id);
        exports.initWalker(w, layout.rngInit, config.amplitude, skip0);
        exports.seedStream(layout.rngTrain + 32 * w, hi, lo, STREAM.train, id);
        exports.seedStream(layout.rngEval + 32 * w, hi, lo, STREAM.eval, id);
      });
    },
    advance(n) {
      e.advance(n);
    },
    run(total, opts = {}) {
      return e.run(sim, total, opts);
    },
    overlaps() {
      e.requireInit("overlaps");
      return arena.readF64(layout.ovl, nOvl);
    },
    hits() {
      e.requireInit("hits");
      return arena.readF64(layout.hit, nOvl);
    },
    walkerSteps() {
      e.requireInit("walkerSteps");
      return arena.readF64(layout.step, walkers);
    },
    weights() {
      e.requireInit("weights");
      return arena.readF64(layout.w, walkers * K * d);
    },
    gram() {
      e.requireInit("gram");
      const { u, v, m } = sim.spikes();
      return offSpikeGram(sim.weights(), config.betaM > 0 ? [u, v, m] : [u, v], walkers, K, d);
    },
    amplitudes() {
      e.requireInit("amplitudes");
      return arena.readF64(layout.a, walkers * K);
    },
    skips() {
      e.requireInit("skips");
      return arena.readF64(layout.b, walkers);
    },
    spikes() {
      e.requireInit("spikes");
      return { u: arena.readF64(layout.u, d), v: arena.readF64(layout.v, d), m: arena.readF64(layout.m, d) };
    },
    evalLoss(n) {
      e.requireInit("evalLoss");
      const out = new Float64Array(walkers);
      for (let w = 0; w < walkers; w++) out[w] = exports.evalLoss(w, n);
      return out;
    },
    sample(n, stream = 0) {
      e.requireInit("sample");
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`sample: got n = ${n}, expected a whole number >= 1`);
      const { hi, lo } = seedWords(e.seedText as string);
      const rngPtr = layout.end;
      const x0Ptr = rngPtr + 32;
      const xtPtr = x0Ptr + n * d * 8;
      const latPtr = xtPtr + n * d * 8;
      if (latPtr + n * 16 > MAX_ARENA_BYTES) throw new RangeError(`sample: n * d = ${n * d} is too large for one call`);
      arena.ensure(latPtr + n * 16);
      exports.seedStream(rngPtr, hi, lo, STREAM.test, stream);
      exports.sampleNoised(rngPtr, x0Ptr, xtPtr, latPtr, n);
      const lat = arena.readF64(latPtr, 2 * n);
      const lambda = new Float64Array(n);
      const nu = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        lambda[i] = lat[2 * i];
        nu[i] = lat[2 * i + 1];
      }
      return { x0: arena.readF64(x0Ptr, n * d), xt: arena.readF64(xtPtr, n * d), lambda, nu };
    },
    state() {
      e.requireInit("state");
      const rng = arena.readStreams(layout.rngTrain, layout.rngEval, walkers);
      return {
        backend: "full",
        config: { ...config },
        seed: e.seedText as string,
        step: e.step,
        walkerSteps: arena.readF64(layout.step, walkers),
        w: sim.weights(),
        a: sim.amplitudes(),
        b: sim.skips(),
        ...sim.spikes(),
        hits: sim.hits(),
        overlaps: sim.overlaps(),
        rng,
        log: e.log.map(copyLogEntry),
      };
    },
    restore(s) {
      if (s.backend === "reduced") {
        throw new Error(
          "restore: the state is a reduced-backend checkpoint, but this simulation uses the full backend",
        );
      }
      checkRestoreState(config, s);
      const expect = (name: string, got: number, want: number) => {
        if (got !== want) throw new Error(`restore: ${name} has ${got} values, expected ${want}`);
      };
      expect("w", s.w.length, walkers * K * d);
      expect("a", s.a.length, walkers * K);
      expect("b", s.b.length, walkers);
      expect("u", s.u.length, d);
      expect("v", s.v.length, d);
      expect("m", s.m.length, d);
      expect("hits", s.hits.length, nOvl);
      expect("overlaps", s.overlaps.length, nOvl);
      expect("rng", s.rng.length, walkers * 8);
      expect("walkerSteps", s.walkerSteps.length, walkers);
      arena.writeF64(layout.w, s.w);
      arena.writeF64(layout.a, s.a);
      arena.writeF64(layout.b, s.b);
      arena.writeF64(layout.u, s.u);
      arena.writeF64(layout.v, s.v);
      arena.writeF64(layout.m, s.m);
      arena.writeF64(layout.hit, s.hits);
      arena.writeF64(layout.ovl, s.overlaps);
      arena.writeF64(layout.step, s.walkerSteps);
      arena.writeStreams(layout.rngTrain, layout.rngEval, walkers, s.rng);
      e.restore(s);
    },
  };
  return sim;
}
