/**
 * The simulation shell both backends share: it turns a Backend (./backend.ts) into a Simulation
 * (./types.ts), with the seed, the walkers' common step, the overlap log and the lockstep run loop of
 * ./ensemble.ts, and checkpoints (state and restore) made of the backend's fields and the RNG states.
 */
import type { Model } from "../config/model.js";
import type { Arena } from "./arena.js";
import type { Backend } from "./backend.js";
import { Ensemble } from "./ensemble.js";
import { checkRestoreArrays, checkRestoreState } from "./guards.js";
import type { KernelExports, Kernels } from "./kernels.js";
import { seedWords } from "./layout.js";
import { copyLogEntry, type Simulation, type SimulationOptions, type SimulationState } from "./types.js";

export interface ShellParts {
  model: Model;
  kernels: Kernels;
  exports: KernelExports;
  arena: Arena;
  backend: Backend;
  options?: SimulationOptions;
}

/** The Simulation of a backend whose kernels are configured (writeParams) and arena sized. */
export function createShell({ model, kernels, exports, arena, backend, options = {} }: ShellParts): Simulation {
  const { config } = model;
  const { layout } = backend;
  const { K, walkers } = config;
  const nOvl = walkers * K * 3;
  const e = new Ensemble({
    arena,
    layout,
    walkers,
    K,
    eta: model.eta,
    walkerOffset: options.walkerOffset,
    runWalker: (w, n) => backend.runWalker(w, n),
    runGroup: backend.runGroup ? (ws, n) => (backend.runGroup as NonNullable<Backend["runGroup"]>)(ws, n) : undefined,
    groupSize: backend.groupSize,
    chunkSteps: (work) => backend.chunkSteps(work),
  });
  const seedText = (what: string): string => {
    e.requireInit(what);
    return e.seedText as string;
  };

  const sim: Simulation = {
    config,
    model,
    kernels,
    layout,
    eta: model.eta,
    alpha: model.alpha,
    sigma: model.sigma,
    skip0: model.skip0,
    exports,
    arena,
    get seed() {
      return seedText("seed");
    },
    get step() {
      return e.step;
    },
    get log() {
      return e.log;
    },
    init(seed) {
      const { hi, lo } = seedWords(seed);
      const { streams } = backend;
      backend.initShared?.(hi, lo);
      e.start(seed, (w, id) => {
        exports.seedStream(layout.rngInit, hi, lo, streams.init, id);
        backend.initWalker(w, layout.rngInit);
        exports.seedStream(layout.rngTrain + 32 * w, hi, lo, streams.train, id);
        exports.seedStream(layout.rngEval + 32 * w, hi, lo, streams.eval, id);
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
      return backend.weights();
    },
    gram() {
      e.requireInit("gram");
      return backend.gram();
    },
    spikes() {
      e.requireInit("spikes");
      return backend.spikes();
    },
    amplitudes() {
      e.requireInit("amplitudes");
      return arena.readF64(layout.a, walkers * K);
    },
    skips() {
      e.requireInit("skips");
      return arena.readF64(layout.b, walkers);
    },
    evalLoss(n) {
      e.requireInit("evalLoss");
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`evalLoss: got ${n}, expected a whole number >= 1`);
      const out = new Float64Array(walkers);
      for (let w = 0; w < walkers; w++) out[w] = backend.evalLoss(w, n);
      return out;
    },
    sample(n, stream = 0) {
      const { hi, lo } = seedWords(seedText("sample"));
      return backend.sample(n, stream, hi, lo);
    },
    state() {
      const seed = seedText("state");
      const state: Record<string, unknown> = { backend: backend.kind, config: { ...config }, seed, step: e.step };
      for (const f of backend.fields) state[f.name] = arena.readF64(f.ptr, f.length);
      state.rng = arena.readStreams(layout.rngTrain, layout.rngEval, walkers);
      state.log = e.log.map(copyLogEntry);
      return state as unknown as SimulationState;
    },
    restore(s) {
      // Not an object (null, a number): refused naming what was given, before any field is read.
      if (s === null || typeof s !== "object") checkRestoreState(config, s);
      const kind = s.backend ?? "full";
      if (kind !== backend.kind) {
        throw new Error(
          `restore: the state is a ${kind}-backend checkpoint, but this simulation uses the ${backend.kind} backend`,
        );
      }
      checkRestoreState(config, s);
      checkRestoreArrays(s as unknown as Record<string, unknown>, kind, backend.fields, {
        d: config.d,
        rngLength: walkers * 8,
      });
      const arrays = s as unknown as Record<string, Float64Array>;
      for (const f of backend.fields) arena.writeF64(f.ptr, arrays[f.name]);
      arena.writeStreams(layout.rngTrain, layout.rngEval, walkers, s.rng);
      e.restore(s);
    },
  };
  return sim;
}
