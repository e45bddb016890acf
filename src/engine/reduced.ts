/**
 * The reduced backend (docs/model.md section 8): the exact Markov chain of the overlaps M = W S^T [K, q] and
 * the off-spike Gram matrix G = (P W)(P W)^T [K, K], stepped by assembly/reduced.ts at a cost that does not
 * depend on d. It has the law of the full backend's overlaps, hitting times, a_k and b for any d; it has no
 * weight vectors and no spikes, so weights() and spikes() throw and gram() gives G instead.
 *
 * Shapes: overlaps and hits [walkers, K, 3] with the last axis (u, v, m) (m = 0 when betaM = 0, where
 * q = 2); G [walkers, K, K]; a [walkers, K]; b [walkers]. A checkpoint (ReducedState) is M, G, a, b, the
 * hits, the RNG states and the log: O(walkers K^2) numbers whatever d is.
 */
import { alphaSigma, optimalSkip } from "../config/process.js";
import type { Config } from "../config/schema.js";
import { Arena } from "./arena.js";
import { Ensemble } from "./ensemble.js";
import { checkRestoreState } from "./guards.js";
import { loadKernels } from "./kernels.js";
import { computeLayout, type Layout, STREAM } from "./layout.js";
import {
  copyLogEntry,
  type LogEntry,
  learningRate,
  type Simulation,
  type SimulationOptions,
  writeParams,
} from "./simulation.js";

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

/** The arena of the reduced backend: the full layout at d = 0 (no vectors of length d), plus G and the
 * chain's scratch. */
export interface ReducedLayout extends Layout {
  /** Number of spikes tracked: 2 (u, v), or 3 with the mean spike. */
  q: number;
  gram: number;
  scratch: number;
}

/** q = 3 when the mean spike is present, else 2. */
export function spikeCount(config: Config): number {
  return config.betaM > 0 ? 3 : 2;
}

export function computeReducedLayout(
  base: number,
  K: number,
  walkers: number,
  q: number,
  scratchDoubles: number,
): ReducedLayout {
  const core = computeLayout(base, 0, K, walkers);
  let at = core.end;
  const take = (doubles: number) => {
    const ptr = at;
    at += Math.ceil((doubles * 8) / 16) * 16;
    return ptr;
  };
  const gram = take(walkers * K * K);
  const scratch = take(scratchDoubles);
  return { ...core, q, gram, scratch, end: at };
}

/**
 * G = (P W)(P W)^T [walkers, K, K] of weights [walkers, K, d], P the projection off the given orthonormal
 * spikes: the reduced coordinates of a full-backend state.
 */
export function offSpikeGram(
  weights: Float64Array,
  spikes: readonly Float64Array[],
  walkers: number,
  K: number,
  d: number,
): Float64Array {
  const G = new Float64Array(walkers * K * K);
  const p = new Float64Array(K * d);
  for (let w = 0; w < walkers; w++) {
    for (let k = 0; k < K; k++) {
      const row = p.subarray(k * d, (k + 1) * d);
      row.set(weights.subarray((w * K + k) * d, (w * K + k + 1) * d));
      for (const s of spikes) {
        let c = 0;
        for (let i = 0; i < d; i++) c += row[i] * s[i];
        for (let i = 0; i < d; i++) row[i] -= c * s[i];
      }
    }
    for (let k = 0; k < K; k++) {
      for (let l = 0; l <= k; l++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += p[k * d + i] * p[l * d + i];
        G[(w * K + k) * K + l] = s;
        G[(w * K + l) * K + k] = s;
      }
    }
  }
  return G;
}

/** Creates a reduced-backend simulation for a validated config (use createSimulation, which dispatches
 * on config.backend). */
export async function createReducedSimulation(config: Config, options: SimulationOptions = {}): Promise<Simulation> {
  const { d, K, walkers } = config;
  const q = spikeCount(config);
  if (d - q - K < 2) {
    throw new RangeError(`d: got ${d} with K = ${K} and ${q} spikes, the reduced backend needs d - ${q} - K >= 2`);
  }
  const kernels = options.kernels ?? (await loadKernels());
  const exports = await kernels.instantiate();
  const arena = new Arena(exports);
  const layout = computeReducedLayout(exports.heapBase(), K, walkers, q, exports.reducedScratchDoubles(K, q));
  arena.ensure(layout.end);
  const eta = learningRate(config);
  const { alpha, sigma } = alphaSigma(config.process, config.t);
  const skip0 = config.skip === "optimal" ? optimalSkip(config.process, config.t, config.target) : config.skip;
  writeParams(arena, layout, config, walkers, eta);
  exports.configureReduced(q, layout.gram, layout.scratch);

  const nOvl = walkers * K * 3;
  const runGroup = (ws: readonly number[], n: number): number => {
    new Int32Array(exports.memory.buffer, exports.groupList(), ws.length).set(ws);
    return exports.runReducedGroup(ws.length / 2, n);
  };
  const e = new Ensemble({
    arena,
    layout,
    walkers,
    K,
    eta,
    walkerOffset: options.walkerOffset,
    runWalker: (w, n) => exports.runReduced(w, n),
    runGroup: K === 1 && exports.isSimd() ? runGroup : undefined,
    groupSize: 2 * exports.groupPairs(),
    // A K = 1 chain step (~45 ns in groups, ~65 alone) costs about as much as 10 coordinate-steps of the
    // full backend (~5 ns each), and the step grows like K^2.
    chunkSteps: (work) => work / (10 * K * K),
  });
  const unavailable = (what: string, instead: string): never => {
    throw new Error(`${what}() is not available for the reduced backend: it tracks overlaps only (${instead})`);
  };

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
      e.start(seed, (w, id, hi, lo) => {
        exports.seedStream(layout.rngInit, hi, lo, STREAM.reducedInit, id);
        exports.initReducedWalker(w, layout.rngInit, config.amplitude, skip0);
        exports.seedStream(layout.rngTrain + 32 * w, hi, lo, STREAM.reducedTrain, id);
        exports.seedStream(layout.rngEval + 32 * w, hi, lo, STREAM.reducedEval, id);
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
    sample() {
      return unavailable("sample", "the chain draws inner products, not vectors; use the full backend");
    },
    weights() {
      return unavailable("weights", "use overlaps() and gram()");
    },
    gram() {
      e.requireInit("gram");
      return arena.readF64(layout.gram, walkers * K * K);
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
      return unavailable("spikes", "the chain is the same for every choice of spikes");
    },
    evalLoss(n) {
      e.requireInit("evalLoss");
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`evalLoss: got ${n}, expected a whole number >= 1`);
      const out = new Float64Array(walkers);
      for (let w = 0; w < walkers; w++) out[w] = exports.evalLossReduced(w, n);
      return out;
    },
    state(): ReducedState {
      e.requireInit("state");
      const rng = arena.readStreams(layout.rngTrain, layout.rngEval, walkers);
      return {
        backend: "reduced",
        config: { ...config },
        seed: e.seedText as string,
        step: e.step,
        M: sim.overlaps(),
        G: sim.gram(),
        a: sim.amplitudes(),
        b: sim.skips(),
        hits: sim.hits(),
        walkerSteps: sim.walkerSteps(),
        rng,
        log: e.log.map(copyLogEntry),
      };
    },
    restore(s) {
      if (s.backend !== "reduced") {
        throw new Error(
          "restore: the state is a full-backend checkpoint, but this simulation uses the reduced backend",
        );
      }
      checkRestoreState(config, s);
      const expect = (name: string, got: number, want: number) => {
        if (got !== want) throw new Error(`restore: ${name} has ${got} values, expected ${want}`);
      };
      expect("M", s.M.length, nOvl);
      expect("G", s.G.length, walkers * K * K);
      expect("a", s.a.length, walkers * K);
      expect("b", s.b.length, walkers);
      expect("hits", s.hits.length, nOvl);
      expect("rng", s.rng.length, walkers * 8);
      expect("walkerSteps", s.walkerSteps.length, walkers);
      arena.writeF64(layout.ovl, s.M);
      arena.writeF64(layout.gram, s.G);
      arena.writeF64(layout.a, s.a);
      arena.writeF64(layout.b, s.b);
      arena.writeF64(layout.hit, s.hits);
      arena.writeF64(layout.step, s.walkerSteps);
      arena.writeStreams(layout.rngTrain, layout.rngEval, walkers, s.rng);
      e.restore(s);
    },
  };
  return sim;
}
